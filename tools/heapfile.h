/*
 * heapfile.h -- read-only access to a heap file for the pmatomic tool
 * (`info`, `check`): validated header, private read-only mapping at any
 * address, and a struct pma_heap view the runtime's readers accept
 */
#ifndef PMATOMIC_HEAPFILE_H
#define PMATOMIC_HEAPFILE_H

#include "format.h"
#include "internal.h" /* struct pma_heap: the view the runtime's readers take */

struct heapfile {
  struct pma_heap h;      /* view: base, size, hdr, slots, map, data, nchunks, data_off */
  struct pma_header hdr;  /* header as read with pread (before mapping) */
  char *img;              /* PROT_READ, MAP_PRIVATE mapping of the whole file */
};

/* heapfile_open -- validate path's header with the runtime's own check and map
 * it privately; 0, or 1 after printing "pmatomic CMD: <why>" to stderr.
 * copy = 0: PROT_READ.  copy = 1: also PROT_WRITE, so the caller may change its
 * private copy-on-write image (never the file), e.g. to roll back pending FASEs. */
int heapfile_open(const char *cmd, const char *path, int copy, struct heapfile *f);
/* heapfile_close -- unmap */
void heapfile_close(struct heapfile *f);
/* heapfile_help -- 1 if argv is "CMD -h|--help" */
int heapfile_help(int argc, char **argv);

#endif
