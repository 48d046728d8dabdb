// Create a heap, fill the root object inside a FASE, close, reopen: the root
// and its contents are back, and pma_recovery() tells a created heap from a
// cleanly closed one.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// CHECK: created: created=1 was_clean=1 rolled_back=0
// CHECK-NEXT: mode process
// CHECK-NEXT: reopened: created=0 was_clean=1 rolled_back=0 root_size=4096
// CHECK-NEXT: root intact, list of 100 intact
#include "runtime-test.h"

struct node { struct node *next; long v; };
struct root { long magic; char name[32]; struct node *list; long sum; };

int main(int argc, char **argv) {
  CHECK(argc == 2);
  pma_heap *h = pma_open(argv[1], 16 << 20);
  CHECK(h);
  CHECK(pma_heap_current() == h);
  const struct pma_recovery_info *ri = pma_recovery(h);
  printf("created: created=%d was_clean=%d rolled_back=%llu\n", ri->created, ri->was_clean,
         (unsigned long long)ri->fases_rolled_back);
  printf("mode %s\n", pma_mode_name(pma_mode_of(h)));
  CHECK(pma_root_size(h) == 0);
  struct root *r = pma_root(h, 4096);
  CHECK(r && pma_is_heap(r, 4096) && !pma_is_heap(r, 1ull << 40) && !pma_is_heap(&h, 1));
  CHECK(pma_root(h, 100) == r); /* smaller: the same root */
  CHECK(r->magic == 0 && r->list == NULL);

  pma_begin();
  CHECK(pma_in_fase());
  ST(r->magic, 0x1234);
  __pma_store_strcpy(r->name, "round trip");
  strcpy(r->name, "round trip");
  for (long i = 0; i < 100; i++) {
    struct node *n = pma_malloc(sizeof *n);
    CHECK(n && pma_usable_size(n) >= sizeof *n);
    ST(n->v, i);
    ST(n->next, r->list);
    ST(r->list, n);
    ST(r->sum, r->sum + i);
  }
  pma_end();
  CHECK(!pma_in_fase());
  struct pma_stats st;
  pma_get_stats(&st);
  CHECK(st.fases >= 1 && st.log_records > 0);
  CHECK(pma_close(h) == 0);
  CHECK(pma_heap_current() == NULL);

  h = pma_open(argv[1], 0); /* size is ignored for an existing heap */
  CHECK(h);
  ri = pma_recovery(h);
  printf("reopened: created=%d was_clean=%d rolled_back=%llu root_size=%zu\n", ri->created,
         ri->was_clean, (unsigned long long)ri->fases_rolled_back, pma_root_size(h));
  r = pma_root(h, 0);
  CHECK(r && r->magic == 0x1234 && !strcmp(r->name, "round trip"));
  long n = 0, sum = 0;
  for (struct node *p = r->list; p; p = p->next, n++) {
    CHECK(pma_usable_size(p) >= sizeof *p);
    sum += p->v;
  }
  CHECK(sum == r->sum && sum == 4950);
  printf("root intact, list of %ld intact\n", n);
  CHECK(pma_close(h) == 0);
  return 0;
}
