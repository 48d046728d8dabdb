/*
 * sim-records.c -- crash-simulator program: every shape of store the undo log
 * has to get right
 *
 *   sim-records HEAP [ROUNDS]
 * Each FASE moves the whole root from generation g to g+1 with: single-byte
 * stores to neighbouring bytes of one word (the filter's byte masks), an
 * 8-byte store followed by a 16-byte store over it (the same bytes logged
 * twice: rollback must apply the oldest record last), a 512-byte copy
 * (records spanning cache lines), an unaligned odd-sized copy of 3001 bytes
 * (a non-temporal record with a partial last word), and a 100000-byte memset
 * of a large block (a store split into several records that crosses log
 * chunks, then a second one over the same bytes).  Every third FASE also
 * replaces the large block (large allocation and free).  Check: every field
 * matches one generation, and the large block is live.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG 100000
#define ODD 3001

struct pair {
  long a, b;
};
struct root {
  long gen;
  unsigned char bytes[16];
  struct pair p;
  long words[64];
  char odd[ODD + 7];
  unsigned char *big;
};
static struct root *r;
static volatile size_t zero; /* keeps the compiler from reshaping some stores */

/* val -- the value of field i in generation g (generation 0: the zeroed root) */
static long val(long g, long i) { return g ? g * 1000003 + i * 7919 : 0; }

/* check -- 0 when every field belongs to generation r->gen */
static int check(const char *when) {
  long g = r->gen;
  for (int i = 0; i < 16; i++)
    if (r->bytes[i] != (unsigned char)val(g, i)) {
      printf("%s: gen %ld: bytes[%d] is %u, expected %u\n", when, g, i, r->bytes[i],
             (unsigned char)val(g, i));
      return 1;
    }
  if (r->p.a != val(g, 100) || r->p.b != val(g, 101)) {
    printf("%s: gen %ld: pair is %ld/%ld, expected %ld/%ld\n", when, g, r->p.a, r->p.b,
           val(g, 100), val(g, 101));
    return 1;
  }
  for (int i = 0; i < 64; i++)
    if (r->words[i] != val(g, 200 + i)) {
      printf("%s: gen %ld: words[%d] is %ld, expected %ld\n", when, g, i, r->words[i],
             val(g, 200 + i));
      return 1;
    }
  for (int i = 0; i < ODD; i++)
    if (r->odd[1 + i] != (char)val(g, 300 + i)) {
      printf("%s: gen %ld: odd[%d] is %d, expected %d\n", when, g, i, r->odd[1 + i],
             (char)val(g, 300 + i));
      return 1;
    }
  if (g == 0 && !r->big)
    return 0;
  if (!r->big || !pma_is_heap(r->big, BIG) || pma_usable_size(r->big) < BIG) {
    printf("%s: gen %ld: the large block %p is not a live block of %d bytes\n", when, g,
           (void *)r->big, BIG);
    return 1;
  }
  for (int i = 0; i < BIG; i += 97)
    if (r->big[i] != (unsigned char)g) {
      printf("%s: gen %ld: big[%d] is %u, expected %u\n", when, g, i, r->big[i], (unsigned char)g);
      return 1;
    }
  if (r->big[BIG - 1] != (unsigned char)g) {
    printf("%s: gen %ld: big's last byte is %u\n", when, g, r->big[BIG - 1]);
    return 1;
  }
  return 0;
}

/* step -- one FASE: generation g -> g + 1 */
static void step(void) {
  long g = r->gen + 1;
  char odd[ODD];
  long words[64];
  pma_begin();
  r->gen = g;
  for (int i = 0; i < 16; i++)
    ((volatile unsigned char *)r->bytes)[i] = (unsigned char)val(g, i); /* a byte at a time */
  /* an 8-byte store, then a 16-byte one over it: a is logged twice */
  *(volatile long *)&r->p.a = -g;
  struct pair np = {val(g, 100), val(g, 101)};
  memcpy(&r->p, &np, sizeof np + zero);
  for (int i = 0; i < 64; i++)
    words[i] = val(g, 200 + i);
  memcpy(r->words, words, sizeof words);
  for (int i = 0; i < ODD; i++)
    odd[i] = (char)val(g, 300 + i);
  memcpy(r->odd + 1, odd, ODD);
  if (!r->big || g % 3 == 0) {
    unsigned char *nb = pma_malloc(BIG);
    if (!nb) {
      printf("out of heap: %s\n", pma_errormsg());
      exit(2);
    }
    memset(nb, (unsigned char)(g - 1), BIG); /* fresh block: as if it had the old contents */
    pma_free(r->big);
    r->big = nb;
  }
  /* two passes over the large block: the second logs bytes already stored */
  memset(r->big, 0xee, BIG - 8);
  memset(r->big, (unsigned char)g, BIG);
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
  for (int i = 0; i < rounds; i++)
    step();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
