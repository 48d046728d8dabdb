// Recovery's order on synthetic logs (recover.c, design.md section 4 steps
// 2-3): three incomplete FASEs in three slots overwrite the same bytes, each
// after reading from the next slot up (DEP records), so real time ran
// against slot order; undoing newest first along the dependencies restores
// the bytes before all three.  Then the cascade: a committed FASE that read
// from an incomplete one rolls back with the later FASE of its slot, while
// committed FASEs whose dependencies hold are kept.
// RUN: %cc-unit %s -o %t %link-pma-static
// RUN: %t | FileCheck %s
// CHECK: dep-order: ok
// CHECK-NEXT: cascade: ok
#include "unit.h"

static const char init[17] = "0123456789abcdef";

/* dep_order -- slot 2 writes first, slot 1 reads from it, slot 0 from slot
 * 1; all three crash before committing */
static void dep_order(void) {
  struct img m;
  img_new(&m);
  uint64_t r = img_chunk(&m, 13);
  memcpy(img_at(&m, r), init, 16);
  struct wlog w0, w1, w2;
  wlog_start(&w0, &m, 0, 0, 0, 1);
  wlog_start(&w1, &m, 1, 1, 0, 1);
  wlog_start(&w2, &m, 2, 2, 0, 1);
  wlog_store(&w2, r + 0, "BBBBBBBB", 8);  /* saves 01234567 */
  wlog_dep(&w1, 2, 1, 1);                 /* the lock slot 2 released after 1 record */
  wlog_store(&w1, r + 4, "CCCCCCCC", 8);  /* saves BBBB89ab */
  wlog_dep(&w0, 1, 1, 2);                 /* slot 1 released after its DEP and DATA */
  wlog_store(&w0, r + 2, "DDDDDDDD", 8);  /* saves BBCCCCCC */
  CHECK(!memcmp(img_at(&m, r), "BBDDDDDDDDCCcdef", 16));

  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, r), init, 16));
  CHECK(m.h.rec.fases_rolled_back == 3);
  CHECK(m.h.rec.threads_recovered == 3);
  CHECK(m.h.rec.records_applied == 3);
  CHECK(m.h.rec.dependents_rolled_back == 0);
  for (unsigned s = 0; s < 3; s++)
    CHECK(retired_of(&m, s) == 1);
  CHECK(m.h.hdr->d.recovering == pma_seal(0));

  /* a second recovery (a crash after the first) changes nothing */
  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, r), init, 16));
  CHECK(m.h.rec.records_applied == 0);
  img_free(&m);
  printf("dep-order: ok\n");
}

/* cascade -- slot 3's FASE 1 crashed; slot 4's FASE 1 read from it and
 * committed to wait, its FASE 2 committed behind it.  Slot 5's FASE 1 read
 * from slot 7's FASE 1, which retired, and slot 6's from slot 5's: both
 * committed and still waited when the crash came (the retires were not yet
 * durable). */
static void cascade(void) {
  struct img m;
  img_new(&m);
  uint64_t p = img_chunk(&m, 13), q = p + 64, k = p + 128;
  memcpy(img_at(&m, p), init, 16);
  memcpy(img_at(&m, q), init, 16);
  memcpy(img_at(&m, k), init, 16);
  struct wlog w3, w4, w5, w6;
  wlog_start(&w3, &m, 3, 3, 0, 1);
  wlog_start(&w4, &m, 4, 4, 0, 1);
  wlog_start(&w5, &m, 5, 5, 0, 1);
  wlog_start(&w6, &m, 6, 6, 0, 1);
  m.h.slots[7].retired_seq = pma_seal(1);

  wlog_store(&w3, p, "EEEEEEEE", 8);
  wlog_dep(&w4, 3, 1, 1);
  wlog_store(&w4, p + 4, "FFFFFFFF", 8);
  wlog_commit(&w4);
  wlog_store(&w4, q, "GGGGGGGG", 8); /* FASE 2: no dependency of its own */
  wlog_commit(&w4);

  wlog_dep(&w5, 7, 1, 3);
  wlog_store(&w5, k, "HHHHHHHH", 8);
  wlog_commit(&w5);
  wlog_dep(&w6, 5, 1, 2);
  wlog_store(&w6, k + 8, "IIIIIIII", 8);
  wlog_commit(&w6);

  CHECK(unit_recover(&m) == 0);
  CHECK(!memcmp(img_at(&m, p), init, 16));
  CHECK(!memcmp(img_at(&m, q), init, 16));
  CHECK(!memcmp(img_at(&m, k), "HHHHHHHHIIIIIIII", 16)); /* kept */
  CHECK(m.h.rec.fases_rolled_back == 3);
  CHECK(m.h.rec.dependents_rolled_back == 2);
  CHECK(m.h.rec.committed_kept == 2);
  CHECK(m.h.rec.threads_recovered == 2);
  CHECK(m.h.rec.records_applied == 3);
  CHECK(retired_of(&m, 3) == 1 && retired_of(&m, 4) == 2);
  CHECK(retired_of(&m, 5) == 1 && retired_of(&m, 6) == 1);
  img_free(&m);
  printf("cascade: ok\n");
}

int main(void) {
  dep_order();
  cascade();
  return 0;
}
