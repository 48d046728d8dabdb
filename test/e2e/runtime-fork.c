// fork() with a heap open (design.md section 5, "fork"): the child gives the
// heap up.  It can still read the data (the mapping is read-only in the
// child), every API call naming the heap fails with a message, the store
// hooks do nothing, a store to the heap faults instead of reaching the file,
// and it cannot open the heap again (the parent holds the flock).  A child
// forked inside a FASE does not commit the parent's FASE.  The parent goes on
// using the heap, and the file holds exactly the parent's data.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// CHECK: child reads a=1 b=1
// CHECK-NEXT: child pma_root: pma_root: heap {{.*}}.heap was opened by process {{[0-9]+}}, which forked this process; a forked child cannot use the heap (it is read-only here): use it in the parent, or exec
// CHECK-NEXT: child pma_malloc: pma_malloc: heap {{.*}} was opened by process {{[0-9]+}}, which forked this process; {{.*}}
// CHECK-NEXT: child pma_close: -1: pma_close: heap {{.*}} was opened by process {{[0-9]+}}, {{.*}}
// CHECK-NEXT: child pma_open: pma_open: heap {{.*}} was opened by process {{[0-9]+}}, {{.*}}
// CHECK-NEXT: child pma_heap_current: (nil), pma_is_heap: 0, hooked store: SIGSEGV
// CHECK-NEXT: child forked inside a FASE: pma_in_fase 0, a=2 (read-only view)
// CHECK-NEXT: parent: a=3 b=3, reopened: a=3 b=3 was_clean=1
#include "runtime-test.h"

struct root { long a, b; };
static const char *path;
static pma_heap *heap;
static struct root *root;

/* storer -- a hooked store to the heap in a process that must not write it */
static void storer(void *arg) {
  (void)arg;
  signal(SIGSEGV, SIG_DFL); /* a sanitizer's handler would turn the fault into exit(1) */
  ST(root->a, 99);
  _exit(0);
}

/* child -- everything a forked child might try */
static void child(void *arg) {
  (void)arg;
  printf("child reads a=%ld b=%ld\n", root->a, root->b);
  CHECK(pma_root(heap, 0) == NULL);
  printf("child pma_root: %s\n", pma_errormsg());
  CHECK(pma_malloc(16) == NULL);
  printf("child pma_malloc: %s\n", pma_errormsg());
  int rc = pma_close(heap);
  printf("child pma_close: %d: %s\n", rc == -EPERM ? -1 : rc, pma_errormsg());
  CHECK(pma_open(path, 0) == NULL);
  printf("child pma_open: %s\n", pma_errormsg());
  int st = in_child(storer, NULL);
  printf("child pma_heap_current: %p, pma_is_heap: %d, hooked store: %s\n",
         (void *)pma_heap_current(), pma_is_heap(root, 8),
         WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? "SIGSEGV" : "NOT REFUSED");
  fflush(stdout);
}

/* child_in_fase -- forked while the parent was inside a FASE */
static void child_in_fase(void *arg) {
  (void)arg;
  printf("child forked inside a FASE: pma_in_fase %d, a=%ld (read-only view)\n", pma_in_fase(),
         root->a);
  fflush(stdout);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  heap = pma_open(path, 1 << 20);
  CHECK(heap);
  root = pma_root(heap, sizeof *root);
  pma_begin();
  ST(root->a, 1);
  ST(root->b, 1);
  pma_end();

  int st = in_child(child, NULL);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

  pma_begin();
  ST(root->a, 2);
  st = in_child(child_in_fase, NULL);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  ST(root->b, 2);
  pma_end();

  pma_begin();
  ST(root->a, 3);
  ST(root->b, 3);
  pma_end();
  printf("parent: a=%ld b=%ld, ", root->a, root->b);
  CHECK(pma_close(heap) == 0);
  heap = pma_open(path, 0);
  CHECK(heap);
  root = pma_root(heap, 0);
  printf("reopened: a=%ld b=%ld was_clean=%d\n", root->a, root->b,
         pma_recovery(heap)->was_clean);
  CHECK(pma_close(heap) == 0);
  return 0;
}
