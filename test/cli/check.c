// `pmatomic check`: exit 0 on consistent heaps (clean, or with a pending FASE,
// checked as rolled back), 1 with one "problem:" line (expected vs found) per
// damage, 2 on usage errors; it never modifies the file (compared byte for
// byte after every run).
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/../e2e/Inputs %s -o %t %link-pma
// RUN: rm -rf %t.dir && mkdir %t.dir && %t %t.dir %pmatomic | FileCheck %s
// RUN: %pmatomic check --help | FileCheck --check-prefix=HELP %s
// RUN: not %pmatomic check 2>&1 | FileCheck --check-prefix=USAGE %s
// RUN: %pmatomic check %t.dir/none; test $? -eq 1
// HELP: NAME
// HELP: pmatomic check - verify the integrity of a pmatomic heap file
// HELP: SYNOPSIS
// HELP: EXIT STATUS
// USAGE: Usage: pmatomic check HEAP
// CHECK: clean: exit 0
// CHECK-NEXT: | {{.*}}: consistent (closed cleanly; 1 log slot in use, 0 pending FASEs)
// CHECK: pending: exit 0
// CHECK-NEXT: | {{.*}}: note: log slot 0: FASE 3 is pending (2 undo records, 16 bytes); the next open rolls it back
// CHECK-NEXT: | {{.*}}: consistent (not closed cleanly; 1 log slot in use, 1 pending FASE, checked as rolled back)
// CHECK: magic: exit 1
// CHECK-NEXT: | pmatomic check: {{.*}} wrong magic (expected "PMATOMIC", found "NOTAHEAP")
// CHECK: map byte: exit 1
// CHECK-NEXT: | {{.*}}: problem: chunk 9: map byte 0x50 (expected 0x00 free, 0x01..0x20 run, 0x40 log, 0x41..0x43 large extent)
// CHECK-NEXT: | {{.*}}: inconsistent: 1 problem, 0 notes
// CHECK: block state: exit 1
// CHECK-NEXT: | {{.*}}: problem: chunk {{[0-9]+}} (run of 32-byte blocks): block 5 has state 7 (expected 0 free, 1 allocated or 2 free pending)
// CHECK: orphan 0x42: exit 1
// CHECK-NEXT: | {{.*}}: problem: chunk 9: map byte 0x42 (large extent, following chunk) after 0 (expected it only after 0x41 or 0x42)
// CHECK: chain loop: exit 1
// CHECK-NEXT: | {{.*}}: problem: log slot 0: chain loops back to chunk {{[0-9]+}} after 1 chunks (expected a chain ending with next = 0)
// CHECK: two chains: exit 1
// CHECK-NEXT: | {{.*}}: problem: log slot 1: chunk {{[0-9]+}} is also on the chain of log slot 0 (expected each log chunk on one chain)
// CHECK: next not a chunk: exit 1
// CHECK-NEXT: | {{.*}}: problem: log slot 0: next link of chunk {{[0-9]+}} is heap offset 0x1234 (expected the start of a data chunk: 0x{{[0-9a-f]+}} + k * 65536, below 0x{{[0-9a-f]+}})
// CHECK: root: exit 1
// CHECK-NEXT: | {{.*}}: problem: root: heap corrupt: the root object (heap offset 0x{{[0-9a-f]+}}, 24 bytes) is a block that is not allocated (state expected 1) (block of 32 bytes)
// CHECK: clean flag: exit 1
// CHECK-NEXT: | {{.*}}: problem: dynamic header: clean flag is 7 (expected 0 or 1)
// CHECK: damaged record: exit 1
// CHECK-NEXT: | {{.*}}: problem: log slot 0: heap corrupt: undo log of slot 0 (FASE 3) is damaged in the middle: {{.*}}
#include "runtime-test.h"
#include <fcntl.h>
#include <sys/stat.h>

struct root { long a, b, x; };
static char good[4096], pend[4096], bad[4096];
static const char *tool;

/* run -- `pmatomic check path`: print its status and output, indented; the
 * file must be unchanged */
static void run(const char *label, const char *path) {
  size_t n0, n1;
  char *before = slurp(path, &n0);
  char cmd[8192], line[2048];
  snprintf(cmd, sizeof cmd, "%s check %s 2>&1", tool, path);
  fflush(stdout);
  FILE *p = popen(cmd, "r");
  CHECK(p);
  char out[16384] = "";
  while (fgets(line, sizeof line, p)) {
    strcat(out, "| ");
    strncat(out, line, sizeof out - strlen(out) - 1);
  }
  int st = pclose(p);
  char *after = slurp(path, &n1);
  CHECK(n0 == n1 && !memcmp(before, after, n0));
  printf("%s: exit %d\n%s", label, WEXITSTATUS(st), out);
  free(before);
  free(after);
}

/* damage -- bad := good (or pend) with 8 bytes at off set to v (len bytes) */
static void damage(const char *label, const char *from, size_t off, uint64_t v, size_t len) {
  size_t n;
  char *b = slurp(from, &n);
  memcpy(b + off, &v, len);
  spit(bad, b, n);
  free(b);
  run(label, bad);
}

/* child -- a FASE that stores a and x, killed before it ends */
static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(pend, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->a, 6);
  ST(r->x, 7);
  crash(CRASH_KILL);
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  tool = argv[2];
  snprintf(good, sizeof good, "%s/good", argv[1]);
  snprintf(pend, sizeof pend, "%s/pend", argv[1]);
  snprintf(bad, sizeof bad, "%s/bad", argv[1]);
  pma_heap *h = pma_open(good, 1 << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->a, 5);
  ST(r->b, 5);
  pma_end();
  CHECK(pma_close(h) == 0);
  size_t n;
  char *img = slurp(good, &n);
  spit(pend, img, n);
  CHECK(crashed(in_child(child, NULL)));

  uint64_t data_off, root_off, first;
  memcpy(&data_off, img + 88, 8);
  memcpy(&root_off, img + 264, 8);
  memcpy(&first, img + 4096 + 8, 8);
  size_t map = 4096 + 256 * 256;
  size_t run_chunk = data_off + (root_off - data_off) / 65536 * 65536;

  run("clean", good);
  run("pending", pend);
  damage("magic", good, 0, 0x5041454841544f4eull /* "NOTAHEAP" */, 8);
  damage("map byte", good, map + 9, 0x50, 1);
  damage("block state", good, run_chunk + 5, 7, 1);
  damage("orphan 0x42", good, map + 9, 0x42, 1);
  damage("chain loop", good, first + 8, first, 8);
  damage("two chains", good, 4096 + 256 + 8, first, 8);
  damage("next not a chunk", good, first + 8, 0x1234, 8);
  damage("root", good, 264, root_off + 32, 8);
  damage("clean flag", good, 256, 7, 8);
  damage("damaged record", pend, first + 16 + 16, 0x99, 1);
  free(img);
  return 0;
}
