/*
 * sim-broken.c -- a deliberately broken program: it keeps two counters equal
 * but updates them outside any FASE, so a crash between the two stores (or a
 * cache that wrote back only one of them) breaks the invariant.  crashtest
 * must catch it and print a reproducer.
 */
#include <pmatomic.h>
#include <stdio.h>

struct pair { long a, b; };

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h)
    return 2;
  struct pair *p = pma_root(h, sizeof *p);
  if (p->a != p->b) {
    printf("broken: a=%ld b=%ld\n", p->a, p->b);
    return 1;
  }
  for (int i = 0; i < 5; i++) {
    p->a++; /* no lock, no pma_begin: not failure-atomic */
    pma_sync();
    p->b++;
    pma_sync();
  }
  pma_close(h);
  return 0;
}
