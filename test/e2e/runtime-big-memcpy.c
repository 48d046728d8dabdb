// One FASE that memcpy's 8 MiB over the heap (one store of 8 MiB: the undo log
// grows through ~130 chunks) is rolled back whole after a crash; a committed
// one is kept; the log chunks are reused by the next FASEs instead of growing
// the heap's use again.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: killed mid-FASE: 8388608 of 8388608 bytes restored, 1 FASE, 8388608 bytes
// CHECK-NEXT: committed: 8388608 of 8388608 bytes kept
// CHECK-NEXT: again: log chunks reused
#include "runtime-test.h"

#define N (8u << 20)
static const char *path;

/* child -- copy pattern v over the array in one FASE; maybe commit; die */
static void child(void *arg) {
  int commit = (int)(long)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  unsigned char *a = pma_root(h, N);
  unsigned char *src = malloc(N);
  for (unsigned i = 0; i < N; i++)
    src[i] = (unsigned char)(i * 7 + 3);
  pma_begin();
  MEMCPY(a, src, N);
  if (commit)
    pma_end();
  crash(CRASH_KILL);
}

/* count -- bytes of the array equal to pattern(mul, add) */
static unsigned count(unsigned char *a, unsigned mul, unsigned add) {
  unsigned n = 0;
  for (unsigned i = 0; i < N; i++)
    n += a[i] == (unsigned char)(i * mul + add);
  return n;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 64 << 20);
  CHECK(h);
  unsigned char *a = pma_root(h, N);
  CHECK(a);
  pma_begin();
  for (unsigned i = 0; i < N; i += 8) {
    unsigned long w = 0;
    for (int k = 0; k < 8; k++)
      w |= (unsigned long)(unsigned char)((i + k) * 5 + 1) << (8 * k);
    ST(*(unsigned long *)(a + i), w);
  }
  pma_end();
  CHECK(count(a, 5, 1) == N);
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, (void *)0L)));
  h = pma_open(path, 0);
  CHECK(h);
  a = pma_root(h, 0);
  printf("killed mid-FASE: %u of %u bytes restored, %llu FASE, %llu bytes\n", count(a, 5, 1), N,
         (unsigned long long)pma_recovery(h)->fases_rolled_back,
         (unsigned long long)pma_recovery(h)->bytes_restored);
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, (void *)1L)));
  h = pma_open(path, 0);
  CHECK(h);
  a = pma_root(h, 0);
  printf("committed: %u of %u bytes kept\n", count(a, 7, 3), N);

  /* Chains are reused: ten more 8 MiB FASEs fit in a 64 MiB heap only if
   * every FASE reuses the chunks of the previous one. */
  unsigned char *src = malloc(N);
  memset(src, 9, N);
  for (int i = 0; i < 10; i++) {
    pma_begin();
    MEMCPY(a, src, N);
    pma_end();
  }
  CHECK(a[N - 1] == 9);
  printf("again: log chunks reused\n");
  CHECK(pma_close(h) == 0);
  return 0;
}
