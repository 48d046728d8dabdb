/*
 * sim-split.c -- crash-simulator program: stores long enough to be logged as
 * several records, over bytes the same FASE stored before
 *
 *   sim-split HEAP [ROUNDS]
 * Each FASE overwrites PAIRS ranges of a large block twice: 16384 bytes,
 * then 16392 bytes from the same start.  The second store is logged again
 * (it is longer than the logged range) as a 16376-byte record and a 16-byte
 * one whose saved bytes partly differ from the media (the first store is not
 * durable yet).  If both records shared one fence, a power failure could
 * tear the first and keep the second, and recovery would take the log for
 * one damaged in the middle and refuse the heap.  Check: the heap opens and
 * every range holds the generation's byte.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAIRS 6
#define SPAN 16392
struct root {
  long gen;
  unsigned char *b;
};

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 2;
  pma_heap *h;
  struct root *r = sim_open_root(argv[1], 2u << 20, sizeof *r, &h);
  if (!r->b) {
    pma_begin();
    r->b = pma_calloc(PAIRS, SPAN);
    pma_end();
    if (!r->b) {
      printf("out of heap: %s\n", pma_errormsg());
      return 2;
    }
  }
  if (pma_usable_size(r->b) < PAIRS * SPAN) {
    printf("after recovery: the block %p is not live\n", (void *)r->b);
    return 1;
  }
  for (long i = 0; i < PAIRS * SPAN; i++)
    if (r->b[i] != (unsigned char)r->gen) {
      printf("after recovery: gen %ld: byte %ld is %u\n", r->gen, i, r->b[i]);
      return 1;
    }
  for (int k = 0; k < rounds; k++) {
    pma_begin();
    long g = ++r->gen;
    for (int p = 0; p < PAIRS; p++) {
      memset(r->b + p * SPAN, 0xee, SPAN - 8);
      memset(r->b + p * SPAN, (unsigned char)g, SPAN);
    }
    pma_end();
  }
  pma_close(h);
  return 0;
}
