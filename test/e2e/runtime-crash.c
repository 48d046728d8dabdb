// A FASE interrupted by _exit, abort() or SIGKILL is rolled back when the heap
// is reopened, and pma_recovery() counts it; a committed FASE followed by the
// same crash is kept.  Crashes outside a FASE keep earlier FASEs.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: exit: rolled back 1 FASE, 4 records, 224 bytes, 1 thread log
// CHECK-NEXT: abort: rolled back 1 FASE, 4 records, 224 bytes, 1 thread log
// CHECK-NEXT: kill: rolled back 1 FASE, 4 records, 224 bytes, 1 thread log
// CHECK-NEXT: committed then killed: rolled back 0 FASEs, values kept
// CHECK-NEXT: killed between FASEs: rolled back 0 FASEs, values kept
// CHECK-NEXT: killed after recovery: was_clean=0 rolled back 0, values kept
#include "runtime-test.h"

struct root { long a, b; char pad[200]; long c; long gen; };
static const char *path;

/* child -- open, one committed FASE, then a FASE the child does not finish */
static void child(void *arg) {
  int how = (int)(long)arg & 0xff, stage = (int)(long)arg >> 8;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->gen, r->gen + 1);
  pma_end();
  if (stage == 2) /* between FASEs */
    crash(how);
  pma_begin();
  ST(r->a, -1);
  ST(r->b, -2);
  ST(r->a, -3); /* filtered: a is logged already */
  MEMSET(r->pad, 0x55, sizeof r->pad);
  ST(r->c, -4);
  if (stage == 1)
    pma_end();
  crash(how);
}

/* recover_then_die -- open (recovering one FASE) and die without closing */
static void recover_then_die(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h && pma_recovery(h)->fases_rolled_back == 1);
  crash(CRASH_KILL);
}

/* run -- crash a child with how/stage, reopen, report */
static void run(const char *label, int how, int stage) {
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->a, 1);
  ST(r->b, 2);
  MEMSET(r->pad, 7, sizeof r->pad);
  ST(r->c, 3);
  pma_end();
  long gen = r->gen;
  CHECK(pma_close(h) == 0);

  int st = in_child(child, (void *)(long)(how | stage << 8));
  CHECK(crashed(st));

  h = pma_open(path, 0);
  CHECK(h);
  const struct pma_recovery_info *ri = pma_recovery(h);
  CHECK(!ri->was_clean);
  r = pma_root(h, 0);
  CHECK(r->gen == gen + 1);
  if (stage == 0) {
    CHECK(r->a == 1 && r->b == 2 && r->c == 3);
    for (size_t i = 0; i < sizeof r->pad; i++)
      CHECK(r->pad[i] == 7);
    /* a, b, pad, c: four records; the second store to a was filtered */
    printf("%s: rolled back %llu FASE, %llu records, %llu bytes, %llu thread log\n", label,
           (unsigned long long)ri->fases_rolled_back, (unsigned long long)ri->records_applied,
           (unsigned long long)ri->bytes_restored, (unsigned long long)ri->threads_recovered);
  } else {
    CHECK(ri->fases_rolled_back == 0);
    if (stage == 1) {
      CHECK(r->a == -3 && r->b == -2 && r->c == -4 && r->pad[0] == 0x55 && r->pad[199] == 0x55);
      printf("committed then killed: rolled back %llu FASEs, values kept\n",
             (unsigned long long)ri->fases_rolled_back);
    } else {
      CHECK(r->a == 1 && r->b == 2 && r->c == 3);
      printf("killed between FASEs: rolled back %llu FASEs, values kept\n",
             (unsigned long long)ri->fases_rolled_back);
    }
  }
  CHECK(pma_close(h) == 0);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 4 << 20);
  CHECK(h);
  CHECK(pma_close(h) == 0);
  run("exit", CRASH_EXIT, 0);
  run("abort", CRASH_ABORT, 0);
  run("kill", CRASH_KILL, 0);
  run("committed", CRASH_KILL, 1);
  run("between", CRASH_KILL, 2);

  /* Recovery retires the FASE: a crash right after recovery leaves nothing
   * more to undo. */
  int st = in_child(child, (void *)(long)CRASH_KILL);
  CHECK(crashed(st));
  st = in_child(recover_then_die, NULL);
  CHECK(crashed(st));
  h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  CHECK(r->a == 1 && r->b == 2 && r->c == 3 && r->pad[0] == 7);
  printf("killed after recovery: was_clean=%d rolled back %llu, values kept\n",
         pma_recovery(h)->was_clean, (unsigned long long)pma_recovery(h)->fases_rolled_back);
  CHECK(pma_close(h) == 0);
  return 0;
}
