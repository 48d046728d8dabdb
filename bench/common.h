/*
 * common.h -- shared driver of the pmatomic benchmark programs
 *
 * Every program is ordinary pthread code that keeps its data in the heap of
 * <pmatomic.h>.  It is built unchanged three ways (bench/run.py): without the
 * plugin against the volatile shim (bench/shim), with the plugin in pmem
 * mode, with the plugin in process mode.  The PMDK ports (bench/pmdk) use the
 * same driver with their own open/stats functions.
 *
 *   prog THREADS OPS HEAP        run OPS operations split over THREADS threads
 *
 * Output, one line, machine-readable (bench/run.py parses it):
 *   BENCH prog=NAME threads=T ops=N secs=S cpu_secs=C ops_per_sec=R fases=.. log_records=..
 *         log_bytes=.. filtered_stores=.. flushes=.. fences=.. nt_bytes=.. check=ok
 * The counters are pma_get_stats() of the process taken after the timed phase
 * minus those before it, so set-up (heap creation, root init) is excluded.
 * secs is wall time from the first worker's start to the last one's end;
 * cpu_secs the workers' CPU time (less sensitive to other load on a shared
 * machine; threads a program starts itself are not included).
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_NO_PMA
#include <pmatomic.h>
#else
struct pma_stats {
  uint64_t fases, log_records, log_bytes, filtered_stores, flushes, fences, nt_bytes;
};
#endif

#define BENCH_MAXTHREADS 64

/* Filled by the program. */
struct bench_prog {
  const char *name;
  int (*setup)(const char *heap, long ops, int threads); /* open + init; 0 on success */
  void (*work)(int tid, int threads, long ops); /* ops for this thread */
  int (*check)(void);                     /* 1 if the structure is consistent */
  void (*stats)(struct pma_stats *s);     /* counters (zeros for PMDK) */
  void (*finish)(void);                   /* close */
};

/* rng -- xorshift64*, per thread */
static inline uint64_t bench_rng(uint64_t *s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct bench_targ {
  const struct bench_prog *p;
  int tid, threads;
  long ops;
  pthread_barrier_t *bar;
  double t0, t1; /* this thread's start and end */
  double cpu;    /* this thread's CPU time in the timed phase */
};

static void *bench_thread(void *arg) {
  struct bench_targ *a = arg;
  pthread_barrier_wait(a->bar);
  struct timespec c0, c1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  a->t0 = bench_now();
  a->p->work(a->tid, a->threads, a->ops);
  a->t1 = bench_now();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  a->cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
  return NULL;
}

/* bench_main -- parse arguments, set up, time the threads, print the line */
static inline int bench_main(const struct bench_prog *p, int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s THREADS OPS HEAP\n", argv[0]);
    return 2;
  }
  int threads = atoi(argv[1]);
  long ops = atol(argv[2]);
  if (threads < 1 || threads > BENCH_MAXTHREADS || ops < 1) {
    fprintf(stderr, "%s: THREADS must be 1..%d and OPS >= 1\n", p->name, BENCH_MAXTHREADS);
    return 2;
  }
  if (p->setup(argv[3], ops, threads))
    return 2;
  struct pma_stats s0, s1;
  p->stats(&s0);
  pthread_t th[BENCH_MAXTHREADS];
  struct bench_targ ta[BENCH_MAXTHREADS];
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, (unsigned)threads + 1);
  for (int i = 0; i < threads; i++) {
    long share = ops / threads + (i < ops % threads);
    ta[i] = (struct bench_targ){p, i, threads, share, &bar, 0, 0, 0};
    if (pthread_create(&th[i], NULL, bench_thread, &ta[i])) {
      fprintf(stderr, "%s: pthread_create failed\n", p->name);
      return 2;
    }
  }
  pthread_barrier_wait(&bar);
  for (int i = 0; i < threads; i++)
    pthread_join(th[i], NULL);
  /* from the first thread's start to the last one's end (the main thread may
   * be scheduled only after the workers are done) */
  double t0 = ta[0].t0, t1 = ta[0].t1, cpu = ta[0].cpu;
  for (int i = 1; i < threads; i++) {
    cpu += ta[i].cpu;
    t0 = ta[i].t0 < t0 ? ta[i].t0 : t0;
    t1 = ta[i].t1 > t1 ? ta[i].t1 : t1;
  }
  double secs = t1 - t0;
  p->stats(&s1);
  int ok = p->check();
  printf("BENCH prog=%s threads=%d ops=%ld secs=%.6f cpu_secs=%.6f ops_per_sec=%.1f fases=%llu "
         "log_records=%llu log_bytes=%llu filtered_stores=%llu flushes=%llu fences=%llu "
         "nt_bytes=%llu check=%s\n",
         p->name, threads, ops, secs, cpu, ops / secs,
         (unsigned long long)(s1.fases - s0.fases),
         (unsigned long long)(s1.log_records - s0.log_records),
         (unsigned long long)(s1.log_bytes - s0.log_bytes),
         (unsigned long long)(s1.filtered_stores - s0.filtered_stores),
         (unsigned long long)(s1.flushes - s0.flushes),
         (unsigned long long)(s1.fences - s0.fences),
         (unsigned long long)(s1.nt_bytes - s0.nt_bytes), ok ? "ok" : "FAILED");
  fflush(stdout);
  p->finish();
  return ok ? 0 : 1;
}

#ifndef BENCH_NO_PMA
/* Helpers for the pmatomic-API programs. */
static pma_heap *bench_heap;

static inline void *bench_open_root(const char *path, size_t heap_size, size_t root_size) {
  bench_heap = pma_open(path, heap_size);
  if (!bench_heap) {
    fprintf(stderr, "pma_open(%s): %s\n", path, pma_errormsg());
    return NULL;
  }
  void *r = pma_root(bench_heap, root_size);
  if (!r)
    fprintf(stderr, "pma_root: %s\n", pma_errormsg());
  return r;
}
static inline void bench_pma_stats(struct pma_stats *s) { pma_get_stats(s); }
static inline void bench_pma_close(void) {
  if (bench_heap)
    pma_close(bench_heap);
}
#define BENCH_PMA_DEFAULTS .stats = bench_pma_stats, .finish = bench_pma_close
#endif

#endif
