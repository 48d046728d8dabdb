// PMA_SYNC_PER_STORE=1, the per-store synchronous baseline (configuration (d)
// of bench/): every hook call inside a FASE writes a record of its range and
// fences it, with no per-FASE filter; the commit is unchanged.  A FASE that
// stores one word 100 times writes 100 records (with the filter: 1) and 102
// fences (one per record, two at commit, docs/performance.md); process mode
// only loses the filter; a malformed value fails the open; and a crash in the
// middle still rolls back.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: %t /dev/shm | FileCheck %s
// CHECK: filtered: records 1, filtered 99
// CHECK-NEXT: per store: records 100, filtered 0, fences 102
// CHECK-NEXT: process, per store: records 100, fences 0
// CHECK-NEXT: PMA_SYNC_PER_STORE=yes: PMA_SYNC_PER_STORE: expected 0 or 1, found "yes"
// CHECK-NEXT: crash, per store: rolled back 1, v=7
#include "runtime-test.h"

struct root { long v, w; };
static char path[4096];

/* hundred -- one FASE storing the root word 100 times; the counters it cost */
static struct pma_stats hundred(const char *mode, const char *per_store) {
  setenv("PMA_MODE", mode, 1);
  if (per_store)
    setenv("PMA_SYNC_PER_STORE", per_store, 1);
  else
    unsetenv("PMA_SYNC_PER_STORE");
  pma_heap *h = pma_open(path, 1u << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  struct pma_stats s0, s1;
  pma_get_stats(&s0);
  pma_begin();
  for (long i = 0; i < 100; i++)
    ST(r->v, i);
  pma_end();
  pma_get_stats(&s1);
  CHECK(pma_close(h) == 0);
  s1.log_records -= s0.log_records;
  s1.filtered_stores -= s0.filtered_stores;
  s1.fences -= s0.fences;
  return s1;
}

/* crash_child -- a FASE that stores twice and crashes before its commit */
static void crash_child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->v, 8);
  ST(r->v, 9);
  crash(CRASH_EXIT);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  snprintf(path, sizeof path, "%s/pma-sync-per-store-%d.heap", argv[1], (int)getpid());
  unlink(path);

  struct pma_stats s = hundred("pmem", NULL);
  CHECK(s.log_records == 1 && s.filtered_stores == 99);
  printf("filtered: records %llu, filtered %llu\n", (unsigned long long)s.log_records,
         (unsigned long long)s.filtered_stores);

  s = hundred("pmem", "1");
  CHECK(s.log_records == 100 && s.filtered_stores == 0);
  printf("per store: records %llu, filtered %llu, fences %llu\n",
         (unsigned long long)s.log_records, (unsigned long long)s.filtered_stores,
         (unsigned long long)s.fences);

  s = hundred("process", "1");
  CHECK(s.log_records == 100 && s.fences == 0);
  printf("process, per store: records %llu, fences %llu\n", (unsigned long long)s.log_records,
         (unsigned long long)s.fences);

  setenv("PMA_SYNC_PER_STORE", "yes", 1);
  CHECK(pma_open(path, 0) == NULL);
  printf("PMA_SYNC_PER_STORE=yes: %s\n", pma_errormsg());

  /* the root word holds 99; make it 7, then crash a FASE in per-store mode */
  setenv("PMA_SYNC_PER_STORE", "1", 1);
  setenv("PMA_MODE", "pmem", 1);
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->v, 7);
  pma_end();
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(crash_child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  printf("crash, per store: rolled back %llu, v=%ld\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back, r->v);
  CHECK(pma_close(h) == 0);
  unlink(path);
  return 0;
}
