// Out of heap space: pma_malloc returns NULL with a message, outside a FASE
// and inside one (the FASE goes on and commits); a FASE whose undo log cannot
// grow aborts with a clear message instead of corrupting anything, and the
// heap then recovers.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap 2>&1 | FileCheck %s
// CHECK: outside: NULL: out of heap space: no 4 contiguous free 65536-byte chunks
// CHECK-NEXT: inside: NULL: out of heap space: no free 65536-byte chunk for a run of 8192-byte blocks
// CHECK-NEXT: inside: FASE committed, value kept
// CHECK-NEXT: pmatomic: fatal: out of heap space for the undo log
// CHECK-NEXT: log full: child aborted, rolled back 1, value kept
#include "runtime-test.h"

static const char *path;
struct root { long v; char *big; };

/* child -- fill the log of one FASE until the heap has no chunk left */
static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->v, 99);
  struct rlimit no = {0, 0};
  setrlimit(RLIMIT_CORE, &no); /* the abort below is expected */
  /* 24576 distinct words, 24 bytes of log each: the log outgrows the free
   * chunks long before the loop ends. */
  long *w = (long *)r->big;
  for (long i = 0; i < 3 * 65536 / 8; i++)
    ST(w[i], i);
  pma_end();
  _exit(0);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 1 << 20); /* 14 data chunks */
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->v, 1);
  ST(r->big, pma_malloc(3 * 65536));
  CHECK(r->big);
  pma_end();
  void *fill[64];
  int n = 0;
  while ((fill[n] = pma_malloc(2 * 65536)))
    n++;
  void *p = pma_malloc(4 * 65536);
  printf("outside: %s: %s\n", p ? "not NULL" : "NULL", pma_errormsg());
  pma_begin();
  ST(r->v, 2);
  void *blocks[64];
  int k = 0;
  while ((blocks[k] = pma_malloc(8192)))
    k++;
  printf("inside: NULL: %s\n", pma_errormsg());
  ST(r->v, 3);
  pma_end();
  CHECK(r->v == 3);
  printf("inside: FASE committed, value kept\n");
  fflush(stdout);
  for (int i = 0; i < k; i++)
    pma_free(blocks[i]);
  for (int i = 0; i < n; i++)
    pma_free(fill[i]);
  /* leave only a few chunks free for the child's log */
  for (n = 0; n < 64 && (fill[n] = pma_malloc(65536)); n++)
    ;
  for (int i = 0; i < 3 && n > 0; i++)
    pma_free(fill[--n]);
  CHECK(pma_close(h) == 0);

  int st = in_child(child, NULL);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  printf("log full: child aborted, rolled back %llu, value %s\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back, r->v == 3 ? "kept" : "LOST");
  CHECK(pma_close(h) == 0);
  return 0;
}
