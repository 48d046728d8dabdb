/*
 * sim-handoff.c -- crash-simulator program: two threads whose FASEs
 * overlap, in an order fixed by semaphores (so the persistence events are
 * numbered the same in every run and every crash point can be tested)
 *
 *   sim-handoff HEAP [ROUNDS]
 * Each round, thread A (main) and thread B:
 *   1. A locks m1, then m2, increments x and x2, unlocks m2 (an inner unlock: m2
 *      is free at once, published as released by A's open FASE), frees its
 *      block pa (deferred to the commit), and lets B run while it still
 *      holds m1.  B, inside its own FASE (mb), tries m2: it gets it, copies
 *      x to z and writes x back (same value: its undo record holds A's new
 *      x) -- and so depends on A's FASE.  Then B replaces its block pb
 *      with a new one and commits (its log waits for A's commit).  A then
 *      takes a new pa and commits.
 *   2. A locks m1, increments y and waits on a condition variable; B locks
 *      m1, copies y to w, signals.  (The wait must commit A's FASE first.)
 * Check: z <= x and w <= y (nobody committed a value that was rolled back),
 * x == x2 (a rollback of both FASEs undoes B's write of x and A's, in that
 * order, even when a crash interrupts the recovery after it retired one of
 * the two logs),
 * pa and pb are live, distinct blocks holding their fill bytes.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLK 48

struct root {
  long ready;
  pthread_mutex_t m1, m2, mb;
  long x, z, y, w, x2;
  unsigned char *pa, *pb;
  unsigned char fa, fb;
};
static struct root *r;
static sem_t go_b2;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int copied;

/* block_ok -- p is a live block of at least BLK bytes filled with f */
static int block_ok(const char *when, const char *name, unsigned char *p, unsigned char f) {
  if (!p || !pma_is_heap(p, BLK) || pma_usable_size(p) < BLK) {
    printf("%s: %s = %p is not a live block\n", when, name, (void *)p);
    return 0;
  }
  for (int i = 0; i < BLK; i++)
    if (p[i] != f) {
      printf("%s: %s[%d] is %u, expected %u\n", when, name, i, p[i], f);
      return 0;
    }
  return 1;
}

/* check -- 0 when the invariants hold */
static int check(const char *when) {
  if (r->z > r->x || r->w > r->y) {
    printf("%s: a copy is ahead of its source: x %ld z %ld, y %ld w %ld\n", when, r->x, r->z,
           r->y, r->w);
    return 1;
  }
  if (r->x != r->x2) {
    printf("%s: x %ld and x2 %ld differ (half of a FASE rolled back)\n", when, r->x, r->x2);
    return 1;
  }
  if (!r->ready)
    return 0;
  if (r->pa == r->pb) {
    printf("%s: pa and pb are the same block %p\n", when, (void *)r->pa);
    return 1;
  }
  return !block_ok(when, "pa", r->pa, r->fa) || !block_ok(when, "pb", r->pb, r->fb);
}

/* fresh -- a new block filled with f (inside the caller's FASE) */
static unsigned char *fresh(unsigned char f) {
  unsigned char *p = pma_malloc(BLK);
  if (!p) {
    printf("out of heap: %s\n", pma_errormsg());
    exit(2);
  }
  memset(p, f, BLK);
  return p;
}

/* thread_b -- B's half of every round */
static void *thread_b(void *arg) {
  (void)arg;
  while (sim_partner_wait()) {
    pthread_mutex_lock(&r->mb);
    if (pthread_mutex_trylock(&r->m2) == 0) { /* free: A released it in its FASE */
      r->z = r->x;
      *(volatile long *)&r->x = r->z; /* logged: the record saves A's x */
      pthread_mutex_unlock(&r->m2);
    }
    unsigned char *old = r->pb;
    unsigned char f = (unsigned char)(r->fb + 1);
    r->pb = fresh(f);
    r->fb = f;
    pma_free(old);
    pthread_mutex_unlock(&r->mb);
    sim_partner_done();

    sem_wait(&go_b2);
    pthread_mutex_lock(&r->m1); /* waits until A's condition wait releases m1 */
    r->w = r->y;
    copied = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&r->m1);
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
    pthread_mutex_init(&r->m1, NULL);
    pthread_mutex_init(&r->m2, NULL);
    pthread_mutex_init(&r->mb, NULL);
    r->fa = 1;
    r->pa = fresh(1);
    r->fb = 2;
    r->pb = fresh(2);
    r->ready = 1;
    pma_end();
  }
  sem_init(&go_b2, 0, 0);
  sim_partner_start(thread_b);
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&r->m1);
    pthread_mutex_lock(&r->m2);
    r->x++;
    r->x2++;
    pthread_mutex_unlock(&r->m2); /* inner: released now, published */
    pma_free(r->pa);
    sim_partner_step(); /* B's whole FASE runs while A's is open */
    unsigned char f = (unsigned char)(r->fa + 1);
    r->pa = fresh(f);
    r->fa = f;
    pthread_mutex_unlock(&r->m1);

    pthread_mutex_lock(&r->m1);
    r->y++;
    copied = 0;
    sem_post(&go_b2);
    while (!copied)
      pthread_cond_wait(&cv, &r->m1);
    pthread_mutex_unlock(&r->m1);
  }
  sim_partner_stop();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
