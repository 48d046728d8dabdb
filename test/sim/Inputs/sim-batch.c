/*
 * sim-batch.c -- crash-simulator program: multi-range batch hooks whose
 * ranges were partly logged already when the dirty list overflows
 *
 *   sim-batch HEAP [ROUNDS]
 * Built with the plugin at -O2; sets PMA_TEST_DIRTY_CAP=64 for itself.  Each FASE
 * k stores the generation and `a`, then n_k distinct lines of a block (the
 * thread's dirty list fills up), then `a` again and `b` in one block: one
 * batch hook whose range for `a` is already logged (filtered) and whose
 * range for `b` is new.  n_k runs over 56..63, so in some FASEs that new
 * range overflows the 64-entry dirty list, which is flushed and emptied
 * before the stores of the batch run: the batch hook must note `a` again
 * although it logged nothing for it, or the commit does not flush a's last
 * store.  Check: a == -b, b == gen, every line of the block written by FASE
 * gen holds gen.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define NLINES 64
#define STRIDE 16 /* longs: 128 bytes, so no two noted ranges merge */

struct root {
  long gen, pad1[15];
  long a, pad2[15];
  long b, pad3[15];
  long n; /* lines FASE gen wrote */
  long *arr;
};
static struct root *r;

/* check -- 0 when the root and the block belong to generation r->gen */
static int check(const char *when) {
  if (r->a != -r->b || r->b != r->gen) {
    printf("%s: gen %ld: a %ld, b %ld (expected a == -b, b == gen)\n", when, r->gen, r->a,
           r->b);
    return 1;
  }
  if (r->gen && (!r->arr || !pma_is_heap(r->arr, NLINES * STRIDE * sizeof(long)))) {
    printf("%s: gen %ld: the block %p is not in the heap\n", when, r->gen, (void *)r->arr);
    return 1;
  }
  for (long i = 0; r->gen && i < r->n; i++)
    if (r->arr[i * STRIDE] != r->gen) {
      printf("%s: gen %ld: line %ld holds %ld\n", when, r->gen, i, r->arr[i * STRIDE]);
      return 1;
    }
  return 0;
}

/* step -- one FASE: generation g -> g + 1 */
static void step(void) {
  long g = r->gen + 1, n = 56 + g % 8;
  pma_begin();
  r->gen = g;
  r->a = g;
  r->n = n;
  long *arr = r->arr;
  for (long i = 0; i < n; i++)
    arr[i * STRIDE] = g;
  r->a = -g;
  r->b = g;
  pma_end();
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 8;
  setenv("PMA_TEST_DIRTY_CAP", "64", 0); /* a short dirty list: a few stores fill it */
  pma_heap *h;
  r = sim_open_root(argv[1], 4u << 20, sizeof *r, &h);
  if (!r->arr) {
    pma_begin();
    r->arr = pma_calloc(NLINES * STRIDE, sizeof(long));
    pma_end();
    if (!r->arr) {
      printf("out of heap: %s\n", pma_errormsg());
      return 2;
    }
  }
  if (check("after recovery"))
    return 1;
  for (int i = 0; i < rounds; i++)
    step();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
