// The heap has 256 log slots: 256 threads inside FASEs at once work; a 257th
// thread that needs a log is a clear fatal error (never a shared log) that
// says the limit is on FASEs running at once, what it is and what to do.
// (Threads over the program's life are not limited: slot-reuse.c.)
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap 2>&1 | FileCheck %s
// CHECK: 256 threads in FASEs at once (main + 255): ok, 256 FASEs
// CHECK-NEXT: pmatomic: fatal: thread {{[0-9]+}} cannot run its FASE: more than 256 threads are running FASEs at once, and a heap has 256 log slots, one per thread from the first logged store of its FASE to its commit {{.*}}; threads that are not in a FASE hold none.  Run at most 256 FASEs concurrently (fewer threads, or a lock or semaphore around the FASEs)
// CHECK-NEXT: 257 threads: aborted
#include "runtime-test.h"
#include <pthread.h>

static long *cell;
static pthread_barrier_t bar;

static void *worker(void *arg) {
  long i = (long)arg;
  pma_begin();
  ST(cell[i * 8], i); /* claims a log slot */
  pthread_barrier_wait(&bar); /* everyone holds a slot now */
  pma_end();
  return NULL;
}

/* run -- n threads each inside a FASE at the same time */
static void run(int n) {
  pthread_t th[300];
  CHECK(pthread_barrier_init(&bar, NULL, (unsigned)n) == 0);
  for (long i = 0; i < n; i++) {
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 << 10);
    CHECK(pthread_create(&th[i], &at, worker, (void *)i) == 0);
  }
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
}

static void child(void *arg) {
  struct rlimit no = {0, 0};
  setrlimit(RLIMIT_CORE, &no);
  CHECK(pma_open(arg, 0));
  cell = pma_root(pma_heap_current(), 0);
  pma_begin(); /* the main thread holds a slot too, until its FASE ends */
  ST(cell[0], 1);
  run(256);
  pma_end();
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  pma_heap *h = pma_open(argv[1], 32 << 20);
  CHECK(h);
  cell = pma_root(h, 300 * 64);
  struct pma_stats a, b;
  pma_get_stats(&a);
  pma_begin(); /* main's FASE holds a slot */
  ST(cell[0], 2);
  run(255);
  pma_end();
  pma_get_stats(&b);
  printf("256 threads in FASEs at once (main + 255): ok, %llu FASEs\n", (unsigned long long)(b.fases - a.fases));
  fflush(stdout);
  CHECK(pma_close(h) == 0);
  int st = in_child(child, argv[1]);
  printf("257 threads: %s\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT ? "aborted" : "WRONG");
  return 0;
}
