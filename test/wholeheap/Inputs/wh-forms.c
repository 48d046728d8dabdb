/*
 * wh-forms.c -- constructs real programs use around critical sections, in
 * whole-heap mode (docs/wholeheap.md, "Limitations found on real programs"):
 *   longjmp  leaving a critical section by longjmp; the unlock comes later
 *   signal   a signal handler that writes heap memory (inside and outside
 *            a critical section of the interrupted thread)
 *   tls      thread-local pointers to heap blocks, freed by TLS destructors
 *            of detached threads (frees after the thread's pmatomic state
 *            is gone are queued and done by another thread)
 *   atomic   atomics on heap memory outside any lock (not FASEs: counted,
 *            not logged)
 *   longfase one critical section that rewrites a 64 KiB malloc'd buffer
 *            thousands of times: its undo log outgrows a small heap, and the
 *            runtime stops with a clear message instead of corrupting it
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern int pma_is_heap(const void *addr, size_t len) __attribute__((weak));
extern int pma_in_fase(void) __attribute__((weak));

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long *shared;
static jmp_buf jb;
static long *volatile jv;  /* globals: the optimiser must keep every store */
static char *volatile big;

static void bail(void) { longjmp(jb, 1); }

static int test_longjmp(void) {
  long *v = jv = malloc(sizeof *v);
  *v = 0;
  pthread_mutex_lock(&m);
  if (!setjmp(jb)) {
    *v = 41;
    bail();
  }
  int in = pma_in_fase ? pma_in_fase() : -1; /* still inside: the lock is held */
  *v += 1;
  pthread_mutex_unlock(&m);
  printf("longjmp: value %ld, in FASE after the jump %d, after the unlock %d\n", *v, in,
         pma_in_fase ? pma_in_fase() : -1);
  return *v == 42;
}

static volatile sig_atomic_t hits;
static void on_alarm(int sig) {
  (void)sig;
  shared[1]++; /* a heap store from a handler */
  hits++;
}

static int test_signal(void) {
  signal(SIGALRM, on_alarm);
  for (int i = 0; i < 20; i++) {
    pthread_mutex_lock(&m);
    shared[0]++;
    raise(SIGALRM); /* the handler runs inside this critical section */
    pthread_mutex_unlock(&m);
    raise(SIGALRM); /* and outside any */
  }
  printf("signal: %ld critical sections, %ld handler stores, %d handler runs\n", shared[0],
         shared[1], (int)hits);
  return shared[0] == 20 && shared[1] == 40;
}

static __thread char *tls_block;
static pthread_key_t key;
static void drop(void *p) { free(p); } /* runs at thread exit */
static long done_threads;

static void *detached(void *arg) {
  tls_block = malloc(256);
  snprintf(tls_block, 256, "thread %ld", (long)arg);
  pthread_setspecific(key, malloc(64)); /* freed by drop() at exit */
  pthread_mutex_lock(&m);
  done_threads++;
  pthread_mutex_unlock(&m);
  free(tls_block);
  return NULL;
}

static int test_tls(void) {
  pthread_key_create(&key, drop);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  for (long i = 0; i < 64; i++) {
    pthread_t t;
    pthread_create(&t, &at, detached, (void *)i);
  }
  for (int k = 0; k < 500; k++) {
    pthread_mutex_lock(&m);
    long d = done_threads;
    pthread_mutex_unlock(&m);
    if (d == 64)
      break;
    usleep(2000);
  }
  usleep(20000);
  for (int i = 0; i < 100; i++) /* the main thread's allocations finish queued frees */
    free(malloc(32));
  printf("tls: %ld detached threads done\n", done_threads);
  return done_threads == 64;
}

static void *adder(void *arg) {
  (void)arg;
  for (int i = 0; i < 10000; i++)
    __atomic_fetch_add(&shared[2], 1, __ATOMIC_RELAXED);
  return NULL;
}

static int test_atomic(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, adder, NULL);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  printf("atomic: %ld\n", shared[2]);
  return shared[2] == 40000;
}

static int test_longfase(void) {
  char *buf = big = malloc(65536);
  pthread_mutex_lock(&m);
  for (int round = 0; round < 100000; round++) /* every round is new words: logged again */
    memset(buf + (round * 4096) % 65536, round, 4096);
  pthread_mutex_unlock(&m);
  printf("longfase: finished (%d)\n", buf[100]);
  return 1;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  shared = calloc(4, sizeof *shared);
  if (pma_is_heap && !pma_is_heap(shared, 32))
    printf("note: no heap\n");
  int ok = 1;
  if (!strcmp(what, "all") || !strcmp(what, "longjmp"))
    ok &= test_longjmp();
  if (!strcmp(what, "all") || !strcmp(what, "signal"))
    ok &= test_signal();
  if (!strcmp(what, "all") || !strcmp(what, "tls"))
    ok &= test_tls();
  if (!strcmp(what, "all") || !strcmp(what, "atomic"))
    ok &= test_atomic();
  if (!strcmp(what, "longfase"))
    ok &= test_longfase();
  printf("%s\n", ok ? "all ok" : "FAILED");
  return !ok;
}
