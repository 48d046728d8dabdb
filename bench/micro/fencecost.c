/*
 * fencecost.c -- cost of the persistence primitives on this machine
 *
 *   fencecost FILE     FILE on /dev/shm (DRAM-backed), created and removed
 *
 * Prints one line:
 *   FENCE store_ns=.. clwb_sfence_ns=.. nt256_sfence_ns=..
 * store_ns: a plain 8-byte store to a new line (the loop overhead);
 * clwb_sfence_ns: 8-byte store + clwb of its line + sfence, the step the
 * pmem protocol repeats per logged store;
 * nt256_sfence_ns: a 256-byte non-temporal write + sfence (a large record).
 * Each is the median of 7 timed passes over 4096 lines of a shared mapping,
 * timed on the thread's CPU clock so that a shared machine's other load
 * (time spent descheduled) does not inflate it.
 */
#include <fcntl.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LINES 4096
#define ITERS (1 << 20)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust to other load */
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

__attribute__((target("clwb"))) static double pass(char *m, int kind) {
  double t0 = now();
  for (long i = 0; i < ITERS; i++) {
    char *p = m + (size_t)(i % LINES) * 64;
    if (kind == 0) {
      *(volatile long *)p = i;
    } else if (kind == 1) {
      *(volatile long *)p = i;
      _mm_clwb(p);
      _mm_sfence();
    } else {
      char *q = m + (size_t)(i % (LINES / 4)) * 256;
      __m128i v = _mm_set1_epi64x(i);
      for (int k = 0; k < 256; k += 16)
        _mm_stream_si128((__m128i *)(q + k), v);
      _mm_sfence();
    }
  }
  return (now() - t0) / ITERS;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  size_t size = (size_t)LINES * 64;
  int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, (off_t)size)) {
    perror(argv[1]);
    return 2;
  }
  char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    perror("mmap");
    return 2;
  }
  double r[3][7];
  for (int rep = 0; rep < 7; rep++)
    for (int k = 0; k < 3; k++)
      r[k][rep] = pass(m, k);
  for (int k = 0; k < 3; k++)
    qsort(r[k], 7, sizeof(double), cmp);
  printf("FENCE store_ns=%.2f clwb_sfence_ns=%.2f nt256_sfence_ns=%.2f\n", r[0][3], r[1][3], r[2][3]);
  munmap(m, size);
  close(fd);
  unlink(argv[1]);
  return 0;
}
