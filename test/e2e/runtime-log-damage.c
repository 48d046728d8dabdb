// A damaged undo record is never applied blindly (design.md section 4, "torn
// tail or damaged middle").  A child runs one FASE (a = 1, b = 1, then
// scratch = 1: three records) and is killed; on copies of that heap:
// - a byte flipped in the first or the middle record, whose later records'
//   stores have happened: the open refuses ("damaged in the middle"), the copy
//   is byte-for-byte unchanged, and `pmatomic check` says the same (exit 1);
// - a byte flipped in the last record: indistinguishable from a torn tail, the
//   log ends there: a and b are rolled back, scratch keeps its value;
// - the middle record damaged and neither its store nor the last record's
//   done (a crash that tears an unfenced group of records, design.md section
//   3): a torn tail, a rolled back;
// - the undamaged copy: all three records rolled back;
// - a FASE whose log spans two chunks (a = 1, 70000 bytes logged but not
//   stored, b = 1 in the second chunk) with its JUMP record damaged: refused,
//   since b's record in the next chunk shows the FASE went on.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -rf %t.dir && mkdir %t.dir && %t %t.dir %pmatomic | FileCheck %s
// CHECK: intact: opened, rolled back 1 FASE, 3 records; a=0 b=0 scratch=0
// CHECK-NEXT: first record: refused: heap corrupt: undo log of slot 0 (FASE 2) is damaged in the middle: the record at heap offset 0x{{[0-9a-f]+}} does not check out (expected a record of FASE 2), but the later record at heap offset 0x{{[0-9a-f]+}} does and its store has already happened; rolling back only up to the damage would leave the FASE half undone; unchanged
// CHECK-NEXT: first record: check exit 1: {{.*}}problem: log slot 0: heap corrupt: undo log of slot 0 (FASE 2) is damaged in the middle
// CHECK-NEXT: middle record: refused: heap corrupt: undo log of slot 0 (FASE 2) is damaged in the middle: {{.*}}; unchanged
// CHECK-NEXT: middle record: check exit 1: {{.*}}damaged in the middle
// CHECK-NEXT: last record: opened, rolled back 1 FASE, 2 records; a=0 b=0 scratch=1
// CHECK-NEXT: last record: check exit 0: {{.*}}: consistent (not closed cleanly; 1 log slot in use, 1 pending FASE, checked as rolled back)
// CHECK-NEXT: torn group: opened, rolled back 1 FASE, 1 records; a=0 b=0 scratch=0
// CHECK-NEXT: two chunks intact: opened, rolled back 1 FASE, {{[0-9]+}} records; a=0 b=0 scratch=0
// CHECK-NEXT: jump record: refused: heap corrupt: undo log of slot 0 (FASE 3) is damaged in the middle: {{.*}}; unchanged
#include "runtime-test.h"
#include <fcntl.h>
#include <sys/stat.h>

struct root { long a, b, scratch; };
static char good[4096], good2[4096], copy[4096];
static const char *tool;

/* child -- one FASE of three stores, killed before it ends */
static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(good, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->a, 1);
  ST(r->b, 1);
  ST(r->scratch, 1);
  crash(CRASH_KILL);
}

/* child2 -- a FASE whose log needs a second chunk before b is stored */
static void child2(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(good2, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  char *big = pma_malloc(70000);
  CHECK(big);
  pma_begin();
  ST(r->a, 1);
  __pma_store_n(big, 70000); /* logged, never stored */
  ST(r->b, 1);
  crash(CRASH_KILL);
}

/* jump -- file offset of the first JUMP record of slot 0's log */
static size_t jump(const char *img) {
  uint64_t first;
  memcpy(&first, img + 4096 + 8, 8);
  size_t pos = (size_t)first + 16;
  for (;;) {
    uint64_t hdr;
    memcpy(&hdr, img + pos, 8);
    if (hdr >> 62 == 1)
      return pos;
    pos += 16 + ((((hdr >> 48) & 0x3fff) + 7) & ~7ull);
  }
}

/* rec -- file offset of record k of slot 0's log (records: 16-byte header + padded data) */
static size_t rec(const char *img, int k) {
  uint64_t first;
  memcpy(&first, img + 4096 + 8, 8); /* slot 0 first_chunk */
  size_t pos = (size_t)first + 16;
  for (int i = 0; i < k; i++) {
    uint64_t hdr;
    memcpy(&hdr, img + pos, 8);
    pos += 16 + ((((hdr >> 48) & 0x3fff) + 7) & ~7ull);
  }
  return pos;
}

/* try -- open copy (made from img with byte at off flipped and plen bytes at
 * poff zeroed), report; on refusal the copy must be unchanged */
static void try(const char *label, const char *img, size_t n, size_t off, size_t poff,
                size_t plen) {
  char *b = malloc(n);
  memcpy(b, img, n);
  if (off)
    b[off] ^= 0x20;
  memset(b + poff, 0, plen);
  spit(copy, b, n);
  pma_heap *h = pma_open(copy, 0);
  if (!h) {
    size_t n2;
    char *after = slurp(copy, &n2);
    CHECK(n2 == n && !memcmp(after, b, n));
    printf("%s: refused: %s; unchanged\n", label, pma_errormsg());
    free(after);
  } else {
    const struct pma_recovery_info *ri = pma_recovery(h);
    struct root *r = pma_root(h, 0);
    printf("%s: opened, rolled back %llu FASE, %llu records; a=%ld b=%ld scratch=%ld\n", label,
           (unsigned long long)ri->fases_rolled_back, (unsigned long long)ri->records_applied,
           r->a, r->b, r->scratch);
    CHECK(pma_close(h) == 0);
  }
  free(b);
}

/* check -- `pmatomic check` on a fresh damaged copy: exit status and last problem line */
static void check(const char *label, const char *img, size_t n, size_t off) {
  char *b = malloc(n);
  memcpy(b, img, n);
  b[off] ^= 0x20;
  spit(copy, b, n);
  char cmd[8192], line[1024], keep[1024] = "";
  snprintf(cmd, sizeof cmd, "%s check %s", tool, copy);
  FILE *p = popen(cmd, "r");
  CHECK(p);
  while (fgets(line, sizeof line, p))
    if (strstr(line, "problem:") || strstr(line, "consistent"))
      if (!keep[0] || strstr(line, "problem:"))
        snprintf(keep, sizeof keep, "%s", line);
  int st = pclose(p);
  size_t n2;
  char *after = slurp(copy, &n2);
  CHECK(n2 == n && !memcmp(after, b, n));
  printf("%s: check exit %d: %s", label, WEXITSTATUS(st), keep);
  free(after);
  free(b);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  tool = argv[2];
  snprintf(good, sizeof good, "%s/good", argv[1]);
  snprintf(good2, sizeof good2, "%s/good2", argv[1]);
  snprintf(copy, sizeof copy, "%s/copy", argv[1]);
  pma_heap *h = pma_open(good, 1 << 20);
  CHECK(h);
  CHECK(pma_root(h, sizeof(struct root)));
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child, NULL)));

  size_t n;
  char *img = slurp(good, &n);
  size_t r0 = rec(img, 0), r1 = rec(img, 1), r2 = rec(img, 2);
  uint64_t root_off;
  memcpy(&root_off, img + 264, 8);
  size_t bs = (size_t)root_off + offsetof(struct root, b);

  try("intact", img, n, 0, 0, 0);
  try("first record", img, n, r0 + 16, 0, 0);
  check("first record", img, n, r0 + 16);
  try("middle record", img, n, r1 + 3, 0, 0);
  check("middle record", img, n, r1 + 3);
  try("last record", img, n, r2 + 16, 0, 0);
  check("last record", img, n, r2 + 16);
  try("torn group", img, n, r1 + 16, bs, 2 * sizeof(long)); /* b and scratch not stored */
  free(img);

  h = pma_open(good2, 1 << 20);
  CHECK(h);
  CHECK(pma_root(h, sizeof(struct root)));
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child2, NULL)));
  img = slurp(good2, &n);
  try("two chunks intact", img, n, 0, 0, 0);
  try("jump record", img, n, jump(img) + 8, 0, 0);
  free(img);
  return 0;
}
