// Mutexes inside the heap that a crashed process held are reset lazily on
// their first lock after reopening: no deadlock, their kind (normal,
// recursive, error-checking) survives.  A mutex that a live thread of this
// process holds is never reset.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: child died holding 3 in-heap mutexes
// CHECK-NEXT: reopened: rolled back 1, x=1
// CHECK-NEXT: normal: lock 0 trylock-again EBUSY
// CHECK-NEXT: recursive: lock 0 lock 0 unlock 0 unlock 0
// CHECK-NEXT: errorcheck: lock 0 relock EDEADLK
// CHECK-NEXT: held by a live thread: trylock EBUSY (not reset)
#include "runtime-test.h"
#include <pthread.h>
#include <stdatomic.h>

struct root { pthread_mutex_t m, rm, em, held; long x; };
static const char *path;
static struct root *r;

static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  CHECK(__pma_mutex_lock(&r->m) == 0);
  CHECK(__pma_mutex_lock(&r->rm) == 0 && __pma_mutex_lock(&r->rm) == 0);
  CHECK(__pma_mutex_lock(&r->em) == 0);
  ST(r->x, 2);
  crash(CRASH_KILL);
}

static atomic_int holding, release;
static void *holder(void *arg) {
  (void)arg;
  CHECK(__pma_mutex_lock(&r->held) == 0);
  atomic_store(&holding, 1);
  while (!atomic_load(&release))
    usleep(100);
  CHECK(__pma_mutex_unlock(&r->held) == 0);
  return NULL;
}

/* name -- errno name for the few codes we expect */
static const char *name(int rc) {
  return rc == 0 ? "0" : rc == EBUSY ? "EBUSY" : rc == EDEADLK ? "EDEADLK" : rc == EPERM ? "EPERM" : "?";
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  hook(r, sizeof *r); /* pthread_mutex_init writes the heap */
  pthread_mutex_init(&r->m, NULL);
  pthread_mutex_init(&r->held, NULL);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&r->rm, &at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&r->em, &at);
  ST(r->x, 1);
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, NULL)));
  printf("child died holding 3 in-heap mutexes\n");
  alarm(10); /* a deadlock fails the test instead of hanging it */
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  CHECK(r->m.__data.__lock != 0); /* really left locked by the dead child */
  printf("reopened: rolled back %llu, x=%ld\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back, r->x);
  int a = __pma_mutex_lock(&r->m), b = pthread_mutex_trylock(&r->m);
  printf("normal: lock %s trylock-again %s\n", name(a), name(b));
  CHECK(__pma_mutex_unlock(&r->m) == 0);
  a = __pma_mutex_lock(&r->rm);
  b = __pma_mutex_lock(&r->rm);
  int c = __pma_mutex_unlock(&r->rm), d = __pma_mutex_unlock(&r->rm);
  printf("recursive: lock %s lock %s unlock %s unlock %s\n", name(a), name(b), name(c), name(d));
  CHECK(!pma_in_fase());
  a = __pma_mutex_lock(&r->em);
  b = __pma_mutex_lock(&r->em);
  printf("errorcheck: lock %s relock %s\n", name(a), name(b));
  CHECK(__pma_mutex_unlock(&r->em) == 0 && !pma_in_fase());

  pthread_t th;
  CHECK(pthread_create(&th, NULL, holder, NULL) == 0);
  while (!atomic_load(&holding))
    usleep(100);
  a = __pma_mutex_trylock(&r->held);
  printf("held by a live thread: trylock %s (not reset)\n", name(a));
  atomic_store(&release, 1);
  pthread_join(th, NULL);
  CHECK(pma_close(h) == 0);
  return 0;
}
