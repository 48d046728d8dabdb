// PMA_MODE=pmem forced on a file that is not persistent memory (tmpfs, or a
// disk file in /tmp): pmem_is_pmem says no, so the default is process mode,
// but the forced mode runs every flush and fence of the protocol (counted in
// pma_get_stats) and crash recovery still works.  PMA_MODE=sim is accepted and
// behaves as pmem for now.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: %t /dev/shm | FileCheck %s
// RUN: %t /tmp | FileCheck %s
// CHECK: default: process, 0 flushes, 0 fences
// CHECK-NEXT: forced: pmem
// CHECK-NEXT: one store: 3 fences, flushes > 0
// CHECK-NEXT: same word twice: 3 fences, 1 filtered
// CHECK-NEXT: empty FASE: 0 fences
// CHECK-NEXT: 4 KiB memset: 4096 bytes non-temporal
// CHECK-NEXT: outside a FASE: flushed by pma_sync, 1 fence
// CHECK-NEXT: crash in pmem mode: rolled back 1, v=7
// CHECK-NEXT: dirty-list overflow: stores after the early flush are logged again, rollback ok
// CHECK-NEXT: sim: sim, flushes > 0
#include "runtime-test.h"

struct root { long v, w; char buf[8192]; long sparse[3000][16]; };
static char path[4096];

/* delta -- stats since the last call */
static struct pma_stats delta(void) {
  static struct pma_stats last;
  struct pma_stats now, d;
  pma_get_stats(&now);
  uint64_t *a = (uint64_t *)&now, *b = (uint64_t *)&last, *o = (uint64_t *)&d;
  for (size_t i = 0; i < sizeof d / 8; i++)
    o[i] = a[i] - b[i];
  last = now;
  return d;
}

static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h && pma_mode_of(h) == PMA_MODE_PMEM);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->v, 8);
  MEMSET(r->buf, 1, sizeof r->buf);
  crash(CRASH_KILL);
}

static void sparse_child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  struct pma_stats a, b;
  pma_get_stats(&a);
  pma_begin();
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < 3000; i++)
      ST(r->sparse[i][0], pass + 1);
  pma_get_stats(&b);
  CHECK(b.log_records - a.log_records > 3000 + 1000);
  crash(CRASH_KILL);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  snprintf(path, sizeof path, "%s/pma-rt-pmem-%d.heap", argv[1], (int)getpid());
  unlink(path);
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->v, 1);
  pma_end();
  struct pma_stats d = delta();
  printf("default: %s, %llu flushes, %llu fences\n", pma_mode_name(pma_mode_of(h)),
         (unsigned long long)d.flushes, (unsigned long long)d.fences);
  CHECK(pma_close(h) == 0);

  setenv("PMA_MODE", "pmem", 1);
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  printf("forced: %s\n", pma_mode_name(pma_mode_of(h)));
  pma_sync();
  delta();
  pma_begin();
  ST(r->v, 2);
  pma_end();
  d = delta();
  printf("one store: %llu fences, flushes %s\n", (unsigned long long)d.fences,
         d.flushes > 0 ? "> 0" : "= 0");
  pma_begin();
  ST(r->v, 3);
  ST(r->v, 4);
  pma_end();
  d = delta();
  printf("same word twice: %llu fences, %llu filtered\n", (unsigned long long)d.fences,
         (unsigned long long)d.filtered_stores);
  pma_begin();
  pma_end();
  d = delta();
  printf("empty FASE: %llu fences\n", (unsigned long long)d.fences);
  pma_begin();
  MEMSET(r->buf, 2, 4096);
  pma_end();
  d = delta();
  printf("4 KiB memset: %llu bytes non-temporal\n", (unsigned long long)d.nt_bytes);
  ST(r->w, 5); /* outside a FASE: noted, flushed later */
  ST(r->buf[5000], 6);
  d = delta();
  CHECK(d.flushes == 0 && d.fences == 0);
  pma_sync();
  d = delta();
  CHECK(d.flushes >= 2);
  printf("outside a FASE: flushed by pma_sync, %llu fence\n", (unsigned long long)d.fences);
  pma_begin();
  ST(r->v, 7);
  pma_end();
  pma_persist(&r->v, sizeof r->v);
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  CHECK(r->buf[0] == 2 && r->buf[4095] == 2 && r->buf[4096] == 0);
  printf("crash in pmem mode: rolled back %llu, v=%ld\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back, r->v);
  CHECK(pma_close(h) == 0);

  /* 3000 stores one line apart overflow the 1024-entry dirty list: the older
   * ranges are flushed early and the filter restarts, so the second pass is
   * logged again instead of being filtered. */
  CHECK(crashed(in_child(sparse_child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  for (int i = 0; i < 3000; i++)
    CHECK(r->sparse[i][0] == 0);
  printf("dirty-list overflow: stores after the early flush are logged again, rollback %s\n",
         pma_recovery(h)->fases_rolled_back == 1 ? "ok" : "WRONG");
  CHECK(pma_close(h) == 0);

  setenv("PMA_MODE", "sim", 1);
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  delta();
  pma_begin();
  ST(r->v, 8);
  pma_end();
  d = delta();
  printf("sim: %s, flushes %s\n", pma_mode_name(pma_mode_of(h)), d.flushes > 0 ? "> 0" : "= 0");
  CHECK(pma_close(h) == 0);
  unlink(path);
  return 0;
}
