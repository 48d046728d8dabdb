// The per-FASE filter of words already logged (struct pma_fent in
// internal.h, its code in log.c; design.md section 2): a store whose bytes
// the filter shows saved writes no record, any byte not yet saved logs the
// store; linear probing past a colliding word; a full table stops
// inserting; commit and an early dirty-list flush forget every entry; the
// generation counter's wrap clears the table, so an entry 2^32 generations
// old cannot alias; long ranges go to the ring of the last four.
// pma_log_store_nofence returns 1 when it wrote records, 0 when filtered.
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %cc-unit %s -o %t %link-pma-static
// RUN: %t %t.dir/heap | FileCheck %s
// CHECK: insert-probe: ok
// CHECK-NEXT: reset: ok
// CHECK-NEXT: collision: ok
// CHECK-NEXT: full: ok
// CHECK-NEXT: generation-wrap: ok
// CHECK-NEXT: long-ranges: ok
#include <stdint.h>

#include "unit.h"

/* home -- the filter slot a heap word hashes to: a copy of log.c's fslot,
 * checked against the table itself in insert_probe */
static uint32_t home(uint64_t word) {
  return (uint32_t)((word * PMA_P1) >> (64 - PMA_FILTER_BITS));
}

/* logs -- the filter's verdict on a store to [p, p+len): 1 logged, 0 filtered */
static int logs(const char *p, size_t len) {
  return pma_log_store_nofence(pma_self(), (uintptr_t)p, len);
}

/* word_of -- the filter's key of the heap address p */
static uint64_t word_of(const char *p) { return pma_off(p) >> 3; }

/* at_word -- the heap address of word w */
static char *at_word(uint64_t w) { return pma_ptr(w * 8); }

/* find_word -- the first data word after w0 whose home is h */
static uint64_t find_word(uint64_t w0, uint32_t h) {
  uint64_t end = pma_rt.size / 8;
  for (uint64_t w = w0 + 1; w < end; w++)
    if (home(w) == h)
      return w;
  CHECK(!"no word with that home");
  return 0;
}

static char *b; /* a block of the heap */

/* insert_probe -- byte masks per word, ranges over two words */
static void insert_probe(void) {
  struct pma_thread *t = pma_self();
  pma_begin();
  CHECK(logs(b, 8) == 1);
  CHECK(t->fcount == 1);
  struct pma_fent *e = &t->filter[home(word_of(b))];
  CHECK(e->gen == t->fgen && e->word == word_of(b) && e->mask == 0xff);
  CHECK(logs(b, 8) == 0);
  CHECK(logs(b + 2, 4) == 0);
  CHECK(logs(b + 4, 8) == 1); /* bytes 8..11 were not saved */
  CHECK(t->fcount == 2);
  CHECK(t->filter[home(word_of(b + 8))].mask == 0x0f);
  CHECK(logs(b + 8, 4) == 0);
  CHECK(logs(b + 11, 2) == 1); /* byte 12 was not */
  CHECK(logs(b + 8, 5) == 0);
  CHECK(logs(b + 16, 1) == 1);
  CHECK(logs(b + 17, 1) == 1); /* same word, another byte */
  CHECK(logs(b + 16, 2) == 0);
  pma_end();
  printf("insert-probe: ok\n");
}

/* reset -- commit, and a flush of the dirty list inside a FASE, forget all */
static void reset(void) {
  struct pma_thread *t = pma_self();
  pma_begin();
  CHECK(t->fcount == 0);
  CHECK(logs(b, 8) == 1);
  CHECK(logs(b, 8) == 0);
  /* the lines are written back: a later store must be noted again */
  pma_dirty_flush(t);
  CHECK(t->fcount == 0);
  CHECK(logs(b, 8) == 1);
  CHECK(logs(b, 8) == 0);
  pma_end();
  pma_begin();
  CHECK(logs(b, 8) == 1);
  pma_end();
  printf("reset: ok\n");
}

/* collision -- w2 shares w1's home, w3's home is where w2 went */
static void collision(void) {
  struct pma_thread *t = pma_self();
  uint64_t w1 = word_of(b);
  uint32_t h = home(w1), h2 = (h + 1) & (PMA_FILTER_CAP - 1);
  uint64_t w2 = find_word(w1, h), w3 = find_word(w1, h2);
  pma_begin();
  CHECK(logs(at_word(w1), 8) == 1);
  CHECK(logs(at_word(w2), 8) == 1); /* not taken for w1 */
  CHECK(t->filter[h2].word == w2 && t->filter[h2].gen == t->fgen);
  CHECK(logs(at_word(w3), 8) == 1); /* not taken for w2 */
  CHECK(logs(at_word(w1), 8) == 0);
  CHECK(logs(at_word(w2), 8) == 0);
  CHECK(logs(at_word(w3), 8) == 0);
  CHECK(t->fcount == 3);
  pma_end();
  printf("collision: ok\n");
}

/* full -- past filter_full entries new words are logged every time */
static void full(void) {
  struct pma_thread *t = pma_self();
  uint32_t save = pma_rt.filter_full;
  pma_rt.filter_full = 2;
  pma_begin();
  CHECK(logs(b, 4) == 1 && logs(b + 8, 8) == 1);
  CHECK(t->fcount == 2);
  CHECK(logs(b + 16, 8) == 1);
  CHECK(logs(b + 16, 8) == 1); /* not inserted */
  CHECK(t->fcount == 2);
  CHECK(logs(b + 4, 4) == 1);  /* an entry of the table still takes more bytes */
  CHECK(logs(b, 8) == 0 && logs(b + 8, 8) == 0);
  pma_end();
  pma_rt.filter_full = save;
  printf("full: ok\n");
}

/* generation_wrap -- an entry of generation 1 left from 2^32 FASEs ago
 * (planted: counting through 2^32 commits would take minutes) */
static void generation_wrap(void) {
  struct pma_thread *t = pma_self();
  uint64_t w = word_of(b + 64), other = word_of(b + 128);
  CHECK(home(w) != home(other));
  pma_begin();
  t->fgen = UINT32_MAX; /* this FASE is the last generation before the wrap */
  t->filter[home(w)] = (struct pma_fent){.word = w, .gen = 1, .mask = 0xff};
  CHECK(logs(b + 128, 8) == 1);
  CHECK(logs(b + 128, 8) == 0);
  pma_end();
  pma_begin();
  CHECK(t->fgen == 1);
  CHECK(logs(b + 128, 8) == 1);
  CHECK(logs(b + 64, 8) == 1); /* the wrap cleared the table: no alias */
  pma_end();
  printf("generation-wrap: ok\n");
}

/* long_ranges -- above PMA_FILTER_MAXLEN bytes, the last PMA_BIG_CACHE ranges */
static void long_ranges(void) {
  pma_begin();
  CHECK(logs(b + 1024, 100) == 1);
  CHECK(logs(b + 1024, 100) == 0);
  CHECK(logs(b + 1030, 80) == 0); /* inside it */
  CHECK(logs(b + 1000, 100) == 1); /* not inside */
  for (unsigned i = 0; i < PMA_BIG_CACHE - 1; i++)
    CHECK(logs(b + 2048 + 256 * i, 100) == 1);
  CHECK(logs(b + 1024, 100) == 1); /* the ring moved past it */
  pma_end();
  printf("long-ranges: ok\n");
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  pma_heap *h = pma_open(argv[1], UNIT_HEAP_SIZE);
  CHECK(h);
  b = pma_malloc(32768);
  CHECK(b);
  insert_probe();
  reset();
  collision();
  full();
  generation_wrap();
  long_ranges();
  CHECK(pma_close(h) == 0);
  return 0;
}
