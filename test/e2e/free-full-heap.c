// Freeing is always possible, even on a full heap: one thread allocates until
// pma_malloc fails; then a new thread, which never logged, frees blocks
// outside a FASE and inside one -- once while the filling thread sits inside
// a FASE of its own, so the new thread cannot reuse that thread's log slot
// and needs a first log chunk of its own, which the heap's reserve gives it --
// and allocation works again.  A FASE whose log must grow on the full heap
// still stops with the documented message, and the next open rolls it back.
// (Without the reserve the new thread's free aborted: "out of heap space for
// the undo log".)
// RUN: %cc-pma -O2 %s -o %t %link-pma
// RUN: rm -f %t.heap && %t free %t.heap 2>&1 | FileCheck %s --check-prefix=FREE
// RUN: not --crash %t store %t.heap 2>&1 | FileCheck %s --check-prefix=STORE
// RUN: %t after %t.heap 2>&1 | FileCheck %s --check-prefix=AFTER
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t free %t.heap 2>&1 | FileCheck %s --check-prefix=FREE
// FREE: full: {{[0-9]+}} large blocks, {{[0-9]+}} small blocks
// FREE-NEXT: idle filler: freed outside a FASE and inside one
// FREE-NEXT: busy filler: freed outside a FASE and inside one
// FREE-NEXT: allocating again: large ok, small ok
// FREE-NOT: fatal
// STORE: pmatomic: fatal: out of heap space for the undo log: no free 65536-byte chunk left
// AFTER: rolled back 1 FASE, block kept: ok
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXB 4096

struct root {
  long nlarge, nsmall, busy;
  char *large[64];
  char *small[MAXB];
};
static struct root *r;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int next_large; /* the next large block to free */

#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      printf("%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #c, pma_errormsg()); \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

/* freer -- a new thread: free one block outside a FASE, one inside */
static void *freer(void *arg) {
  (void)arg;
  char *a = r->large[next_large], *b = r->large[next_large + 1];
  pma_free(a); /* outside a FASE: a FASE of its own */
  pthread_mutex_lock(&lock);
  r->large[next_large] = r->large[next_large + 1] = NULL; /* logged stores */
  pma_free(b);
  pthread_mutex_unlock(&lock);
  next_large += 2;
  return NULL;
}

/* run_freer -- freer in a new thread, joined */
static void run_freer(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, freer, NULL) == 0);
  pthread_join(t, NULL);
}

/* fill -- allocate large blocks, then small ones, until pma_malloc fails */
static void fill(void) {
  for (;;) {
    pthread_mutex_lock(&lock);
    char *p = r->nlarge < 64 ? pma_malloc(200 << 10) : NULL;
    if (p)
      r->large[r->nlarge++] = p;
    pthread_mutex_unlock(&lock);
    if (!p)
      break;
  }
  for (;;) {
    pthread_mutex_lock(&lock);
    char *p = r->nsmall < MAXB ? pma_malloc(1000) : NULL;
    if (p)
      r->small[r->nsmall++] = p;
    pthread_mutex_unlock(&lock);
    if (!p)
      break;
  }
  CHECK(r->nsmall < MAXB && r->nlarge >= 4);
}

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  pma_heap *h = pma_open(argv[2], 4u << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  CHECK(r);
  if (!strcmp(argv[1], "free")) {
    fill();
    printf("full: %ld large blocks, %ld small blocks\n", r->nlarge, r->nsmall);
    run_freer(); /* the filler is idle: its slot and chain are free to reuse */
    printf("idle filler: freed outside a FASE and inside one\n");
    fill();
    pma_begin(); /* the filler keeps its slot while the new thread frees */
    r->busy++; /* a logged store: this FASE holds a log slot */
    run_freer();
    pma_end();
    printf("busy filler: freed outside a FASE and inside one\n");
    char *p = pma_malloc(200 << 10), *q = pma_malloc(1000);
    printf("allocating again: large %s, small %s\n", p ? "ok" : "NULL", q ? "ok" : "NULL");
    pma_free(p);
    pma_free(q);
    fill();
  } else if (!strcmp(argv[1], "store")) {
    /* the heap is full: a FASE whose log outgrows its first chunk stops */
    char *b = r->large[r->nlarge - 1];
    pthread_mutex_lock(&lock);
    memset(b, 5, 200 << 10);
    pthread_mutex_unlock(&lock);
    printf("WRONG: the FASE committed\n");
  } else if (!strcmp(argv[1], "after")) {
    const struct pma_recovery_info *ri = pma_recovery(h);
    char *b = r->large[r->nlarge - 1];
    int kept = 1;
    for (long i = 0; i < (200 << 10); i++)
      kept &= b[i] != 5;
    printf("rolled back %llu FASE, block kept: %s\n", (unsigned long long)ri->fases_rolled_back,
           kept ? "ok" : "WRONG");
  }
  return pma_close(h) ? 1 : 0;
}
