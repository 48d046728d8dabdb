/*
 * hohlist.c -- sorted linked list with hand-over-hand (lock-coupling) locking
 *
 * One mutex per node, head and tail sentinels.  Uniform random keys over
 * twice the prefilled length: 34% lookups, 33% inserts, 33% deletes.
 * Under pmatomic a release while the next node's lock is held is published
 * (design.md section 1): the lock is free at once, and a thread that takes
 * it depends on the traversing FASE until that FASE commits.
 */
#include "../common.h"
#include <limits.h>

#define KEYS 256

struct node {
  pthread_mutex_t lock;
  long key;
  struct node *next;
};
struct list {
  struct node *head; /* sentinel, key LONG_MIN; tail sentinel key LONG_MAX */
  long size;         /* under the head sentinel's lock: every operation takes it */
};
static struct list *l;

static struct node *node_new(long key, struct node *next) {
  struct node *n = pma_malloc(sizeof *n);
  pthread_mutex_init(&n->lock, NULL);
  n->key = key;
  n->next = next;
  return n;
}

/* locate -- return pred (locked) and *currp (locked), pred->key < key <= curr->key */
static struct node *locate(long key, struct node **currp) {
  struct node *pred = l->head;
  pthread_mutex_lock(&pred->lock);
  struct node *curr = pred->next;
  pthread_mutex_lock(&curr->lock);
  while (curr->key < key) {
    pthread_mutex_unlock(&pred->lock);
    pred = curr;
    curr = curr->next;
    pthread_mutex_lock(&curr->lock);
  }
  *currp = curr;
  return pred;
}

static int op(long key, int kind) {
  struct node *curr, *pred = locate(key, &curr);
  int r = curr->key == key;
  if (kind == 1 && !r) {
    pred->next = node_new(key, curr);
    __atomic_fetch_add(&l->size, 1, __ATOMIC_RELAXED);
  } else if (kind == 2 && r) {
    pred->next = curr->next;
    __atomic_fetch_sub(&l->size, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&curr->lock);
    pma_free(curr);
    pthread_mutex_unlock(&pred->lock);
    return r;
  }
  pthread_mutex_unlock(&curr->lock);
  pthread_mutex_unlock(&pred->lock);
  return r;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  l = bench_open_root(path, 128u << 20, sizeof *l);
  if (!l)
    return 1;
  pma_begin();
  l->head = node_new(LONG_MIN, node_new(LONG_MAX, NULL));
  pma_end();
  for (long k = 0; k < KEYS; k += 2)
    op(k, 1);
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  uint64_t s = 0x11575ull + (uint64_t)tid * 15485863;
  for (long i = 0; i < ops; i++) {
    uint64_t r = bench_rng(&s);
    unsigned p = (unsigned)(r >> 40) % 100;
    op((long)(r % KEYS), p < 34 ? 0 : p < 67 ? 1 : 2);
  }
}

static int check(void) {
  long n = 0, prev = LONG_MIN;
  for (struct node *p = l->head->next; p->key != LONG_MAX; p = p->next, n++) {
    if (p->key <= prev)
      return 0;
    prev = p->key;
  }
  return n == l->size;
}

static const struct bench_prog prog = {"hohlist", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
