// The batch hook __pma_store_v (what the pass emits for the writes of a
// block to different places): inside a FASE its ranges go into one
// multi-range undo record under one fence; ranges already logged are
// filtered (and a call whose ranges are all logged writes nothing); ranges
// outside the heap are skipped and straddling ones clipped; in pmem mode a
// range flagged PMA_SPAN_NT at least PMA_NT_THRESHOLD long is left to the
// non-temporal path; outside a FASE nothing is logged.  A crash rolls back
// every range of a FASE whose 4000 batched ranges fill several log chunks
// (a multi-range record that does not fit a chunk's rest goes to the next).
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=process %t %t.heap | FileCheck %s --check-prefix=PROC
// CHECK: three ranges: 1 records, 1 multi, 1 fences, 32 bytes
// CHECK-NEXT: again: 0 records, 0 fences, 3 filtered
// CHECK-NEXT: one new of three: 1 records, 0 multi, 2 filtered
// CHECK-NEXT: outside the heap and straddling: 1 records, 1 multi, 16 bytes
// CHECK-NEXT: long range flagged non-temporal: 1 records, 0 multi, 8 bytes
// CHECK-NEXT: outside a FASE: 0 records
// CHECK-NEXT: rollback: 1 FASE, 4003 records applied, all ranges restored
// PROC: three ranges: 1 records, 1 multi, 0 fences, 32 bytes
// PROC: long range flagged non-temporal: 1 records, 1 multi, 2056 bytes
// PROC: rollback: 1 FASE, 4003 records applied, all ranges restored
#include "runtime-test.h"
#include <stdarg.h>

struct root {
  long a;
  char pad1[120];
  int b;
  char pad2[124];
  char c[20];
  char big[2048];
  long end_mark;
  char *blk; /* NBLK bytes */
};
#define NBLK 200000
#define NB 2000
static const char *path;
static struct pma_stats s0, s1;

#define D(f) (unsigned long long)(s1.f - s0.f)

/* batch -- __pma_store_v over n (addr, len) pairs */
static void batch(size_t n, ...) {
  struct __pma_span v[8];
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    v[i].addr = va_arg(ap, void *);
    v[i].len = va_arg(ap, size_t);
  }
  va_end(ap);
  __pma_store_v(v, n);
}

static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  batch(3, &r->a, sizeof r->a, &r->b, sizeof r->b, r->c, sizeof r->c);
  r->a = -1;
  r->b = -2;
  memset(r->c, 'z', sizeof r->c);
  for (int k = 0; k < NB; k++) {
    char *p = r->blk + 96 * k;
    batch(2, p, (size_t)40, p + 48, (size_t)40);
    memset(p, 0xab, 40);
    memset(p + 48, 0xcd, 40);
  }
  crash(CRASH_KILL);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 2 << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  CHECK(r);
  pma_begin();
  r->blk = pma_calloc(1, NBLK);
  CHECK(r->blk);
  pma_end();

  pma_get_stats(&s0);
  pma_begin();
  batch(3, &r->a, sizeof r->a, &r->b, sizeof r->b, r->c, sizeof r->c);
  pma_get_stats(&s1);
  uint64_t fences = s1.fences - s0.fences;
  r->a = 1;
  r->b = 2;
  memcpy(r->c, "abcdefghijklmnopqrs", 20);
  printf("three ranges: %llu records, %llu multi, %llu fences, %llu bytes\n", D(log_records),
         D(multi_records), (unsigned long long)fences, D(log_bytes));
  pma_get_stats(&s0);
  batch(3, &r->a, sizeof r->a, &r->b, sizeof r->b, r->c, sizeof r->c);
  pma_get_stats(&s1);
  printf("again: %llu records, %llu fences, %llu filtered\n", D(log_records), D(fences),
         D(filtered_stores));
  pma_get_stats(&s0);
  batch(3, &r->a, sizeof r->a, &r->end_mark, sizeof r->end_mark, r->c, sizeof r->c);
  pma_get_stats(&s1);
  printf("one new of three: %llu records, %llu multi, %llu filtered\n", D(log_records),
         D(multi_records), D(filtered_stores));
  pma_end();

  /* a range below the heap, one straddling its start, one inside */
  char *start = (char *)r;
  while (pma_is_heap(start - 1, 1))
    start -= 4096;
  while (!pma_is_heap(start, 1))
    start++;
  long local = 0;
  pma_get_stats(&s0);
  pma_begin();
  batch(3, &local, sizeof local, start - 8, (size_t)16, (char *)&r->a, (size_t)8);
  pma_end();
  pma_get_stats(&s1);
  printf("outside the heap and straddling: %llu records, %llu multi, %llu bytes\n",
         D(log_records), D(multi_records), D(log_bytes));

  /* PMA_SPAN_NT: left to __pma_memmove when it will write non-temporally */
  pma_get_stats(&s0);
  pma_begin();
  batch(2, r->big, sizeof r->big | PMA_SPAN_NT, &r->end_mark, sizeof r->end_mark);
  __pma_memmove(r->big, r->big + 1, sizeof r->big - 1);
  r->end_mark = 7;
  pma_end();
  pma_get_stats(&s1);
  printf("long range flagged non-temporal: %llu records, %llu multi, %llu bytes\n",
         D(log_records) - (D(nt_bytes) ? 1 : 0), D(multi_records),
         D(log_bytes) - (D(nt_bytes) ? sizeof r->big - 1 : 0));

  pma_get_stats(&s0);
  batch(2, &r->a, sizeof r->a, &r->b, sizeof r->b);
  r->a = 3;
  r->b = 4;
  pma_get_stats(&s1);
  printf("outside a FASE: %llu records\n", D(log_records));

  r->a = 11; /* outside a FASE: made durable by pma_close */
  r->b = 12;
  memcpy(r->c, "keep this string!!!", 20);
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  const struct pma_recovery_info *ri = pma_recovery(h);
  int ok = r->a == 11 && r->b == 12 && !memcmp(r->c, "keep this string!!!", 20);
  for (int i = 0; i < NBLK; i++)
    ok &= r->blk[i] == 0;
  printf("rollback: %llu FASE, %llu records applied, %s\n",
         (unsigned long long)ri->fases_rolled_back, (unsigned long long)ri->records_applied,
         ok ? "all ranges restored" : "NOT RESTORED");
  CHECK(pma_close(h) == 0);
  return ok ? 0 : 1;
}
