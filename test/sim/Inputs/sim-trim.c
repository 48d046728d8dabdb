/*
 * sim-trim.c -- crash-simulator program: log chains trimmed after a large
 * FASE, their chunks reused as data at once
 *
 *   sim-trim HEAP [ROUNDS]
 * The heap (9 MiB) keeps 2 chunks per log chain and trims a chain that
 * reached 4 (design.md section 2).  Each round runs two FASEs.  The first
 * writes 300 KiB of one block (some 5 chunks of undo log, so the chain is
 * trimmed after its retire: 3 chunks go back).  The second allocates a
 * 192 KiB block -- the 3 chunks just given back -- fills it, links it into the
 * root and frees the block of the round before.  A trim that gave the chunks
 * back before the shorter chain was durable would leave the durable chain
 * leading into that block, and the open would refuse the heap.  Checks: the
 * first block holds generation r->gen throughout, the second is live, big
 * enough and holds generation r->bgen throughout.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SZA (300u << 10)
#define SZB (192u << 10)

struct root {
  long gen, bgen;
  unsigned char *a, *b;
};
static struct root *r;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* uniform -- 0 when the n bytes at p all hold v */
static int uniform(const char *when, const char *name, const unsigned char *p, size_t n,
                   unsigned char v) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != v) {
      printf("%s: %s[%zu] is %u, expected %u\n", when, name, i, p[i], v);
      return 1;
    }
  return 0;
}

/* check -- 0 when both blocks belong to their generations */
static int check(const char *when) {
  if (!r->a)
    return 0; /* the set-up FASE rolled back */
  if (pma_usable_size(r->a) < SZA) {
    printf("%s: block a %p is not live\n", when, (void *)r->a);
    return 1;
  }
  if (uniform(when, "a", r->a, SZA, (unsigned char)r->gen))
    return 1;
  if (!r->b)
    return 0;
  if (pma_usable_size(r->b) < SZB) {
    printf("%s: block b %p is not live\n", when, (void *)r->b);
    return 1;
  }
  return uniform(when, "b", r->b, SZB, (unsigned char)r->bgen);
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 2;
  pma_heap *h;
  r = sim_open_root(argv[1], 9u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  if (!r->a) {
    pthread_mutex_lock(&lock);
    r->a = pma_calloc(1, SZA);
    pthread_mutex_unlock(&lock);
    if (!r->a) {
      printf("no room for block a: %s\n", pma_errormsg());
      return 2;
    }
  }
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&lock); /* a long log: trimmed after the retire */
    long g = r->gen + 1;
    r->gen = g;
    memset(r->a, (unsigned char)g, SZA);
    pthread_mutex_unlock(&lock);
    pthread_mutex_lock(&lock); /* the chunks just given back, as data */
    unsigned char *nb = pma_malloc(SZB);
    if (nb) {
      memset(nb, (unsigned char)g, SZB);
      unsigned char *old = r->b;
      r->b = nb;
      r->bgen = g;
      pma_free(old);
    }
    pthread_mutex_unlock(&lock);
    if (!nb) {
      printf("no room for block b: %s\n", pma_errormsg());
      return 1;
    }
  }
  int bad = check("after run");
  pma_close(h);
  return bad;
}
