/*
 * freshblock.c -- cost of a large fresh block that a FASE barely touches
 *
 *   freshblock HEAP [BIG_MIB [ROUNDS]]     (compiled with the plugin)
 *
 * Each round is one FASE (a mutex held) that allocates a block, writes
 * TOUCH bytes of it with ordinary stores in the allocating function (the
 * stores the pass may leave without a hook) and a few more through a helper
 * (with hooks), and commits; a second FASE frees it.  Once with a small
 * block (SMALL bytes: the baseline) and once with a big one (BIG_MIB MiB,
 * default 128), alternating, in the same process.  The first big round takes
 * its block from heap space never touched before; the later ones reuse it.
 *
 * Prints one line:
 *   FRESH big_mib=.. first_big_ms=.. big_ms=.. small_ms=.. ratio=.. flushes_big=.. flushes_small=..
 * first_big_ms: the first big round (never-touched pages); big_ms and
 * small_ms: the median over the rounds after it; ratio = big_ms / small_ms
 * (1 when the commit cost does not depend on the block's untouched size);
 * flushes_*: line flushes per round (pma_get_stats).  Run it under
 * /usr/bin/time -v for the peak RSS.  Times are the thread's CPU time.
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SMALL 4096
#define TOUCH 1024
#define MAXROUNDS 64

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static char *volatile keep; /* defeats dead-store elimination */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* tail -- a write of the block from another function: it has hooks */
__attribute__((noinline)) static void tail(char *p, size_t n) {
  for (size_t i = 0; i < 64; i++)
    p[n - 1 - i * 4096 % n] = (char)i;
}

/* round -- one allocating FASE and one freeing FASE; returns the first's ms */
static double round_(size_t n, uint64_t *flushes) {
  struct pma_stats s0, s1;
  pma_get_stats(&s0);
  double t0 = now_ms();
  pthread_mutex_lock(&m);
  char *p = pma_malloc(n);
  if (!p) {
    printf("pma_malloc(%zu): %s\n", n, pma_errormsg());
    exit(1);
  }
  for (size_t i = 0; i < TOUCH; i++)
    p[i] = (char)(i * 7);
  tail(p, n);
  keep = p;
  pthread_mutex_unlock(&m);
  double t1 = now_ms();
  pma_get_stats(&s1);
  *flushes = s1.flushes - s0.flushes;
  for (size_t i = 0; i < TOUCH; i++)
    if (p[i] != (char)(i * 7)) {
      printf("byte %zu lost\n", i);
      exit(1);
    }
  pthread_mutex_lock(&m);
  pma_free(p);
  pthread_mutex_unlock(&m);
  return t1 - t0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: freshblock HEAP [BIG_MIB [ROUNDS]]\n");
    return 2;
  }
  size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 128;
  int rounds = argc > 3 ? atoi(argv[3]) : 9;
  if (rounds < 2 || rounds > MAXROUNDS || !mib)
    return 2;
  size_t big = mib << 20;
  pma_heap *h = pma_open(argv[1], big + (64u << 20));
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 2;
  }
  double tb[MAXROUNDS], ts[MAXROUNDS];
  uint64_t fb = 0, fs = 0;
  double first = 0;
  for (int r = 0; r < rounds; r++) {
    ts[r] = round_(SMALL, &fs);
    tb[r] = round_(big, &fb);
    if (r == 0)
      first = tb[0];
  }
  qsort(tb + 1, (size_t)rounds - 1, sizeof *tb, cmp);
  qsort(ts + 1, (size_t)rounds - 1, sizeof *ts, cmp);
  double mb = tb[1 + (rounds - 1) / 2], ms = ts[1 + (rounds - 1) / 2];
  printf("FRESH big_mib=%zu first_big_ms=%.3f big_ms=%.3f small_ms=%.3f ratio=%.2f flushes_big=%llu "
         "flushes_small=%llu\n",
         mib, first, mb, ms, ms > 0 ? mb / ms : 0.0, (unsigned long long)fb,
         (unsigned long long)fs);
  pma_close(h);
  return 0;
}
