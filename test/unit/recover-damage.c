// Where recovery stops reading a log (recover.c; design.md section 4, "Torn
// tail or damaged middle"): a torn last record is the end of the log and its
// store is not undone; records of an older FASE after the tail are stale,
// not evidence; a record damaged in the middle, with a later record whose
// store happened, refuses the heap with the documented message and the
// image untouched -- through pma_recover and through pma_open of a file.  A
// later record whose store wrote back the value it saved proves nothing: the
// documented limitation.
// RUN: rm -rf %t.dir && mkdir %t.dir
// RUN: %cc-unit %s -o %t %link-pma-static
// RUN: %t %t.dir | FileCheck %s
// CHECK: torn-tail: ok
// CHECK-NEXT: stale-after-tail: ok
// CHECK-NEXT: damaged-middle: ok
// CHECK-NEXT: damaged-unproven: ok
// CHECK-NEXT: open: heap corrupt: undo log of slot 0 (FASE 1) is damaged in the middle: the record at heap offset 0x20028 does not check out (expected a record of FASE 1), but the later record at heap offset 0x20040 does and its store has already happened; rolling back only up to the damage would leave the FASE half undone
// CHECK-NEXT: open-refused: ok
// CHECK-NEXT: open-torn: ok
#include "unit.h"

static const char init[17] = "0123456789abcdef";

/* three_stores -- FASE 1 of slot 0 stores X, Y, Z (8 bytes each, at x, x+16,
 * x+32 of chunk 13); the record of Y is damaged (a bit of its saved bytes,
 * or its check when torn) */
static uint64_t three_stores(struct img *m, int torn, const char *zval) {
  img_new(m);
  uint64_t x = img_chunk(m, 13);
  for (int i = 0; i < 3; i++)
    memcpy(img_at(m, x + 16 * i), init, 16);
  struct wlog w;
  wlog_start(&w, m, 0, 0, 0, 1);
  wlog_store(&w, x, "XXXXXXXX", 8);
  struct pma_rec *y;
  if (torn) {
    /* the record being written when the power went: its store never ran */
    y = wlog_rec(&w, PMA_REC_DATA, x + 16, "garbage!", 8);
    y->check ^= 1;
  } else {
    y = wlog_store(&w, x + 16, "YYYYYYYY", 8);
    ((char *)(y + 1))[3] ^= 0x10;
    wlog_store(&w, x + 32, zval, 8);
  }
  return x;
}

/* torn_tail -- the torn last record is ignored, the one before undone */
static void torn_tail(void) {
  struct img m;
  uint64_t x = three_stores(&m, 1, NULL);
  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, x), init, 16));
  CHECK(!memcmp(img_at(&m, x + 16), init, 16)); /* not "garbage!" */
  CHECK(m.h.rec.records_applied == 1);
  CHECK(retired_of(&m, 0) == 1);
  img_free(&m);
  printf("torn-tail: ok\n");
}

/* stale_after_tail -- FASE 4 of slot 1 logged three stores and retired;
 * FASE 5 reused the chunk, logged one and crashed.  FASE 4's second and
 * third records still follow, valid for seq 4 and with their stores done. */
static void stale_after_tail(void) {
  struct img m;
  img_new(&m);
  uint64_t x = img_chunk(&m, 13);
  memcpy(img_at(&m, x), init, 16);
  memcpy(img_at(&m, x + 16), init, 16);
  struct wlog w;
  wlog_start(&w, &m, 1, 0, 4, 4);
  wlog_store(&w, x, "44444444", 8);
  wlog_store(&w, x + 8, "44444444", 8);
  wlog_store(&w, x + 16, "44444444", 8);
  w.seq = 5; /* FASE 4 retired (retired_seq 4); FASE 5 starts at the head */
  w.pos = sizeof(struct pma_chunk_hdr);
  w.nrec = 0;
  wlog_store(&w, x, "55555555", 8);
  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, x), "4444444444444444", 16));
  CHECK(!memcmp(img_at(&m, x + 16), "44444444", 8));
  CHECK(m.h.rec.records_applied == 1);
  CHECK(retired_of(&m, 1) == 5);
  img_free(&m);
  printf("stale-after-tail: ok\n");
}

/* damaged_middle -- refused, message names both records, nothing written */
static void damaged_middle(void) {
  struct img m;
  uint64_t x = three_stores(&m, 0, "ZZZZZZZZ");
  char *copy = malloc(UNIT_HEAP_SIZE);
  CHECK(copy);
  memcpy(copy, m.base, UNIT_HEAP_SIZE);
  CHECK(unit_recover(&m) == -EINVAL);
  char want[512];
  uint64_t bad = img_chunk(&m, 0) + 16 + 24, later = bad + 24;
  snprintf(want, sizeof want,
           "heap corrupt: undo log of slot 0 (FASE 1) is damaged in the middle: the record at "
           "heap offset %#llx does not check out (expected a record of FASE 1), but the later "
           "record at heap offset %#llx does and its store has already happened; rolling back "
           "only up to the damage would leave the FASE half undone",
           (unsigned long long)bad, (unsigned long long)later);
  CHECK(!strcmp(pma_errormsg(), want));
  CHECK(!memcmp(copy, m.base, UNIT_HEAP_SIZE));
  CHECK(!memcmp(img_at(&m, x), "XXXXXXXX", 8));
  free(copy);
  img_free(&m);
  printf("damaged-middle: ok\n");
}

/* damaged_unproven -- Z's store wrote the bytes it saved: no evidence, the
 * log ends at the damaged record (X undone; Y's store stays, as documented) */
static void damaged_unproven(void) {
  struct img m;
  uint64_t x = three_stores(&m, 0, "01234567"); /* what Z already holds */
  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, x), init, 16));
  CHECK(!memcmp(img_at(&m, x + 16), "YYYYYYYY", 8));
  CHECK(m.h.rec.records_applied == 1);
  img_free(&m);
  printf("damaged-unproven: ok\n");
}

/* open_file -- the same images as heap files: pma_open refuses the damaged
 * one (file unchanged) and rolls back the torn one */
static void open_file(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/damaged", dir);
  struct img m;
  three_stores(&m, 0, "ZZZZZZZZ");
  img_write(&m, path);
  struct pma_open_opts o = {.flags = PMA_OPEN_NOCREATE};
  CHECK(pma_open_ex(path, 0, &o) == NULL);
  printf("open: %s\n", pma_errormsg());
  char *file = malloc(UNIT_HEAP_SIZE);
  CHECK(file);
  int fd = open(path, O_RDONLY);
  CHECK(fd >= 0 && pread(fd, file, UNIT_HEAP_SIZE, 0) == (ssize_t)UNIT_HEAP_SIZE);
  close(fd);
  CHECK(!memcmp(file, m.base, UNIT_HEAP_SIZE));
  free(file);
  img_free(&m);
  printf("open-refused: ok\n");

  snprintf(path, sizeof path, "%s/torn", dir);
  uint64_t x = three_stores(&m, 1, NULL);
  img_write(&m, path);
  pma_heap *h = pma_open_ex(path, 0, &o);
  CHECK(h);
  const char *base = (const char *)PMA_DEFAULT_BASE;
  CHECK(!memcmp(base + x, init, 16) && !memcmp(base + x + 16, init, 16));
  CHECK(pma_recovery(h)->records_applied == 1 && pma_recovery(h)->fases_rolled_back == 1);
  CHECK(pma_close(h) == 0);
  img_free(&m);
  printf("open-torn: ok\n");
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  torn_tail();
  stale_after_tail();
  damaged_middle();
  damaged_unproven();
  open_file(argv[1]);
  return 0;
}
