// A condition wait releases the mutex, so it ends the FASE: what was written
// before the wait is committed (kept after a crash during the wait or after
// it), what is written after the wait belongs to a new FASE (rolled back).
// Another thread woken through the mutex sees only committed data.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: timedwait ETIMEDOUT, still in a FASE, 1 FASE committed by the wait
// CHECK-NEXT: after crash: before=1 (kept) after=0 (rolled back), rolled back 1
// CHECK-NEXT: producer/consumer: 1000 items, sum ok
#include "runtime-test.h"
#include <pthread.h>
#include <time.h>

struct root { long before, after; long q[16]; long head, tail, sum; };
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static const char *path;
static struct root *r;

static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  CHECK(__pma_mutex_lock(&m) == 0);
  ST(r->before, 1);
  struct pma_stats a, b;
  pma_get_stats(&a);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 10 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000)
    ts.tv_sec++, ts.tv_nsec -= 1000000000;
  int rc = __pma_cond_timedwait(&cv, &m, &ts);
  pma_get_stats(&b);
  printf("timedwait %s, %s, %llu FASE committed by the wait\n",
         rc == ETIMEDOUT ? "ETIMEDOUT" : "WRONG", pma_in_fase() ? "still in a FASE" : "NOT IN FASE",
         (unsigned long long)(b.fases - a.fases));
  fflush(stdout);
  ST(r->after, 2);
  crash(CRASH_KILL);
}

static void *producer(void *arg) {
  (void)arg;
  for (long i = 1; i <= 1000; i++) {
    CHECK(__pma_mutex_lock(&m) == 0);
    while (r->tail - r->head == 16)
      CHECK(__pma_cond_wait(&cv, &m) == 0);
    ST(r->q[r->tail % 16], i);
    ST(r->tail, r->tail + 1);
    pthread_cond_broadcast(&cv);
    CHECK(__pma_mutex_unlock(&m) == 0);
  }
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  CHECK(pma_root(h, sizeof(struct root)));
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  printf("after crash: before=%ld (kept) after=%ld (rolled back), rolled back %llu\n", r->before,
         r->after, (unsigned long long)pma_recovery(h)->fases_rolled_back);

  pthread_t th;
  CHECK(pthread_create(&th, NULL, producer, NULL) == 0);
  for (long n = 0; n < 1000; n++) {
    CHECK(__pma_mutex_lock(&m) == 0);
    while (r->tail == r->head)
      CHECK(__pma_cond_wait(&cv, &m) == 0);
    ST(r->sum, r->sum + r->q[r->head % 16]);
    ST(r->head, r->head + 1);
    pthread_cond_broadcast(&cv);
    CHECK(__pma_mutex_unlock(&m) == 0);
  }
  pthread_join(th, NULL);
  CHECK(!pma_in_fase());
  printf("producer/consumer: 1000 items, sum %s\n", r->sum == 500500 ? "ok" : "WRONG");
  CHECK(pma_close(h) == 0);
  return 0;
}
