/*
 * sim-fresh.c -- crash-simulator program: large fresh blocks (64 KiB and
 * more), which the runtime does not note whole for the commit's flush: only
 * the lines their (hooked) stores write are flushed
 *
 *   sim-fresh HEAP [ROUNDS]
 * Each round is one FASE (generation g -> g + 1) that allocates, in the
 * allocating function and with no call in between:
 *   a  pma_malloc(BIG), a constant size of 64 KiB or more: one word stored
 *      every STRIDE bytes and a 1 KiB memset (non-temporal: __pma_memset) (writes the pass used to elide
 *      as fresh-block writes, relying on a whole-block note);
 *   b  pma_malloc(n) of a size the compiler cannot see, written the same way;
 *   c  pma_calloc(1, BIG) (zeroed with non-temporal stores; from the third
 *      round on it reuses the memory of c freed two rounds before, which
 *      holds that round's words on the media), a few words stored into it,
 *      at offsets that move from round to round;
 *   d  pma_realloc of the previous round's d to 64 KiB more (the old bytes
 *      copied with non-temporal stores), its new part written;
 * frees the previous generation's a, b and c, and publishes the new blocks
 * in the root.  Check: each block of generation g holds its pattern at every
 * written word, c reads zero everywhere else, d holds every round's words.
 * A line of a committed block that never reached the media shows up as a
 * wrong word after a crash past the commit.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG (64u << 10) /* exactly PMA_FRESH_NOTE_MAX: the smallest block not noted whole */
#define STRIDE 16384u
#define DSTEP (64u << 10)
#define FILLAT 512u
#define FILLN 1024u
/* offset of c's words in generation g: moves, so that a calloc over the
 * block of generation g - 2 (same place, same size) finds its words where
 * only the zeroing can clear them */
#define COFF(g) (8u + (unsigned)((g) % 3) * 128u)

struct root {
  long gen;
  unsigned char *a, *b, *c, *d;
  size_t blen, dlen;
};
static struct root *r;
static volatile size_t vlen = BIG + 3 * STRIDE; /* a size the compiler cannot see */
static volatile size_t vfill = FILLN;           /* a memset the pass sends to __pma_memset */

/* val -- the word at offset i of block k in generation g (never 0) */
static long val(long g, int k, size_t i) { return (g * 131 + k * 17 + (long)(i / 8) * 7) | 1; }

/* bad -- report a wrong word */
static int bad(const char *when, long g, char k, size_t i, long got, long want) {
  printf("%s: gen %ld: block %c word at %zu is %#lx, expected %#lx\n", when, g, k, i, got, want);
  return 1;
}

/* check_pattern -- block k of generation g, n bytes, written by step() */
static int check_pattern(const char *when, long g, char k, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i += STRIDE) {
    long w;
    memcpy(&w, p + i, sizeof w);
    if (w != val(g, k, i))
      return bad(when, g, k, i, w, val(g, k, i));
  }
  for (size_t i = FILLAT; i < FILLAT + FILLN; i++)
    if (p[i] != (unsigned char)(g + k))
      return bad(when, g, k, i, p[i], (unsigned char)(g + k));
  return 0;
}

/* check -- 0 when every block of generation r->gen holds its data */
static int check(const char *when) {
  long g = r->gen;
  if (!g)
    return r->a || r->b || r->c || r->d ? bad(when, g, '-', 0, 1, 0) : 0;
  if (check_pattern(when, g, 'a', r->a, BIG) || check_pattern(when, g, 'b', r->b, r->blen))
    return 1;
  for (size_t i = 0; i < BIG; i += 8) {
    long w, want = i % STRIDE == COFF(g) ? val(g, 'c', i) : 0;
    memcpy(&w, r->c + i, sizeof w);
    if (w != want)
      return bad(when, g, 'c', i, w, want);
  }
  if (r->dlen != (size_t)g * DSTEP)
    return bad(when, g, 'd', 0, (long)r->dlen, g * (long)DSTEP);
  for (size_t i = 0; i < r->dlen; i += STRIDE) {
    long w, want = val(i / DSTEP + 1, 'd', i);
    memcpy(&w, r->d + i, sizeof w);
    if (w != want)
      return bad(when, g, 'd', i, w, want);
  }
  return 0;
}

/* step -- one FASE: generation g -> g + 1 */
static void step(void) {
  long g = r->gen + 1;
  pma_begin();
  unsigned char *a = pma_malloc(BIG);
  for (size_t i = 0; i < BIG; i += STRIDE)
    *(long *)(a + i) = val(g, 'a', i);
  memset(a + FILLAT, (unsigned char)(g + 'a'), vfill);
  size_t n = vlen;
  unsigned char *b = pma_malloc(n);
  for (size_t i = 0; i < n; i += STRIDE)
    *(long *)(b + i) = val(g, 'b', i);
  memset(b + FILLAT, (unsigned char)(g + 'b'), vfill);
  unsigned char *c = pma_calloc(1, BIG);
  for (size_t i = COFF(g); i < BIG; i += STRIDE)
    *(long *)(c + i) = val(g, 'c', i);
  size_t dlen = (size_t)g * DSTEP;
  unsigned char *d = pma_realloc(r->d, dlen);
  for (size_t i = dlen - DSTEP; i < dlen; i += STRIDE)
    *(long *)(d + i) = val(g, 'd', i);
  if (!a || !b || !c || !d) {
    printf("allocation failed: %s\n", pma_errormsg());
    exit(2);
  }
  pma_free(r->a);
  pma_free(r->b);
  pma_free(r->c);
  r->a = a;
  r->b = b;
  r->c = c;
  r->d = d;
  r->blen = n;
  r->dlen = dlen;
  r->gen = g;
  pma_end();
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  pma_heap *h;
  r = sim_open_root(argv[1], 2u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  for (int i = 0; i < rounds; i++)
    step();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
