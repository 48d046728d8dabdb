/*
 * sim-counter.c -- crash-simulator program: two threads, each under its own
 * lock, that share a heap counter through atomics only, in an order fixed
 * by semaphores (every crash point reproducible)
 *
 *   sim-counter HEAP [ROUNDS]
 * Each round:
 *   1. A (main) locks ma, fetch_adds count and adds the same to xa, and lets
 *      B run while its FASE is open.  B locks mb, fetch_adds count (its undo
 *      record saves A's value) and adds the same to xb, and commits: it read
 *      A's uncommitted increment, so its commit must wait for A's.  A
 *      commits.
 *   2. A locks ma, fetch_adds count and xa again and lets B run: B locks mb
 *      and copies count with an atomic load into seen, commits; A commits.
 *   3. A locks ma, swaps a new value into word with a compare-exchange; B,
 *      under mb, copies word with an atomic load into wseen; A commits.
 * Check: count == xa + xb (a rollback of A's FASE alone would put back the
 * count it saw and erase B's committed increment), seen <= count and
 * wseen <= word (nobody kept what it read from a FASE that rolled back).
 * With PMA_TEST_NO_MEM_DEPS=1 (tests only) or the mutant atomic_dep_dropped,
 * images where B committed and A did not break the check.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct root {
  long ready;
  pthread_mutex_t ma, mb;
  _Atomic long count;
  long xa, xb, seen;
  _Atomic long word;
  long wseen;
};
static struct root *r;

/* check -- 0 when the invariants hold */
static int check(const char *when) {
  long c = atomic_load(&r->count), w = atomic_load(&r->word);
  if (c != r->xa + r->xb) {
    printf("%s: count %ld but xa %ld + xb %ld = %ld (an increment was lost or invented)\n",
           when, c, r->xa, r->xb, r->xa + r->xb);
    return 1;
  }
  if (r->seen > c || r->wseen > w) {
    printf("%s: a copy is ahead of its source: count %ld seen %ld, word %ld wseen %ld\n", when,
           c, r->seen, w, r->wseen);
    return 1;
  }
  return 0;
}

/* thread_b -- B's half of every step */
static void *thread_b(void *arg) {
  (void)arg;
  for (int step = 0; sim_partner_wait(); step = (step + 1) % 3) {
    pthread_mutex_lock(&r->mb);
    if (step == 0) {
      atomic_fetch_add(&r->count, 1);
      r->xb += 1;
    } else if (step == 1) {
      r->seen = atomic_load(&r->count);
    } else {
      r->wseen = atomic_load_explicit(&r->word, memory_order_acquire);
    }
    pthread_mutex_unlock(&r->mb);
    sim_partner_done();
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = sim_rounds(argc, argv, 2);
  pma_heap *h;
  r = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  if (!r->ready) {
    pma_begin();
    pthread_mutex_init(&r->ma, NULL);
    pthread_mutex_init(&r->mb, NULL);
    r->ready = 1;
    pma_end();
  }
  sim_partner_start(thread_b);
  for (int i = 0; i < rounds; i++) {
    for (int step = 0; step < 3; step++) {
      pthread_mutex_lock(&r->ma);
      if (step < 2) {
        atomic_fetch_add(&r->count, 2);
        r->xa += 2;
      } else {
        long old = atomic_load(&r->word);
        atomic_compare_exchange_strong(&r->word, &old, old + 5);
      }
      sim_partner_step(); /* B's whole FASE runs while A's is open */
      pthread_mutex_unlock(&r->ma);
    }
  }
  sim_partner_stop();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
