// The allocator is part of the FASE: an allocation rolls back with its FASE,
// a free inside a FASE that rolls back keeps the block allocated, a committed
// free releases it, and after a crash no block is handed out twice (new
// allocations never overlap live blocks, including blocks leaked by a crash
// between a non-FASE pma_malloc and the FASE that would have linked them).
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: alloc rolled back: small free, large free, slot empty
// CHECK-NEXT: free rolled back: block still allocated, not handed out again
// CHECK-NEXT: free committed: block free
// CHECK-NEXT: realloc rolled back: old block kept, new block free
// CHECK-NEXT: free is deferred inside a FASE: block not reused before commit
// CHECK-NEXT: no overlap: {{[0-9]+}} live blocks, {{[0-9]+}} new blocks, 40 leaked blocks still allocated
#include "runtime-test.h"

#define NSLOT 64
struct root { void *slot[NSLOT]; };
static const char *path;
static int pfd[2];

/* send -- child -> parent: an address */
static void send(void *p) { CHECK(write(pfd[1], &p, sizeof p) == sizeof p); }
/* recv -- parent: the next address from the child */
static void *recv_ptr(void) {
  void *p;
  CHECK(read(pfd[0], &p, sizeof p) == sizeof p);
  return p;
}

/* open_root -- open the heap and return the root */
static struct root *open_root(pma_heap **h) {
  *h = pma_open(path, 0);
  CHECK(*h);
  return pma_root(*h, sizeof(struct root));
}

static void c_alloc(void *arg) {
  (void)arg;
  pma_heap *h;
  struct root *r = open_root(&h);
  pma_begin();
  char *s = pma_malloc(100), *l = pma_malloc(200 << 10);
  CHECK(s && l);
  MEMSET(s, 1, 100);
  MEMSET(l, 2, 200 << 10);
  ST(r->slot[0], s);
  ST(r->slot[1], l);
  send(s);
  send(l);
  crash(CRASH_KILL);
}

static void c_free(void *arg) {
  int commit = (int)(long)arg;
  pma_heap *h;
  struct root *r = open_root(&h);
  pma_begin();
  pma_free(r->slot[2]);
  ST(r->slot[2], NULL);
  if (commit)
    pma_end();
  crash(CRASH_KILL);
}

static void c_realloc(void *arg) {
  (void)arg;
  pma_heap *h;
  struct root *r = open_root(&h);
  pma_begin();
  void *q = pma_realloc(r->slot[3], 5000);
  CHECK(q && q != r->slot[3]);
  ST(r->slot[3], q);
  send(q);
  crash(CRASH_KILL);
}

static void c_many(void *arg) {
  (void)arg;
  pma_heap *h;
  struct root *r = open_root(&h);
  for (int i = 0; i < 40; i++) /* non-FASE allocations: committed, then leaked */
    send(pma_malloc(24 + 37 * i));
  pma_begin();
  for (int i = 10; i < NSLOT; i++) {
    void *p = pma_malloc(i < 60 ? 8 + 50 * i : 100000);
    CHECK(p);
    ST(r->slot[i], p);
  }
  crash(CRASH_ABORT);
}

struct iv { uintptr_t s, e; };
/* by_start -- qsort order */
static int by_start(const void *a, const void *b) {
  const struct iv *x = a, *y = b;
  return x->s < y->s ? -1 : x->s > y->s;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  CHECK(pipe(pfd) == 0);
  pma_heap *h = pma_open(path, 8 << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  pma_begin();
  ST(r->slot[2], pma_malloc(64));
  ST(r->slot[3], pma_malloc(64));
  MEMSET(r->slot[3], 0x33, 64);
  for (int i = 4; i < 10; i++)
    ST(r->slot[i], pma_malloc(i * 1000));
  pma_end();
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(c_alloc, NULL)));
  void *s = recv_ptr(), *l = recv_ptr();
  r = open_root(&h);
  CHECK(pma_recovery(h)->fases_rolled_back == 1);
  CHECK(r->slot[0] == NULL && r->slot[1] == NULL);
  CHECK(pma_usable_size(s) == 0 && pma_usable_size(l) == 0);
  printf("alloc rolled back: small free, large free, slot empty\n");
  void *q = r->slot[2], *old = r->slot[3];
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(c_free, (void *)0L)));
  r = open_root(&h);
  CHECK(r->slot[2] == q && pma_usable_size(q) == 64);
  for (int i = 0; i < 2000; i++) {
    void *p = pma_malloc(64);
    CHECK(p && p != q);
  }
  printf("free rolled back: block still allocated, not handed out again\n");
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(c_free, (void *)1L)));
  r = open_root(&h);
  CHECK(r->slot[2] == NULL && pma_usable_size(q) == 0);
  printf("free committed: block free\n");
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(c_realloc, NULL)));
  void *nq = recv_ptr();
  r = open_root(&h);
  CHECK(r->slot[3] == old && pma_usable_size(old) == 64 && pma_usable_size(nq) == 0);
  CHECK(((unsigned char *)old)[63] == 0x33);
  printf("realloc rolled back: old block kept, new block free\n");

  /* inside a FASE a freed block stays reserved until the commit */
  pma_begin();
  void *f = r->slot[3];
  pma_free(f);
  ST(r->slot[3], NULL);
  for (int i = 0; i < 3000; i++) {
    void *p = pma_malloc(64);
    CHECK(p != f);
    pma_free(p);
  }
  CHECK(pma_usable_size(f) == 64);
  pma_end();
  CHECK(pma_usable_size(f) == 0);
  printf("free is deferred inside a FASE: block not reused before commit\n");
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(c_many, NULL)));
  void *leaked[40];
  for (int i = 0; i < 40; i++)
    leaked[i] = recv_ptr();
  r = open_root(&h);
  struct iv iv[NSLOT + 40 + 4000];
  int n = 0, live = 0;
  for (int i = 0; i < NSLOT; i++)
    if (r->slot[i]) {
      size_t u = pma_usable_size(r->slot[i]);
      CHECK(u);
      iv[n++] = (struct iv){(uintptr_t)r->slot[i], (uintptr_t)r->slot[i] + u};
      live++;
    }
  for (int i = 0; i < 40; i++) {
    size_t u = pma_usable_size(leaked[i]);
    CHECK(u);
    iv[n++] = (struct iv){(uintptr_t)leaked[i], (uintptr_t)leaked[i] + u};
  }
  int fresh = 0;
  for (int i = 0; i < 4000; i++) {
    size_t sz = i % 100 == 99 ? 70000 : (size_t)(8 + (i * 53) % 3000);
    void *p = pma_malloc(sz);
    if (!p)
      break;
    iv[n++] = (struct iv){(uintptr_t)p, (uintptr_t)p + pma_usable_size(p)};
    fresh++;
  }
  qsort(iv, (size_t)n, sizeof *iv, by_start);
  for (int i = 1; i < n; i++)
    CHECK(iv[i - 1].e <= iv[i].s);
  printf("no overlap: %d live blocks, %d new blocks, 40 leaked blocks still allocated\n", live,
         fresh);
  CHECK(pma_close(h) == 0);
  return 0;
}
