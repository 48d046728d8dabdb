// A heap has 256 log slots, and the limit is on threads running FASEs at
// once, not on threads: 300 threads alive at the same time that take one lock
// in turn (a global mutex, or one in the heap), 300 detached ones, 300 that
// end with pthread_exit after their FASEs, and 300 cancelled inside an
// explicit FASE, each writing the heap, all run; a slot goes back at the
// commit of its thread's FASE, so the threads share a few slots and their log
// chains: one FASE at a time needs one slot.  The counts survive a close and
// a reopen.  (Slots held until thread exit made the 257th live thread abort:
// "more than 256 threads are inside FASEs at once".)
// RUN: %cc-pma -O2 %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR < %t.err
// RUN: %pmatomic info %t.heap | FileCheck %s --check-prefix=INFO
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap 2>%t.err | FileCheck %s
// RUN: FileCheck %s --check-prefix=ERR < %t.err
// CHECK: global mutex: 300 live threads, 900 FASEs
// CHECK-NEXT: heap mutex: 300 live threads, 900 FASEs
// CHECK-NEXT: detached: 300 live threads, 900 FASEs
// CHECK-NEXT: pthread_exit: 300 live threads, 900 FASEs
// CHECK-NEXT: cancelled: 300 threads, 300 FASEs
// CHECK-NEXT: reopened: 3900 units
// ERR: pmatomic: thread {{[0-9]+}} exited inside a FASE (depth 1); committing it
// ERR-NOT: fatal
// INFO: thread logs:   1 in use, 0 with a pending FASE
#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 300
#define ROUNDS 3

struct root {
  pthread_mutex_t lock; /* the in-heap mutex */
  long units;           /* one per FASE */
  long cell[N];
};
static struct root *r;
static pthread_mutex_t glock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t all_alive;
static sem_t done;
static int use_heap_lock, use_exit;

#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #c,    \
              pma_errormsg());                                                     \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

/* rounds -- ROUNDS FASEs under the chosen lock, each writing the heap */
static void rounds(long k) {
  pthread_mutex_t *m = use_heap_lock ? &r->lock : &glock;
  for (int i = 0; i < ROUNDS; i++) {
    pthread_mutex_lock(m);
    r->units++;
    r->cell[k] += 1;
    pthread_mutex_unlock(m);
  }
}

/* live -- FASEs, then stay alive until every thread has run its FASEs */
static void *live(void *arg) {
  long k = (long)arg;
  pthread_barrier_wait(&all_alive); /* all N threads exist now */
  rounds(k);
  pthread_barrier_wait(&all_alive); /* ...and still exist: none has exited */
  sem_post(&done);
  if (use_exit)
    pthread_exit(NULL);
  return NULL;
}

/* run -- N threads alive at once, each running ROUNDS FASEs */
static void run(const char *what, int detach) {
  struct pma_stats a, b;
  pma_get_stats(&a);
  CHECK(pthread_barrier_init(&all_alive, NULL, N) == 0);
  pthread_t th[N];
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setstacksize(&at, 256 << 10);
  if (detach)
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  for (long i = 0; i < N; i++)
    CHECK(pthread_create(&th[i], &at, live, (void *)i) == 0);
  for (int i = 0; i < N; i++)
    sem_wait(&done);
  if (!detach)
    for (int i = 0; i < N; i++)
      pthread_join(th[i], NULL);
  else
    usleep(100 * 1000); /* let the detached threads finish exiting (not checked) */
  pthread_barrier_destroy(&all_alive);
  pma_get_stats(&b);
  printf("%s: %d live threads, %llu FASEs\n", what, N, (unsigned long long)(b.fases - a.fases));
}

/* cancelled -- a thread cancelled inside its explicit FASE (at a
 * cancellation point): thread exit commits the FASE and frees the slot */
static void *cancelled(void *arg) {
  long k = (long)arg;
  pma_begin();
  r->units++; /* no lock: one thread at a time */
  r->cell[k] += 1;
  sem_post(&done);
  for (;;)
    pause(); /* a cancellation point */
  return NULL;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  pma_heap *h = pma_open(argv[1], 32u << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  CHECK(r);
  pthread_mutex_init(&r->lock, NULL);
  sem_init(&done, 0, 0);
  run("global mutex", 0);
  use_heap_lock = 1;
  run("heap mutex", 0);
  run("detached", 1);
  use_exit = 1;
  run("pthread_exit", 0);
  struct pma_stats a, b;
  pma_get_stats(&a);
  for (long i = 0; i < N; i++) {
    pthread_t t;
    CHECK(pthread_create(&t, NULL, cancelled, (void *)i) == 0);
    sem_wait(&done);
    pthread_cancel(t);
    pthread_join(t, NULL);
  }
  pma_get_stats(&b);
  printf("cancelled: %d threads, %llu FASEs\n", N, (unsigned long long)(b.fases - a.fases));
  CHECK(pma_close(h) == 0);
  h = pma_open(argv[1], 0);
  CHECK(h);
  r = pma_root(h, 0);
  long sum = 0;
  for (int i = 0; i < N; i++)
    sum += r->cell[i];
  printf("reopened: %ld units%s\n", r->units, sum == r->units ? "" : " (cells disagree)");
  CHECK(pma_close(h) == 0);
  return 0;
}
