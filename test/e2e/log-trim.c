// Log chunks go back to the heap: a 5 MiB FASE grows its thread's log chain
// to some 80 chunks; after its retire the chain is trimmed back to a few, so
// a 16 MiB heap holding a few bytes can allocate 8 MiB again -- in the same
// process, after a close and reopen, and after a crash inside the big FASE
// (the open trims the chain once recovery has rolled the FASE back).
// `pmatomic info` shows the log bytes each thread log holds.  (Without the
// trim the 8 MiB allocation failed: "no 128 contiguous free 65536-byte
// chunks".)
// RUN: %cc-pma -O2 %s -o %t %link-pma
// RUN: rm -f %t.heap && %t run %t.heap | FileCheck %s --check-prefix=BIG
// RUN: %pmatomic info %t.heap | FileCheck %s --check-prefix=INFO
// RUN: %t reopen %t.heap | FileCheck %s --check-prefix=REOPEN
// RUN: not --crash %t crash %t.heap | FileCheck %s --check-prefix=CRASH
// RUN: %pmatomic info %t.heap | FileCheck %s --check-prefix=LONG
// RUN: %t reopen %t.heap | FileCheck %s --check-prefix=REOPEN
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t run %t.heap | FileCheck %s --check-prefix=BIG
// RUN: env PMA_MODE=pmem %t reopen %t.heap | FileCheck %s --check-prefix=REOPEN
// BIG-NOT: NULL
// BIG: big FASE done: 5242880 bytes of 7
// BIG-NEXT: 8 MiB after the big FASE: ok
// BIG-NEXT: again: ok
// INFO: thread log 0: {{[1-3]}} chunks ({{64|128|192}}.0 KiB)
// INFO: thread logs:   1 in use, 0 with a pending FASE (0 records, 0 bytes), {{64|128|192}}.0 KiB of log chunks
// REOPEN: reopened: 5242880 bytes of 7, 8 MiB: ok
// CRASH: crashing inside the big FASE
// LONG: thread log 0: {{[89][0-9]}} chunks
// LONG: 1 with a pending FASE
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG (5u << 20)

struct root {
  char *big;
  long sum;
};
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* fits -- can the heap give 8 MiB in one block right now */
static int fits(void) {
  void *p = pma_malloc(8u << 20);
  if (!p) {
    printf("8 MiB: NULL: %s\n", pma_errormsg());
    return 0;
  }
  pma_free(p);
  return 1;
}

/* count -- how many bytes of the block hold c */
static long count(const char *b, char c) {
  long n = 0;
  for (size_t i = 0; i < BIG; i++)
    n += b[i] == c;
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  pma_heap *h = pma_open(argv[2], 16u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 1;
  }
  struct root *r = pma_root(h, sizeof *r);
  if (!strcmp(argv[1], "run")) {
    pthread_mutex_lock(&lock);
    r->big = pma_malloc(BIG);
    pthread_mutex_unlock(&lock);
    if (!r->big) {
      printf("5 MiB: NULL: %s\n", pma_errormsg());
      return 1;
    }
    pthread_mutex_lock(&lock); /* one FASE: 5 MiB of undo log */
    memset(r->big, 7, BIG);
    pthread_mutex_unlock(&lock);
    printf("big FASE done: %ld bytes of 7\n", count(r->big, 7));
    printf("8 MiB after the big FASE: %s\n", fits() ? "ok" : "FAILED");
    printf("again: %s\n", fits() ? "ok" : "FAILED");
  } else if (!strcmp(argv[1], "reopen")) {
    printf("reopened: %ld bytes of 7, 8 MiB: %s\n", count(r->big, 7), fits() ? "ok" : "FAILED");
  } else if (!strcmp(argv[1], "crash")) {
    pthread_mutex_lock(&lock);
    memset(r->big, 9, BIG);
    printf("crashing inside the big FASE\n");
    fflush(stdout);
    abort(); /* the next open rolls the FASE back, then trims the chain */
  }
  return pma_close(h) ? 1 : 0;
}
