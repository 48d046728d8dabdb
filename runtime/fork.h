/*
 * fork.h -- what a process forked while a heap is open may do with it
 * (runtime/fork.c; design.md section 5, "fork")
 */
#ifndef PMA_FORK_H
#define PMA_FORK_H

#include "internal.h"

/* pma_fork_watch -- install the fork handler (once per process) */
void pma_fork_watch(void) PMA_HIDDEN;
/* pma_fork_refuse -- in a child forked with a heap open: set the error for fn
 * and return 1 (h: the heap the call names, or NULL for "the open heap") */
int pma_fork_refuse(const char *fn, const struct pma_heap *h) PMA_HIDDEN;

#endif
