/*
 * sim-renote.c -- stores without a hook survive an early flush of the dirty list
 *
 *   sim-renote HEAP write    (PMA_MODE=sim PMA_SIM_POLICY=none; ends without
 *                             pma_close: a power failure after its last event)
 *   sim-renote HEAP check    every committed store is on the media
 *
 * Built without the plugin: the hooks are called by hand where the pass puts
 * them, and left out where pass/LogOpt.cpp leaves them out.  Each FASE
 * overflows the thread's dirty list (1024 ranges), which flushes and forgets
 * the ranges noted so far before the stores that rely on them have run:
 *  - fresh: a block is pma_malloc'ed, 1100 hooked stores to distinct lines
 *    follow, then the block is initialised with no hook;
 *  - covered: a hooked store to a word, the list overflows within the next 8
 *    hook calls, then the word is stored again with no hook;
 *  - batch: a hooked store to a word, 1023 more hooks fill the list, then a
 *    batch hook (__pma_store_v) for the word (already logged: filtered) and
 *    a new range overflows it: both are stored with no hook of their own.
 * Without the runtime noting those ranges again, their last stores never
 * reach the media (policy none keeps only what was flushed and fenced).
 */
#include <pmatomic.h>
#include <pmatomic_interface.h>
#include <stdio.h>
#include <string.h>

#define NLINES 1100
#define STRIDE 16 /* longs: 128 bytes, so no two noted ranges merge */

struct node { /* its own size class: no line shared with the root */
  long a, b, c, d, pad[28];
};
struct root {
  long *arr;
  struct node *node;
  long word;
  long *arr2;
  long pad[12];
  long word2; /* a line of its own */
};

int main(int argc, char **argv) {
  if (argc != 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 2;
  }
  struct root *r = pma_root(h, sizeof *r);
  if (!strcmp(argv[2], "check")) {
    int bad = 0;
    if (!r->node || r->node->a != 0x1111 || r->node->d != 0x4444) {
      printf("fresh block lost its stores\n");
      bad = 1;
    }
    if (r->word != 6) {
      printf("covered word is %ld, not 6\n", r->word);
      bad = 1;
    }
    if (r->word2 != 8 || !r->node || r->node->c != 0x5555) {
      printf("batch: word is %ld, not 8; node c %#lx, not 0x5555\n", r->word2,
             r->node ? (unsigned long)r->node->c : 0ul);
      bad = 1;
    }
    for (int i = 0; i < NLINES && r->arr; i++)
      if (r->arr[i * STRIDE] != 2 || r->arr2[i * STRIDE] != 3) {
        printf("arr[%d] is %ld\n", i, r->arr[i * STRIDE]);
        bad = 1;
        break;
      }
    if (!bad)
      printf("all committed stores durable\n");
    pma_close(h);
    return bad;
  }

  pma_begin();
  long *arr = pma_calloc(NLINES * STRIDE, sizeof(long));
  __pma_store8(&r->arr);
  r->arr = arr;
  long *arr2 = pma_calloc(NLINES * STRIDE, sizeof(long));
  __pma_store8(&r->arr2);
  r->arr2 = arr2;
  pma_end();

  /* fresh */
  pma_begin();
  struct node *n = pma_malloc(sizeof *n);
  for (int i = 0; i < NLINES; i++) {
    __pma_store8(&arr[i * STRIDE]);
    arr[i * STRIDE] = 1;
  }
  n->a = 0x1111;
  n->b = 0x2222;
  n->c = 0x3333;
  n->d = 0x4444;
  __pma_store8(&r->node);
  r->node = n;
  pma_end();

  /* covered: 1019 ranges noted, the covering store, then 8 hooks (overflow) */
  pma_begin();
  for (int i = 0; i < 1019; i++) {
    __pma_store8(&arr[i * STRIDE]);
    arr[i * STRIDE] = 2;
  }
  __pma_store8(&r->word);
  r->word = 5;
  for (int i = 1019; i < 1027; i++) {
    __pma_store8(&arr[i * STRIDE]);
    arr[i * STRIDE] = 2;
  }
  r->word = 6;
  for (int i = 1027; i < NLINES; i++) {
    __pma_store8(&arr[i * STRIDE]);
    arr[i * STRIDE] = 2;
  }
  pma_end();

  /* batch: the covering store, 1023 ranges (the list is full), then a batch
   * hook whose new range overflows the list after the covered one was
   * filtered */
  pma_begin();
  __pma_store8(&r->word2);
  r->word2 = 7;
  for (int i = 0; i < 1023; i++) {
    __pma_store8(&arr2[i * STRIDE]);
    arr2[i * STRIDE] = 3;
  }
  struct __pma_span v[2] = {{&r->word2, sizeof r->word2}, {&n->c, sizeof n->c}};
  __pma_store_v(v, 2);
  r->word2 = 8;
  n->c = 0x5555;
  for (int i = 1023; i < NLINES; i++) {
    __pma_store8(&arr2[i * STRIDE]);
    arr2[i * STRIDE] = 3;
  }
  pma_end();
  struct pma_stats s;
  pma_get_stats(&s);
  printf("written: %llu fences\n", (unsigned long long)s.fences);
  return 0; /* no pma_close: the simulator takes this as a power failure */
}
