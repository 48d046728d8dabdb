// Lock wrappers: the FASE spans the outermost lock; nested locks, pma_begin,
// trylock/timedlock failures, recursive and error-checking mutexes, and
// unlocks of mutexes taken by uninstrumented code keep the depth right and
// return exactly what pthread returns.  A crash at depth 2 after an inner
// unlock rolls the whole FASE back; a crash after the outermost unlock keeps it.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// CHECK: wrappers ok
// CHECK-NEXT: crash at depth 1 after inner unlock: rolled back 1, a=1 b=2
// CHECK-NEXT: crash after outermost unlock: rolled back 0, a=10 b=20
#include "runtime-test.h"
#include <pthread.h>
#include <time.h>

static pthread_mutex_t A = PTHREAD_MUTEX_INITIALIZER, B = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t R, E;
static const char *path;
struct root { long a, b; };

/* holder -- another thread that holds B until told to let go */
static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static void *holder(void *arg) {
  (void)arg;
  __pma_mutex_lock(&B);
  pthread_mutex_lock(&gate); /* released by main when done */
  pthread_mutex_unlock(&gate);
  __pma_mutex_unlock(&B);
  return NULL;
}

static void wrappers(void) {
  CHECK(!pma_in_fase());
  CHECK(__pma_mutex_lock(&A) == 0 && pma_in_fase());
  CHECK(__pma_mutex_lock(&B) == 0);
  CHECK(__pma_mutex_unlock(&B) == 0 && pma_in_fase());
  CHECK(__pma_mutex_unlock(&A) == 0 && !pma_in_fase());

  /* pma_begin counts as a lock; the unlock inside really releases A (it is
   * published: whoever takes it next depends on this FASE) */
  pma_begin();
  CHECK(__pma_mutex_lock(&A) == 0);
  CHECK(__pma_mutex_unlock(&A) == 0 && pma_in_fase());
  CHECK(pthread_mutex_trylock(&A) == 0 && pthread_mutex_unlock(&A) == 0);
  pma_end();
  CHECK(!pma_in_fase());
  CHECK(pthread_mutex_trylock(&A) == 0 && pthread_mutex_unlock(&A) == 0);

  /* failures leave the depth alone */
  pthread_t th;
  pthread_mutex_lock(&gate);
  CHECK(pthread_create(&th, NULL, holder, NULL) == 0);
  while (pthread_mutex_trylock(&B) == 0) /* wait until the holder has it */
    pthread_mutex_unlock(&B), usleep(1000);
  CHECK(__pma_mutex_trylock(&B) == EBUSY && !pma_in_fase());
  struct timespec past;
  clock_gettime(CLOCK_REALTIME, &past);
  past.tv_nsec = 0;
  CHECK(__pma_mutex_timedlock(&B, &past) == ETIMEDOUT && !pma_in_fase());
  CHECK(__pma_mutex_lock(&A) == 0);
  CHECK(__pma_mutex_trylock(&B) == EBUSY && pma_in_fase());
  CHECK(__pma_mutex_unlock(&A) == 0 && !pma_in_fase());
  pthread_mutex_unlock(&gate);
  pthread_join(th, NULL);
  struct timespec later;
  clock_gettime(CLOCK_REALTIME, &later);
  later.tv_sec += 5;
  CHECK(__pma_mutex_timedlock(&B, &later) == 0 && pma_in_fase());
  CHECK(__pma_mutex_unlock(&B) == 0 && !pma_in_fase());

  /* recursive: every level counts */
  CHECK(__pma_mutex_lock(&R) == 0 && __pma_mutex_lock(&R) == 0);
  CHECK(__pma_mutex_trylock(&R) == 0);
  CHECK(__pma_mutex_unlock(&R) == 0 && __pma_mutex_unlock(&R) == 0 && pma_in_fase());
  CHECK(__pma_mutex_unlock(&R) == 0 && !pma_in_fase());
  CHECK(pthread_mutex_trylock(&R) == 0 && pthread_mutex_unlock(&R) == 0);

  /* error-checking: unlocking what we do not hold is EPERM, depth unchanged */
  CHECK(__pma_mutex_lock(&A) == 0);
  CHECK(__pma_mutex_unlock(&E) == EPERM && pma_in_fase());
  CHECK(__pma_mutex_lock(&E) == 0);
  CHECK(__pma_mutex_lock(&E) == EDEADLK);
  CHECK(__pma_mutex_unlock(&E) == 0 && pma_in_fase()); /* inner release */
  CHECK(__pma_mutex_unlock(&E) == EPERM && pma_in_fase()); /* not ours any more */
  CHECK(__pma_mutex_lock(&E) == 0);          /* re-lock after an inner release */
  CHECK(__pma_mutex_unlock(&E) == 0);
  CHECK(__pma_mutex_unlock(&A) == 0 && !pma_in_fase());
  CHECK(pthread_mutex_trylock(&E) == 0 && pthread_mutex_unlock(&E) == 0);

  /* taken by uninstrumented code at depth 0: unlock just forwards */
  pthread_mutex_lock(&A);
  CHECK(__pma_mutex_unlock(&A) == 0 && !pma_in_fase());
  CHECK(pthread_mutex_trylock(&A) == 0 && pthread_mutex_unlock(&A) == 0);
  printf("wrappers ok\n");
}

/* child -- nested FASE, then die at depth 1 (stage 0) or after it (stage 1) */
static void child(void *arg) {
  int stage = (int)(long)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  __pma_mutex_lock(&A);
  __pma_mutex_lock(&B);
  ST(r->a, 10);
  __pma_mutex_unlock(&B);
  ST(r->b, 20);
  if (stage == 1)
    __pma_mutex_unlock(&A);
  crash(CRASH_KILL);
}

/* run -- reset a/b, crash a child, report */
static void run(const char *label, int stage) {
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  __pma_mutex_lock(&A);
  ST(r->a, 1);
  ST(r->b, 2);
  __pma_mutex_unlock(&A);
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child, (void *)(long)stage)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  printf("%s: rolled back %llu, a=%ld b=%ld\n", label,
         (unsigned long long)pma_recovery(h)->fases_rolled_back, r->a, r->b);
  CHECK(pma_close(h) == 0);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&R, &at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&E, &at);
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  wrappers();
  CHECK(pma_close(h) == 0);
  run("crash at depth 1 after inner unlock", 0);
  run("crash after outermost unlock", 1);
  return 0;
}
