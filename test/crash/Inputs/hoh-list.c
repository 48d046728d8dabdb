/*
 * hoh-list.c -- crash-test program: a sorted linked list with one mutex per
 * node, traversed hand over hand (lock coupling: lock the next node, then
 * release the previous one), with insert, delete (unlink, unlock, free) and
 * lookup from several threads.
 *
 *   hoh-list HEAP run [THREADS]   operate until killed
 *   hoh-list HEAP check           recover and verify: sorted, no duplicate,
 *                                 count matches, every node live and sealed
 *   hoh-list HEAP sim [THREADS [OPS [KEYS]]]
 *                                 for pmatomic crashtest: verify, OPS
 *                                 operations per thread on KEYS keys (seeds
 *                                 fixed), verify, close
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEYS 512
#define SEAL 0x486f4821ull

struct node {
  pthread_mutex_t lock;
  long key;
  uint64_t seal;
  struct node *next;
};
struct list {
  uint64_t magic;
  struct node head; /* sentinel, key -1 */
  pthread_mutex_t count_lock;
  long count;
};
static struct list *l;
static _Atomic long done_here;
static long ops = -1;  /* per thread; -1: until killed */
static long keys = KEYS;

/* find -- lock-coupled search: returns prev and cur locked, prev->key < key <= cur->key */
static void find(long key, struct node **pprev, struct node **pcur) {
  struct node *prev = &l->head;
  pthread_mutex_lock(&prev->lock);
  struct node *cur = prev->next;
  if (cur)
    pthread_mutex_lock(&cur->lock);
  while (cur && cur->key < key) {
    pthread_mutex_unlock(&prev->lock); /* released in the middle of the FASE */
    prev = cur;
    cur = cur->next;
    if (cur)
      pthread_mutex_lock(&cur->lock);
  }
  *pprev = prev;
  *pcur = cur;
}

/* spin -- some work inside the critical section */
static void spin(unsigned n) {
  volatile unsigned x = 0;
  for (unsigned i = 0; i < n; i++)
    x += i;
}

/* count_add -- the element count, under its own lock */
static void count_add(long d) {
  pthread_mutex_lock(&l->count_lock);
  l->count += d;
  pthread_mutex_unlock(&l->count_lock);
}

/* op -- insert (absent), delete (present) or look up one key */
static void op(long key, int kind) {
  struct node *prev, *cur;
  find(key, &prev, &cur);
  int present = cur && cur->key == key;
  if (kind == 0 && !present) {
    struct node *n = pma_malloc(sizeof *n);
    if (n) {
      pthread_mutex_init(&n->lock, NULL);
      n->key = key;
      n->seal = (uint64_t)key ^ SEAL;
      n->next = cur;
      prev->next = n;
      spin(20000); /* work between publishing the node and counting it */
      count_add(1);
    }
  } else if (kind == 1 && present) {
    prev->next = cur->next;
    spin(20000);
    count_add(-1);
    pthread_mutex_unlock(&cur->lock);
    memset(&cur->seal, 0, sizeof cur->seal);
    pma_free(cur);
    cur = NULL;
  }
  if (ops >= 0)
    spin(100000); /* sim: time for others to commit on our count before we do */
  if (cur)
    pthread_mutex_unlock(&cur->lock);
  pthread_mutex_unlock(&prev->lock);
}

/* worker -- random operations, forever or ops of them */
static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (long n = 0; ops < 0 || n < ops; n++) {
    op(rand_r(&seed) % keys, rand_r(&seed) % 3);
    done_here++;
  }
  return NULL;
}

/* check -- 0 when the list is intact */
static int check(void) {
  long n = 0, prev = -1;
  for (struct node *p = l->head.next; p; p = p->next) {
    if (!pma_is_heap(p, sizeof *p) || pma_usable_size(p) < sizeof *p || ++n > KEYS) {
      printf("bad node %p after %ld nodes\n", (void *)p, n);
      return 1;
    }
    if (p->key <= prev || p->seal != ((uint64_t)p->key ^ SEAL)) {
      printf("node %ld after %ld: unsorted, duplicated or torn\n", p->key, prev);
      return 1;
    }
    prev = p->key;
  }
  if (n != l->count) {
    printf("%ld nodes but count %ld\n", n, l->count);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 8u << 20);
  if (!h) {
    fprintf(stderr, "hoh-list: %s\n", pma_errormsg());
    return 2;
  }
  l = pma_root(h, sizeof *l);
  if (l->magic != SEAL) {
    pma_begin();
    pthread_mutex_init(&l->head.lock, NULL);
    pthread_mutex_init(&l->count_lock, NULL);
    l->head.key = -1;
    l->magic = SEAL;
    pma_end();
  }
  if (!strcmp(argv[2], "check")) {
    int bad = check();
    printf("check: %ld keys, recovery rolled back %llu FASEs: %s\n", l->count,
           (unsigned long long)pma_recovery(h)->fases_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  int nthreads = argc > 3 ? atoi(argv[3]) : 3;
  pthread_t th[16];
  if (!strcmp(argv[2], "sim")) {
    ops = argc > 4 ? atol(argv[4]) : 20;
    keys = argc > 5 ? atol(argv[5]) : 32;
    if (keys < 1 || keys > KEYS || nthreads < 1 || nthreads > 16)
      return 2;
    if (check()) {
      printf("after recovery: VIOLATION\n");
      return 1;
    }
    for (int i = 0; i < nthreads; i++)
      pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < nthreads; i++)
      pthread_join(th[i], NULL);
    int bad = check();
    if (bad)
      printf("after run: VIOLATION\n");
    pma_close(h);
    return bad;
  }
  for (int i = 0; i < nthreads && i < 16; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(getpid() * 13 + i));
  while (done_here < 32L * nthreads)
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
