// The PMA_* environment variables: PMA_BASE places a new heap (an existing one
// stays where its header says), PMA_MODE and PMA_NT_THRESHOLD are validated,
// PMA_VERBOSE reports the open, PMA_STATS prints the counters at close.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap 2>&1 | FileCheck %s
// CHECK: PMA_BASE: root at 0x4000000{{[0-9a-f]+}}
// CHECK-NEXT: existing heap ignores PMA_BASE: root at 0x4000000{{[0-9a-f]+}}
// CHECK-NEXT: PMA_MODE=bogus: PMA_MODE: expected process, pmem or sim, found "bogus"
// CHECK-NEXT: PMA_NT_THRESHOLD=12k: PMA_NT_THRESHOLD: expected an unsigned number, found "12k"
// CHECK-NEXT: PMA_BASE=0x1234: PMA_BASE: expected a nonzero 64 KiB-aligned address, found 0x1234
// CHECK-NEXT: PMA_TEST_DIRTY_CAP=16: PMA_TEST_DIRTY_CAP: expected 64..1024 ranges, found 16
// CHECK-NEXT: PMA_TEST_DIRTY_CAP=many: PMA_TEST_DIRTY_CAP: expected an unsigned number, found "many"
// CHECK-NEXT: pmatomic: opened {{.*}} (process mode, 1048576 bytes at 0x400000000000, closed cleanly): rolled back 0 FASEs (0 records, 0 bytes) from 0 thread logs
// CHECK-NEXT: verbose open done
// CHECK-NEXT: pmatomic stats: fases 1, log_records 1, log_bytes 8, filtered_stores 0, flushes 0, fences 0, nt_bytes 0, dep_records 0, fases_waited 0, multi_records 0, signals_deferred 0
// CHECK-NEXT: PMA_NT_THRESHOLD=0: 0 bytes non-temporal
// CHECK-NEXT: PMA_NT_THRESHOLD=64: 64 bytes non-temporal
#include "runtime-test.h"

struct root { long v; char buf[64]; };

/* refuse_env -- open must fail because of name=value */
static void refuse_env(const char *path, const char *name, const char *value) {
  setenv(name, value, 1);
  CHECK(pma_open(path, 0) == NULL);
  printf("%s=%s: %s\n", name, value, pma_errormsg());
  unsetenv(name);
}

/* nt_bytes -- non-temporal bytes of a 64-byte memset FASE in pmem mode */
static unsigned long long nt_bytes(const char *path, const char *threshold) {
  setenv("PMA_MODE", "pmem", 1);
  setenv("PMA_NT_THRESHOLD", threshold, 1);
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  MEMSET(r->buf, 1, 64);
  pma_end();
  struct pma_stats s;
  pma_get_stats(&s);
  CHECK(pma_close(h) == 0);
  unsetenv("PMA_MODE");
  unsetenv("PMA_NT_THRESHOLD");
  return (unsigned long long)s.nt_bytes;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *path = argv[1];
  setenv("PMA_BASE", "0x400000000000", 1);
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  void *r = pma_root(h, sizeof(struct root));
  printf("PMA_BASE: root at %p\n", r);
  CHECK(pma_close(h) == 0);
  setenv("PMA_BASE", "0x500000000000", 1);
  h = pma_open(path, 0);
  CHECK(h);
  printf("existing heap ignores PMA_BASE: root at %p\n", pma_root(h, 0));
  CHECK(pma_close(h) == 0);
  unsetenv("PMA_BASE");

  refuse_env(path, "PMA_MODE", "bogus");
  refuse_env(path, "PMA_NT_THRESHOLD", "12k");
  refuse_env(path, "PMA_BASE", "0x1234");
  refuse_env(path, "PMA_TEST_DIRTY_CAP", "16");
  refuse_env(path, "PMA_TEST_DIRTY_CAP", "many");

  fflush(stdout);
  setenv("PMA_VERBOSE", "1", 1);
  setenv("PMA_STATS", "1", 1);
  h = pma_open(path, 0);
  CHECK(h);
  printf("verbose open done\n");
  fflush(stdout);
  struct root *rr = pma_root(h, 0);
  pma_begin();
  ST(rr->v, 1);
  pma_end();
  CHECK(pma_close(h) == 0);
  unsetenv("PMA_VERBOSE");
  unsetenv("PMA_STATS");

  printf("PMA_NT_THRESHOLD=0: %llu bytes non-temporal\n", nt_bytes(path, "0"));
  printf("PMA_NT_THRESHOLD=64: %llu bytes non-temporal\n", nt_bytes(path, "64"));
  return 0;
}
