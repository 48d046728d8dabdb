/*
 * hohlist.c (PMDK) -- the hand-over-hand sorted list of ../progs/hohlist.c
 * with libpmemobj: a PMEMmutex in every node (reset by PMDK at pool open),
 * lock coupling as in the original, one transaction per modification.  The
 * size counter is not kept (two transactions cannot both snapshot a word
 * that they update concurrently).
 */
#include "pmdk_common.h"
#include <limits.h>

#define KEYS 256

struct node {
  PMEMmutex lock;
  long key;
  struct node *next;
};
struct list {
  struct node *head;
};
static struct list *l;

static struct node *node_new(long key, struct node *next) {
  struct node *n = pmemobj_direct(pmemobj_tx_zalloc(sizeof *n, 1)); /* zeroed mutex is unlocked */
  n->key = key;
  n->next = next;
  return n;
}

static struct node *locate(long key, struct node **currp) {
  struct node *pred = l->head;
  pmemobj_mutex_lock(pop, &pred->lock);
  struct node *curr = pred->next;
  pmemobj_mutex_lock(pop, &curr->lock);
  while (curr->key < key) {
    pmemobj_mutex_unlock(pop, &pred->lock);
    pred = curr;
    curr = curr->next;
    pmemobj_mutex_lock(pop, &curr->lock);
  }
  *currp = curr;
  return pred;
}

static int op(long key, int kind) {
  struct node *curr, *pred = locate(key, &curr);
  int r = curr->key == key;
  if (kind == 1 && !r) {
    TX_BEGIN(pop) {
      ADD(pred->next);
      pred->next = node_new(key, curr);
    } TX_END
  } else if (kind == 2 && r) {
    TX_BEGIN(pop) {
      ADD(pred->next);
      pred->next = curr->next;
      pmemobj_mutex_unlock(pop, &curr->lock); /* unreachable now: nobody waits on it */
      pmdk_free(curr);
    } TX_END
    pmemobj_mutex_unlock(pop, &pred->lock);
    return r;
  }
  pmemobj_mutex_unlock(pop, &curr->lock);
  pmemobj_mutex_unlock(pop, &pred->lock);
  return r;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  l = pmdk_open(path, 128u << 20, sizeof *l);
  if (!l)
    return 1;
  TX_BEGIN(pop) {
    ADD(l->head);
    l->head = node_new(LONG_MIN, node_new(LONG_MAX, NULL));
  } TX_END
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
  long prev = LONG_MIN;
  for (struct node *p = l->head->next; p->key != LONG_MAX; p = p->next) {
    if (p->key <= prev)
      return 0;
    prev = p->key;
  }
  return 1;
}

static const struct bench_prog prog = {"hohlist", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
