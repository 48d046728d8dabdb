// Per-thread block caches (design.md section 6): blocks a thread holds in its
// cache are free on the media and go back to their runs when the thread
// exits.  Threads that allocate and free concurrently never get one block
// twice.  Counted in 8192-byte blocks of a small heap: a thread that exits
// with blocks cached (freed outside a FASE or inside one) leaves every block
// allocatable by the others; concurrent threads that exit lose none (counted
// after a reopen, which turns their empty runs back into free chunks); a
// crash while blocks sit in a cache, some of them just taken by the FASE that
// crashes, loses none either.
// RUN: %clang -O2 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: 4 threads x 20000 allocations: no block handed out twice
// CHECK-NEXT: heap holds [[N:[0-9]+]] blocks of 8192 bytes
// CHECK-NEXT: exit after frees outside a FASE: [[N]] blocks allocatable
// CHECK-NEXT: exit after frees inside a FASE: [[N]] blocks allocatable
// CHECK-NEXT: 4 threads again, reopened: [[N]] blocks allocatable
// CHECK-NEXT: crash with blocks cached: 1 FASE rolled back, [[N]] - 3 blocks allocatable
#include "runtime-test.h"
#include <pthread.h>

#define BIG 8192
#define MAXB 1024
struct root { void *keep[3]; void *got[2]; };
static const char *path;
static pma_heap *heap;
static pthread_barrier_t bar;

/* count_all -- allocate BIG blocks until the heap is full, free them all
 * (inside one FASE when in_fase); how many there were */
static int count_all(int in_fase) {
  void *b[MAXB];
  int n = 0;
  while (n < MAXB && (b[n] = pma_malloc(BIG)))
    n++;
  CHECK(n < MAXB);
  if (in_fase)
    pma_begin();
  for (int i = 0; i < n; i++)
    pma_free(b[i]);
  if (in_fase)
    pma_end();
  return n;
}

/* counter -- thread body: count_all, then exit with the frees cached */
static void *counter(void *arg) {
  return (void *)(long)count_all((int)(long)arg);
}

/* in_thread -- run counter(in_fase) in a thread that exits; its count */
static int in_thread(int in_fase) {
  pthread_t th;
  void *n;
  CHECK(pthread_create(&th, NULL, counter, (void *)(long)in_fase) == 0);
  CHECK(pthread_join(th, &n) == 0);
  return (int)(long)n;
}

/* churn -- allocate and free mixed sizes; every live block carries its
 * owner's tag, checked before the free: a block handed out twice shows */
static void *churn(void *arg) {
  unsigned seed = (unsigned)(long)arg, tag = 0x5a000000u | (unsigned)(long)arg;
  void *live[32] = {0};
  /* the same 4 log slots (and log chunks) every time: all held at once (a
   * logged store, then the barrier inside the FASE).  A slot goes back at
   * each commit and a thread claims its last one first, so each thread then
   * keeps its own; claimed one after the other, all four could name one
   * slot as their last and race for it, and the losers would take (and
   * chain) slots no earlier run had. */
  long *w = pma_malloc(sizeof *w);
  CHECK(w);
  pma_begin();
  ST(*w, 1);
  pthread_barrier_wait(&bar);
  pma_end();
  pma_free(w);
  for (int i = 0; i < 20000; i++) {
    int k = (int)(rand_r(&seed) % 32);
    if (live[k]) {
      CHECK(*(unsigned *)live[k] == tag);
      pma_begin();
      pma_free(live[k]);
      pma_end();
      live[k] = NULL;
    }
    size_t sz = 16 + rand_r(&seed) % (i % 7 ? 256 : 2048);
    pma_begin(); /* inside a FASE: logged, then not written again */
    live[k] = pma_malloc(sz);
    pma_end();
    CHECK(live[k]);
    *(unsigned *)live[k] = tag;
  }
  for (int k = 0; k < 32; k++)
    if (live[k]) {
      CHECK(*(unsigned *)live[k] == tag);
      pma_free(live[k]);
    }
  pthread_barrier_wait(&bar);
  return NULL;
}

/* c_crash -- keep 3 blocks, cache the others' frees, crash in a FASE that
 * took 2 of them from the cache */
static void c_crash(void *arg) {
  (void)arg;
  heap = pma_open(path, 0);
  CHECK(heap);
  struct root *r = pma_root(heap, sizeof *r);
  void *b[MAXB];
  int n = 0;
  while (n < MAXB && (b[n] = pma_malloc(BIG)))
    n++;
  pma_begin();
  for (int i = 0; i < 3; i++)
    ST(r->keep[i], b[i]);
  for (int i = 3; i < n; i++)
    pma_free(b[i]);
  pma_end();
  pma_begin();
  for (int i = 0; i < 2; i++) {
    void *p = pma_malloc(BIG);
    CHECK(p);
    ST(r->got[i], p);
  }
  crash(CRASH_KILL);
}

/* reopen -- close and open the heap: empty runs become free chunks again */
static void reopen(void) {
  CHECK(pma_close(heap) == 0);
  heap = pma_open(path, 0);
  CHECK(heap);
}

/* run_churn -- 4 threads of churn at once, each in a reopened heap */
static void run_churn(void) {
  reopen();
  pthread_t th[4];
  for (long i = 0; i < 4; i++)
    CHECK(pthread_create(&th[i], NULL, churn, (void *)(i + 1)) == 0);
  for (int i = 0; i < 4; i++)
    CHECK(pthread_join(th[i], NULL) == 0);
  reopen();
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  CHECK(pthread_barrier_init(&bar, NULL, 4) == 0);
  heap = pma_open(path, 4 << 20);
  CHECK(heap);
  CHECK(pma_root(heap, sizeof(struct root)));
  run_churn(); /* also gives the log slots of 4 threads their log chunks */
  printf("4 threads x 20000 allocations: no block handed out twice\n");
  int n = in_thread(0);
  printf("heap holds %d blocks of %d bytes\n", n, BIG);
  printf("exit after frees outside a FASE: %d blocks allocatable\n", in_thread(0));
  printf("exit after frees inside a FASE: %d blocks allocatable\n", in_thread(1));
  run_churn();
  printf("4 threads again, reopened: %d blocks allocatable\n", in_thread(0));
  CHECK(pma_close(heap) == 0);

  CHECK(crashed(in_child(c_crash, NULL)));
  heap = pma_open(path, 0);
  CHECK(heap);
  struct root *r = pma_root(heap, 0);
  CHECK(r->got[0] == NULL && r->got[1] == NULL);
  for (int i = 0; i < 3; i++)
    CHECK(pma_usable_size(r->keep[i]) == BIG);
  int m = in_thread(0);
  CHECK(m == n - 3);
  printf("crash with blocks cached: %llu FASE rolled back, %d - 3 blocks allocatable\n",
         (unsigned long long)pma_recovery(heap)->fases_rolled_back, n);
  CHECK(pma_close(heap) == 0);
  return 0;
}
