/*
 * sim-ntcopy.c -- crash-simulator program: large memcpy/memmove/memset inside
 * FASEs, which the pass sends to __pma_memcpy/memmove/memset and the runtime
 * writes with non-temporal stores that only the commit's fence drains
 *
 *   sim-ntcopy HEAP [ROUNDS]
 * Each round runs two FASEs.  The first moves the root from generation g to
 * g+1: a memcpy of a variable, odd length to an unaligned address (partial
 * lines at both ends), two plain stores into the bytes just copied (they must
 * be logged and flushed again: the copy's range is not on the dirty list), a
 * memset of a constant 8 KiB minus 3 bytes, and an overlapping memmove of
 * 2 KiB within a third array.  The second writes nothing but non-temporal
 * copies, so its commit has no dirty line to flush: a memcpy into a pair's
 * first array (its first word holds the pair's generation) and a memset of
 * the second.  Check: every byte belongs to generation r->gen, and both
 * arrays of the pair to the pair's generation.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY 3001
#define FILL (8192 - 3)
#define MOVE 2048
#define SHIFT 40
#define PAIR 2048

struct root {
  long gen;
  unsigned char copy[COPY + 64];
  unsigned char fill[FILL + 8];
  unsigned char move[MOVE + SHIFT];
  long pad;
  union {
    long gen; /* the pair's generation, copied with the rest */
    unsigned char b[PAIR];
  } pa;
  unsigned char pb[PAIR - 5];
};
static struct root *r;
static volatile size_t copy_len = COPY; /* a length the compiler cannot see */

/* val -- byte i of array k in generation g (0: the zeroed root) */
static unsigned char val(long g, int k, long i) {
  return g ? (unsigned char)(g * 31 + k * 7 + i * 13 + (i >> 8)) : 0;
}

/* bad -- report byte i of array name */
static int bad(const char *when, long g, const char *name, long i, unsigned got, unsigned want) {
  printf("%s: gen %ld: %s[%ld] is %u, expected %u\n", when, g, name, i, got, want);
  return 1;
}

/* check -- 0 when every byte belongs to generation r->gen */
static int check(const char *when) {
  long g = r->gen;
  for (long i = 0; i < COPY; i++)
    if (r->copy[1 + i] != val(g, 1, i))
      return bad(when, g, "copy", i, r->copy[1 + i], val(g, 1, i));
  for (long i = 0; i < FILL; i++)
    if (r->fill[i] != (unsigned char)g)
      return bad(when, g, "fill", i, r->fill[i], (unsigned char)g);
  /* move[SHIFT..] holds generation g's pattern, shifted from move[0..] */
  for (long i = 0; i < MOVE; i++)
    if (r->move[SHIFT + i] != val(g, 3, i))
      return bad(when, g, "move", SHIFT + i, r->move[SHIFT + i], val(g, 3, i));
  long h = r->pa.gen;
  for (long i = sizeof(long); i < PAIR; i++)
    if (r->pa.b[i] != val(h, 4, i))
      return bad(when, h, "pair.a", i, r->pa.b[i], val(h, 4, i));
  for (long i = 0; i < PAIR - 5; i++)
    if (r->pb[i] != (unsigned char)h)
      return bad(when, h, "pair.b", i, r->pb[i], (unsigned char)h);
  return 0;
}

/* pair_step -- one FASE of non-temporal copies only: the pair's generation
 * h -> h + 1 */
static void pair_step(void) {
  static union {
    long gen;
    unsigned char b[PAIR];
  } src;
  pma_begin();
  long h = r->pa.gen + 1;
  for (long i = sizeof(long); i < PAIR; i++)
    src.b[i] = val(h, 4, i);
  src.gen = h;
  memcpy(&r->pa, &src, copy_len - COPY + PAIR);
  memset(r->pb, (unsigned char)h, PAIR - 5);
  pma_end();
}

/* step -- one FASE: generation g -> g + 1 */
static void step(void) {
  long g = r->gen + 1;
  static unsigned char src[COPY], pat[MOVE];
  for (long i = 0; i < COPY; i++)
    src[i] = val(g, 1, i) ^ (i == 10 || i == 2000 ? 0xff : 0); /* two bytes wrong */
  for (long i = 0; i < MOVE; i++)
    pat[i] = val(g, 3, i);
  pma_begin();
  r->gen = g;
  memcpy(r->copy + 1, src, copy_len);
  /* fix the two bytes with plain stores over the copy */
  ((volatile unsigned char *)r->copy)[1 + 10] = val(g, 1, 10);
  ((volatile unsigned char *)r->copy)[1 + 2000] = val(g, 1, 2000);
  memset(r->fill, (unsigned char)g, FILL);
  /* the pattern goes to move[0..], then moves up by SHIFT over itself */
  memcpy(r->move, pat, copy_len - COPY + MOVE);
  memmove(r->move + SHIFT, r->move, copy_len - COPY + MOVE);
  pma_end();
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  pma_heap *h;
  r = sim_open_root(argv[1], 4u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  for (int i = 0; i < rounds; i++) {
    step();
    pair_step();
  }
  int bad = check("after run");
  pma_close(h);
  return bad;
}
