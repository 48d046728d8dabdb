/*
 * sim-open.h -- the preamble of the crash-simulator test programs
 */
#ifndef SIM_OPEN_H
#define SIM_OPEN_H

#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>

/* sim_open_root -- open the heap at path (created with size bytes) into *hp
 * and return its root of root_size bytes.  Exits 2 when the heap cannot be
 * opened or has no root, 1 when the root is not a live block of that size
 * (after a recovery: a broken heap). */
static void *sim_open_root(const char *path, size_t size, size_t root_size, pma_heap **hp) {
  pma_heap *h = pma_open(path, size);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    exit(2);
  }
  void *r = pma_root(h, root_size);
  if (!r || pma_usable_size(r) < root_size) {
    printf("root: %p is not a live block (%s)\n", r, pma_errormsg());
    exit(r ? 1 : 2);
  }
  *hp = h;
  return r;
}

#endif /* SIM_OPEN_H */
