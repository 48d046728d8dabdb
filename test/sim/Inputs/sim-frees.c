/*
 * sim-frees.c -- crash-simulator program: the allocator's frees under power
 * failure (issue #18 items 1 and 10)
 *
 *   sim-frees HEAP filter [ROUNDS]
 * Sets PMA_TEST_FILTER_FULL=64 for itself (the filter takes 64 words
 * instead of 2048, so a few stores fill it; 300 hooks of 64 bytes fill the
 * real one the same way).  Each FASE first fills the thread's per-FASE filter
 * (FILL times 16 stores of 56 bytes into a buffer, by multi-range hooks: 224
 * words, more than the 64 the filter takes),
 * then allocates NTMP scratch blocks and frees them, and replaces the NKEEP
 * blocks it keeps.  With the filter full, every free is logged again at
 * commit, and the state byte of a scratch block (set to 1 in this FASE, not
 * yet written back) differs from the 1 its record saved: the commit's free
 * records must each be durable before the next one is written, or a power
 * failure can keep a later one and tear an earlier one, which recovery
 * refuses as a log damaged in the middle (design.md section 4).
 *
 *   sim-frees HEAP tail [ROUNDS]
 * Each round (after freeing the last round's extent): FASE 1 allocates an extent of BIG chunks at chunk k; FASE 2
 * frees it; FASE 3 allocates an extent of n chunks, which reuses chunk k and
 * ends exactly at a 64-chunk boundary of the chunk map (one cache line of
 * map bytes), while the freed extent went on past it.  The freed extent's
 * tail map bytes beyond that boundary must be durable (0) before its chunks
 * are reused, or after a power failure the new extent reads back as the old,
 * longer one (design.md section 6).
 *
 * Checks (both modes): every recorded block is live, of its exact usable
 * size, and holds its pattern; the heap holds no other allocated block or
 * extent than the root, the buffer and the recorded ones, and the extents'
 * bytes add up exactly (pma_usage: nothing leaked).  Exits 2 when the heap
 * cannot be opened (a heap refused after a legitimate crash is a failure).
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536u
#define FILL 2     /* store16 calls per FASE: 224 words, over the filter's 64 */
#define NTMP 12    /* scratch blocks allocated and freed per FASE */
#define NKEEP 4    /* blocks kept from one FASE to the next */
#define BSIZE 48   /* their size (a small class of its own) */
#define BIG 80     /* chunks of the extent that is freed and partly reused */

struct root {
  long round;
  unsigned char *buf;            /* FILL * 1024 bytes (a small block) */
  unsigned char *keep[NKEEP];    /* filter mode */
  unsigned char fill;            /* their pattern */
  unsigned char *ext;            /* tail mode: the live extent */
  size_t ext_chunks;
};
static struct root *r;

/* check -- 0 if every recorded block is live, exact and intact, and nothing leaked */
static int check(const char *when) {
  uint64_t large = 0, large_bytes = 0, small = 1; /* the root */
  if (r->buf) {
    if (pma_usable_size(r->buf) != FILL * 1024) {
      printf("%s: the buffer %p has %zu usable bytes, expected %d\n", when, (void *)r->buf,
             pma_usable_size(r->buf), FILL * 1024);
      return 1;
    }
    small++;
  }
  for (int i = 0; i < NKEEP; i++) {
    if (!r->keep[i])
      continue;
    if (pma_usable_size(r->keep[i]) != BSIZE) {
      printf("%s: kept block %d (%p) is not a live %d-byte block\n", when, i,
             (void *)r->keep[i], BSIZE);
      return 1;
    }
    for (int k = 0; k < BSIZE; k++)
      if (r->keep[i][k] != r->fill) {
        printf("%s: kept block %d: byte %d is %#x, expected %#x\n", when, i, k, r->keep[i][k],
               r->fill);
        return 1;
      }
    small++;
  }
  if (r->ext) {
    size_t want = r->ext_chunks * CHUNK, got = pma_usable_size(r->ext);
    if (got != want) {
      printf("%s: the extent at %p has %zu usable bytes (%zu chunks), expected %zu (%zu "
             "chunks): it reads back as another extent\n",
             when, (void *)r->ext, got, got / CHUNK, want, r->ext_chunks);
      return 1;
    }
    large++;
    large_bytes += want;
  }
  struct pma_usage u;
  if (pma_usage(pma_heap_current(), &u) || u.small_blocks != small ||
      u.large_extents != large || u.large_bytes != large_bytes) {
    printf("%s: the heap holds %llu small blocks and %llu large extents of %llu bytes, the "
           "program %llu, %llu and %llu: a leak\n",
           when, (unsigned long long)u.small_blocks, (unsigned long long)u.large_extents,
           (unsigned long long)u.large_bytes, (unsigned long long)small,
           (unsigned long long)large, (unsigned long long)large_bytes);
    return 1;
  }
  return 0;
}

/* store16 -- 16 stores of 56 bytes, 64 bytes apart (the gaps keep the pass
 * from merging them into one range longer than the filter takes), in one
 * basic block: the pass logs them with multi-range hooks, which enter 112
 * words in the filter; the lines are adjacent, so the commit flushes them as
 * one range (few persistence events) */
static __attribute__((noinline)) void store16(unsigned char *dst, const unsigned char *src) {
#define S(k) memcpy(dst + 64 * (k), src, 56);
  S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
}

/* filter_round -- one FASE: fill the filter, then allocate and free */
static int filter_round(void) {
  unsigned char pat[64];
  pma_begin();
  long round = ++r->round;
  memset(pat, (int)round, sizeof pat);
  for (int i = 0; i < FILL; i++)
    store16(r->buf + 1024 * (size_t)i, pat);
  unsigned char *tmp[NTMP];
  for (int i = 0; i < NTMP; i++) {
    tmp[i] = pma_malloc(BSIZE);
    if (!tmp[i]) {
      printf("out of heap: %s\n", pma_errormsg());
      exit(2);
    }
    memset(tmp[i], 'x', BSIZE);
  }
  for (int i = 0; i < NTMP; i++)
    pma_free(tmp[i]);
  unsigned char fill = (unsigned char)(round * 7 + 1);
  for (int i = 0; i < NKEEP; i++) {
    if (r->keep[i])
      pma_free(r->keep[i]);
    unsigned char *p = pma_malloc(BSIZE);
    if (!p) {
      printf("out of heap: %s\n", pma_errormsg());
      exit(2);
    }
    memset(p, fill, BSIZE);
    r->keep[i] = p;
  }
  r->fill = fill;
  pma_end();
  return check("after a round");
}

/* chunk_of -- index of the data chunk that starts at p */
static size_t chunk_of(const void *p) {
  /* the heap starts at a 64 KiB boundary; its static header says where the
   * data chunks begin (design.md section 5, offset 88) */
  uintptr_t base = (uintptr_t)p & ~(uintptr_t)(CHUNK - 1);
  while (pma_is_heap((void *)(base - CHUNK), 1))
    base -= CHUNK;
  if (memcmp((void *)base, "PMATOMIC", 8)) {
    printf("no heap header at %#lx\n", (unsigned long)base);
    exit(2);
  }
  uint64_t data_off;
  memcpy(&data_off, (char *)base + 88, sizeof data_off);
  return (size_t)(((uintptr_t)p - base - data_off) / CHUNK);
}

/* tail_round -- three FASEs: a BIG extent, its free, a shorter one in its place */
static int tail_round(void) {
  if (r->ext) { /* the last round's extent, freed first: its chunks are free at commit */
    pma_begin();
    pma_free(r->ext);
    r->ext = NULL;
    pma_end();
  }
  pma_begin();
  r->round++;
  r->ext = pma_malloc((size_t)BIG * CHUNK);
  r->ext_chunks = BIG;
  if (!r->ext) {
    printf("out of heap: %s\n", pma_errormsg());
    exit(2);
  }
  r->ext[0] = 1;
  pma_end();
  if (check("after the large allocation"))
    return 1;
  unsigned char *old = r->ext;
  size_t k = chunk_of(old), n = 64 - k % 64; /* to the next map line */
  if (n < 2)
    n += 64;
  pma_begin();
  pma_free(r->ext);
  r->ext = NULL;
  pma_end();
  if (check("after the free"))
    return 1;
  pma_begin();
  r->ext = pma_malloc(n * CHUNK);
  r->ext_chunks = n;
  if (!r->ext) {
    printf("out of heap: %s\n", pma_errormsg());
    exit(2);
  }
  r->ext[0] = 2;
  pma_end();
  if (r->ext != old) {
    printf("layout: the %zu-chunk extent is at chunk %zu, not at chunk %zu where the freed "
           "%d-chunk one was\n",
           n, chunk_of(r->ext), k, BIG);
    exit(2);
  }
  if (getenv("SIM_FREES_VERBOSE"))
    fprintf(stderr, "tail: freed chunks %zu..%zu, reused %zu..%zu\n", k, k + BIG - 1, k,
            k + n - 1);
  return check("after the reuse");
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  int tail = !strcmp(argv[2], "tail");
  if (!tail && strcmp(argv[2], "filter"))
    return 2;
  int rounds = argc > 3 ? atoi(argv[3]) : 2;
  if (!tail)
    setenv("PMA_TEST_FILTER_FULL", "64", 0); /* a small filter: a few stores fill it */
  pma_heap *h;
  r = sim_open_root(argv[1], 8u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  if (!tail && !r->buf) {
    pma_begin();
    r->buf = pma_calloc(FILL, 1024);
    pma_end();
    if (!r->buf)
      return 2;
  }
  for (int i = 0; i < rounds; i++)
    if (tail ? tail_round() : filter_round())
      return 1;
  pma_close(h);
  return 0;
}
