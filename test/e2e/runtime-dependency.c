// Dependency tracking (design.md sections 1 and 3): thread A stores x = 42
// under inner while it holds outer, and releases inner in the middle of its
// FASE; thread B takes inner at once, reads x and stores y = x + 1, and
// releases inner: B's FASE commits but must wait for A's.  The process dies
// (SIGKILL) while A still holds outer.  Recovery rolls back A (incomplete)
// and B (committed, but it read from A): x and y are both back to 0.
// When A commits before the kill, B's log retires with it and both survive.
// If A has written nothing when it releases inner, B depends on nothing.
// With PMA_TEST_NO_DEPS=1 (no tracking) B retires on its own and the crash
// keeps y = 43 while x rolls back to 0: the violation the tracking prevents.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_TEST_NO_DEPS=1 %t %t.heap | FileCheck %s --check-prefix=NODEPS
// CHECK: A uncommitted: B recorded 1 dependency, its commit waited 1
// CHECK-NEXT: crash before A commits: rolled back 2 (1 committed dependent), x=0 y=0 consistent
// CHECK-NEXT: B's pma_wait_durable: -EBUSY inside its FASE, -ETIMEDOUT while A runs, 0 once A committed
// CHECK-NEXT: A committed: B recorded 1 dependency, its commit waited 1
// CHECK-NEXT: crash after A commits: rolled back 0, kept 0, x=42 y=43 consistent
// CHECK-NEXT: A wrote nothing before the release: B recorded 0 dependency, its commit waited 0
// NODEPS: A uncommitted: B recorded 0 dependency, its commit waited 0
// NODEPS-NEXT: crash before A commits: rolled back 1 (0 committed dependent), x=0 y=43 VIOLATION
#include "runtime-test.h"
#include <pthread.h>
#include <stdatomic.h>

struct root { pthread_mutex_t outer, inner; long x, y; };
static struct root *r;
static atomic_int step;
static const char *path;
static int commit_first, wd_busy, wd_open, wd_done;

/* taker -- B: take inner as soon as A released it, build y on x, commit */
static void *taker(void *arg) {
  (void)arg;
  while (atomic_load(&step) != 1)
    usleep(100);
  CHECK(__pma_mutex_lock(&r->inner) == 0); /* free at once: not deferred */
  ST(r->y, r->x + 1);
  wd_busy = pma_wait_durable(0);
  CHECK(__pma_mutex_unlock(&r->inner) == 0); /* B's FASE commits */
  wd_open = pma_wait_durable(20); /* A's FASE is still open */
  atomic_store(&step, 2);
  if (commit_first) {
    while (atomic_load(&step) != 3)
      usleep(100);
    wd_done = pma_wait_durable(-1);
  }
  return NULL;
}

static int a_writes = 1; /* does A store x before it releases inner */

/* run -- A's FASE with B taking inner in its middle; die before or after A commits */
static void run(void *arg) {
  commit_first = (int)(long)arg;
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, taker, NULL) == 0);
  struct pma_stats s;
  CHECK(__pma_mutex_lock(&r->outer) == 0);
  CHECK(__pma_mutex_lock(&r->inner) == 0);
  if (a_writes)
    ST(r->x, 42);
  CHECK(__pma_mutex_unlock(&r->inner) == 0); /* released mid-FASE: published */
  atomic_store(&step, 1);
  while (atomic_load(&step) != 2)
    usleep(100);
  if (commit_first) {
    CHECK(__pma_mutex_unlock(&r->outer) == 0);
    atomic_store(&step, 3);
  }
  pthread_join(th, NULL);
  if (commit_first && a_writes)
    printf("B's pma_wait_durable: %s inside its FASE, %s while A runs, %d once A committed\n",
           wd_busy == -EBUSY ? "-EBUSY" : "WRONG", wd_open == -ETIMEDOUT ? "-ETIMEDOUT" : "WRONG",
           wd_done);
  pma_get_stats(&s);
  printf("%s: B recorded %llu dependency, its commit waited %llu\n",
         !a_writes ? "A wrote nothing before the release" : commit_first ? "A committed" : "A uncommitted",
         (unsigned long long)s.dep_records, (unsigned long long)s.fases_waited);
  if (!a_writes) {
    CHECK(__pma_mutex_unlock(&r->outer) == 0);
    CHECK(pma_close(h) == 0);
    return;
  }
  crash(CRASH_KILL);
}

/* check -- reopen after the crash and judge x and y */
static void check(const char *what) {
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  const struct pma_recovery_info *ri = pma_recovery(h);
  int ok = r->y == 0 || r->y == r->x + 1;
  if (strstr(what, "before"))
    printf("%s: rolled back %llu (%llu committed dependent), x=%ld y=%ld %s\n", what,
           (unsigned long long)ri->fases_rolled_back,
           (unsigned long long)ri->dependents_rolled_back, r->x, r->y,
           ok ? "consistent" : "VIOLATION");
  else
    printf("%s: rolled back %llu, kept %llu, x=%ld y=%ld %s\n", what,
           (unsigned long long)ri->fases_rolled_back, (unsigned long long)ri->committed_kept,
           r->x, r->y, ok ? "consistent" : "VIOLATION");
  CHECK(pma_close(h) == 0);
}

/* fresh -- a new heap with the two mutexes and x = y = 0 */
static void fresh(void) {
  unlink(path);
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  pthread_mutex_init(&r->outer, NULL);
  pthread_mutex_init(&r->inner, NULL);
  CHECK(pma_close(h) == 0);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  setvbuf(stdout, NULL, _IONBF, 0);
  fresh();
  CHECK(crashed(in_child(run, (void *)0L)));
  check("crash before A commits");
  if (getenv("PMA_TEST_NO_DEPS"))
    return 0;
  fresh();
  CHECK(crashed(in_child(run, (void *)1L)));
  check("crash after A commits");
  fresh();
  a_writes = 0;
  atomic_store(&step, 0);
  CHECK(in_child(run, (void *)0L) == 0);
  return 0;
}
