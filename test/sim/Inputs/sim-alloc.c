/*
 * sim-alloc.c -- crash-simulator program: allocation-heavy FASEs
 *
 *   sim-alloc HEAP [ROUNDS]
 * Each FASE allocates blocks of mixed sizes (small classes and multi-chunk
 * large extents), fills them with a pattern, records them in a table in the
 * root, frees older ones, and allocates and frees a scratch block.  Then it
 * frees the large blocks, closes and reopens the heap, and allocates from a
 * new size class (whose run lands in a reused chunk).  Checks: every recorded block is live, big
 * enough, holds its pattern, and no two recorded blocks overlap (a block
 * handed out twice would); the heap holds no other allocated block than the
 * root and the recorded ones (pma_usage: a FASE rolled back leaked nothing).
 */
#include <pmatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 12
struct table {
  long ready, round;
  struct { unsigned char *p; size_t size; unsigned char fill; } e[SLOTS];
};
static struct table *t;

/* cmp -- order entries by address */
static int cmp(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

/* check -- 0 if every recorded block is live, intact and disjoint */
static int check(const char *when) {
  uintptr_t addr[SLOTS][2];
  int n = 0;
  for (int i = 0; i < SLOTS; i++) {
    if (!t->e[i].p)
      continue;
    if (!pma_is_heap(t->e[i].p, t->e[i].size) || pma_usable_size(t->e[i].p) < t->e[i].size) {
      printf("%s: slot %d: %p (%zu bytes) is not a live block\n", when, i, (void *)t->e[i].p, t->e[i].size);
      return 1;
    }
    for (size_t k = 0; k < t->e[i].size; k += 61)
      if (t->e[i].p[k] != t->e[i].fill) {
        printf("%s: slot %d: byte %zu is %#x, expected %#x\n", when, i, k, t->e[i].p[k], t->e[i].fill);
        return 1;
      }
    addr[n][0] = (uintptr_t)t->e[i].p;
    addr[n][1] = (uintptr_t)t->e[i].p + t->e[i].size;
    n++;
  }
  struct pma_usage u;
  long small = 1, large = 0; /* the root, the recorded blocks */
  for (int i = 0; i < SLOTS; i++)
    if (t->e[i].p)
      t->e[i].size > 8192 ? large++ : small++;
  if (pma_usage(pma_heap_current(), &u) || u.small_blocks != (uint64_t)small ||
      u.large_extents != (uint64_t)large) {
    printf("%s: the heap holds %llu small blocks and %llu large extents, the program %ld and "
           "%ld: a leak\n",
           when, (unsigned long long)u.small_blocks, (unsigned long long)u.large_extents, small,
           large);
    return 1;
  }
  qsort(addr, (size_t)n, sizeof addr[0], cmp);
  for (int i = 1; i < n; i++)
    if (addr[i][0] < addr[i - 1][1]) {
      printf("%s: blocks at %#lx and %#lx overlap\n", when, (unsigned long)addr[i - 1][0], (unsigned long)addr[i][0]);
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 2;
  }
  t = pma_root(h, sizeof *t);
  if (!t)
    return 2;
  if (pma_usable_size(t) < sizeof *t) {
    printf("after recovery: the root %p is not a live block\n", (void *)t);
    return 1;
  }
  if (check("after recovery"))
    return 1;
  static const size_t sizes[] = {24, 100, 700, 3000, 70000, 9000, 48};
  for (int r = 0; r < rounds; r++) {
    pma_begin();
    long round = ++t->round;
    for (int j = 0; j < 3; j++) {
      int slot = (int)((round * 3 + j) % SLOTS);
      if (t->e[slot].p)
        pma_free(t->e[slot].p);
      size_t size = sizes[(round + j) % 7];
      unsigned char *p = pma_malloc(size);
      if (!p) {
        printf("out of heap: %s\n", pma_errormsg());
        return 2;
      }
      unsigned char fill = (unsigned char)(round * 7 + j);
      memset(p, fill, size);
      t->e[slot].p = p;
      t->e[slot].size = size;
      t->e[slot].fill = fill;
    }
    /* a scratch block allocated and freed in the same FASE */
    char *tmp = pma_malloc(40);
    if (tmp) {
      memset(tmp, 'x', 40);
      pma_free(tmp);
    }
    pma_end();
  }
  if (check("after run"))
    return 1;
  /* Give the large blocks back and reopen: the fresh allocator takes the
   * lowest free chunk - one of them, still full of its old pattern - for the
   * first run of a new size class, whose block map must be zeroed durably. */
  pma_begin();
  for (int i = 0; i < SLOTS; i++)
    if (t->e[i].p && t->e[i].size > 8192) {
      pma_free(t->e[i].p);
      t->e[i].p = NULL;
    }
  pma_end();
  pma_close(h);
  h = pma_open(argv[1], 4u << 20);
  if (!h) {
    printf("reopen: %s\n", pma_errormsg());
    return 2;
  }
  t = pma_root(h, sizeof *t);
  if (!t || check("after reopen"))
    return 1;
  pma_begin();
  for (int k = 0; k < 2; k++) { /* two new classes: the second run gets a reused large chunk */
    int slot = (int)((t->round + k) % SLOTS);
    size_t size = k ? 6000 : 5000;
    if (t->e[slot].p)
      pma_free(t->e[slot].p);
    t->e[slot].p = pma_malloc(size);
    t->e[slot].size = size;
    t->e[slot].fill = (unsigned char)(0x5a + k);
    if (t->e[slot].p)
      memset(t->e[slot].p, 0x5a + k, size);
  }
  pma_end();
  int bad = check("after reopen and a new class");
  pma_close(h);
  return bad;
}
