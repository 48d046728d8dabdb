// Large memcpy/memmove/memset inside a FASE, compiled with the plugin: in pmem
// mode the pass's __pma_mem* calls write them with non-temporal stores (the
// copy and its undo log, 2 x 1 MiB) and the commit flushes almost nothing,
// where the old path (PMA_NT_THRESHOLD=0: nothing non-temporal) flushes every
// line; small copies and copies outside FASEs keep the old path; an
// overlapping memmove is right; a process killed inside the FASE after the
// copy gets the old contents back, one that committed keeps the new ones.
// RUN: %cc-pma -O2 -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap stats | FileCheck %s --check-prefixes=CHECK,NT
// RUN: rm -f %t.heap && env PMA_MODE=pmem PMA_NT_THRESHOLD=0 %t %t.heap stats | FileCheck %s --check-prefixes=CHECK,OLD
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-nt-copy -I%S/Inputs %s -o %t-off %link-pma
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t-off %t.heap stats | FileCheck %s --check-prefixes=CHECK,OFF
// NT: memcpy 1 MiB in a FASE: copy and log non-temporal, commit flushes < 1/8 of its lines
// NT-NEXT: memset 1 MiB in a FASE: copy and log non-temporal, commit flushes < 1/8 of its lines
// NT-NEXT: 512-byte memcpy in a FASE: nothing non-temporal
// NT-NEXT: memcpy 1 MiB outside a FASE: nothing non-temporal, pma_sync flushes every line
// OLD: memcpy 1 MiB in a FASE: nothing non-temporal, commit flushes every line
// OLD-NEXT: memset 1 MiB in a FASE: nothing non-temporal, commit flushes every line
// OFF: memcpy 1 MiB in a FASE: log non-temporal, commit flushes every line
// OFF-NEXT: memset 1 MiB in a FASE: log non-temporal, commit flushes every line
// CHECK: overlapping memmove: ok
// CHECK-NEXT: killed after the copy: rolled back 1 FASE, old contents: yes
// CHECK-NEXT: committed then killed: new contents: yes
#include "runtime-test.h"

#define N (1u << 20)
#define LINES (N / 64)

static const char *path;
static volatile size_t vn = N; /* a length the compiler cannot see */

/* fill -- byte i of [p, p+n) is pattern(mul, add) */
static void fill(unsigned char *p, size_t n, unsigned mul, unsigned add) {
  for (size_t i = 0; i < n; i++)
    p[i] = (unsigned char)(i * mul + add);
}

/* same -- is [p, p+n) pattern(mul, add) */
static int same(const unsigned char *p, size_t n, unsigned mul, unsigned add) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != (unsigned char)(i * mul + add))
      return 0;
  return 1;
}

/* report -- what a FASE (or pma_sync) between *b and now did */
static void report(const char *what, const char *flusher, const struct pma_stats *b) {
  struct pma_stats a;
  pma_get_stats(&a);
  uint64_t nt = a.nt_bytes - b->nt_bytes, fl = a.flushes - b->flushes;
  printf("%s: %s", what,
         nt >= 2ull * N ? "copy and log non-temporal"
         : nt >= N      ? "log non-temporal"
         : nt == 0      ? "nothing non-temporal"
                        : "some bytes non-temporal");
  if (flusher)
    printf(", %s flushes %s", flusher,
           fl < LINES / 8 ? "< 1/8 of its lines" : fl >= LINES ? "every line" : "some lines");
  printf("\n");
}

/* stats -- pmem mode: what each kind of copy costs */
static void stats(unsigned char *a, unsigned char *src) {
  struct pma_stats b;
  pma_get_stats(&b);
  pma_begin();
  memcpy(a, src, vn);
  pma_end();
  report("memcpy 1 MiB in a FASE", "commit", &b);
  CHECK(same(a, N, 3, 1));

  pma_get_stats(&b);
  pma_begin();
  memset(a, 0x5a, N);
  pma_end();
  report("memset 1 MiB in a FASE", "commit", &b);
  for (unsigned i = 0; i < N; i++)
    CHECK(a[i] == 0x5a);

  vn = 512;
  pma_get_stats(&b);
  pma_begin();
  memcpy(a, src, vn);
  pma_end();
  vn = N;
  report("512-byte memcpy in a FASE", NULL, &b);
  CHECK(same(a, 512, 3, 1));

  pma_get_stats(&b);
  memcpy(a, src, vn);
  pma_sync();
  report("memcpy 1 MiB outside a FASE", "pma_sync", &b);
  CHECK(same(a, N, 3, 1));
}

/* child -- copy pattern 7/3 over the array in one FASE; maybe commit; die */
static void child(void *arg) {
  int commit = (int)(long)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  unsigned char *a = pma_root(h, 0);
  unsigned char *src = malloc(N);
  CHECK(src);
  fill(src, N, 7, 3);
  pma_begin();
  memcpy(a, src, vn);
  CHECK(same(a, N, 7, 3));
  if (commit)
    pma_end();
  crash(CRASH_KILL);
}

int main(int argc, char **argv) {
  CHECK(argc >= 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 16 << 20);
  CHECK(h);
  unsigned char *a = pma_root(h, N + 4096);
  unsigned char *src = malloc(N);
  CHECK(a && src);
  fill(src, N, 3, 1);
  if (argc > 2 && !strcmp(argv[2], "stats"))
    stats(a, src);

  /* memmove over itself, 100 bytes up: the runtime's move handles overlap */
  pma_begin();
  memcpy(a, src, vn);
  memmove(a + 100, a, vn);
  pma_end();
  CHECK(same(a, 100, 3, 1));
  printf("overlapping memmove: %s\n", same(a + 100, N, 3, 1) ? "ok" : "WRONG");

  pma_begin();
  memset(a, 0, N + 4096);
  fill(src, N, 5, 1);
  memcpy(a, src, vn);
  pma_end();
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, (void *)0L)));
  h = pma_open(path, 0);
  CHECK(h);
  a = pma_root(h, 0);
  printf("killed after the copy: rolled back %llu FASE, old contents: %s\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back, same(a, N, 5, 1) ? "yes" : "NO");
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, (void *)1L)));
  h = pma_open(path, 0);
  CHECK(h);
  a = pma_root(h, 0);
  printf("committed then killed: new contents: %s\n", same(a, N, 7, 3) ? "yes" : "NO");
  CHECK(pma_close(h) == 0);
  free(src);
  return 0;
}
