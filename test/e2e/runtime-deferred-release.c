// Deferred release: a mutex unlocked while another lock is held stays locked
// until the FASE commits, so another thread cannot take it (and read
// uncommitted data) before then.  Re-locking or try-locking a deferred mutex
// from the owning thread takes it back without deadlock.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// CHECK: inner deferred: other thread trylock EBUSY, timedlock ETIMEDOUT
// CHECK-NEXT: owner re-lock 0, trylock 0
// CHECK-NEXT: other thread got inner after the outer unlock, saw x=42
#include "runtime-test.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

struct root { pthread_mutex_t outer, inner; long x; };
static struct root *r;
static atomic_int step, outer_unlocking;
static int try_rc, timed_rc;

/* other -- the thread that must not get inner early */
static void *other(void *arg) {
  (void)arg;
  while (atomic_load(&step) != 1)
    usleep(100);
  try_rc = __pma_mutex_trylock(&r->inner);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 50 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000)
    ts.tv_sec++, ts.tv_nsec -= 1000000000;
  timed_rc = __pma_mutex_timedlock(&r->inner, &ts);
  atomic_store(&step, 2);
  CHECK(__pma_mutex_lock(&r->inner) == 0); /* blocks until the commit */
  CHECK(atomic_load(&outer_unlocking) == 1);
  printf("other thread got inner after the outer unlock, saw x=%ld\n", r->x);
  CHECK(__pma_mutex_unlock(&r->inner) == 0);
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  pma_heap *h = pma_open(argv[1], 1 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  hook(r, sizeof *r);
  pthread_mutex_init(&r->outer, NULL);
  pthread_mutex_init(&r->inner, NULL);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, other, NULL) == 0);

  CHECK(__pma_mutex_lock(&r->outer) == 0);
  CHECK(__pma_mutex_lock(&r->inner) == 0);
  ST(r->x, 42);
  CHECK(__pma_mutex_unlock(&r->inner) == 0); /* depth 2 -> deferred */
  atomic_store(&step, 1);
  while (atomic_load(&step) != 2)
    usleep(100);
  printf("inner deferred: other thread trylock %s, timedlock %s\n",
         try_rc == EBUSY ? "EBUSY" : "WRONG", timed_rc == ETIMEDOUT ? "ETIMEDOUT" : "WRONG");
  fflush(stdout);
  int relock = __pma_mutex_lock(&r->inner);   /* ours: no deadlock */
  CHECK(__pma_mutex_unlock(&r->inner) == 0);  /* deferred again */
  int retry = __pma_mutex_trylock(&r->inner); /* ours again */
  CHECK(__pma_mutex_unlock(&r->inner) == 0);
  printf("owner re-lock %d, trylock %d\n", relock, retry);
  fflush(stdout);
  usleep(20000); /* give the other thread time to (wrongly) get in */
  atomic_store(&outer_unlocking, 1);
  CHECK(__pma_mutex_unlock(&r->outer) == 0);
  pthread_join(th, NULL);
  CHECK(pma_close(h) == 0);
  return 0;
}
