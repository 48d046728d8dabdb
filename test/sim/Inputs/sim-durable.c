/*
 * sim-durable.c -- crash-simulator program: what the API promises is durable
 * really is, at the moment the call returns
 *
 *   sim-durable HEAP [ROUNDS]
 * After each promise the program records, in a side file HEAP.promised
 * (ordinary file I/O, which the simulated power failure does not touch),
 * what the heap must hold from then on:
 *   - a committed FASE (pma_end returned): the counter it incremented;
 *   - pma_sync() after a store outside any FASE: that store;
 *   - pma_persist() of a range stored outside any FASE: that range;
 *   - pma_close() returned: every store made before it, and the heap says
 *     it was closed cleanly.
 * At open the heap must hold at least what was promised (and a committed
 * counter at most one FASE ahead of its promise: the one whose pma_end had
 * not returned yet).  A heap that says it was closed cleanly must also hold
 * the last store made before the close, promised or not.
 */
#include <fcntl.h>
#include "sim-open.h"
#include <pmatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct root {
  long committed, twin;  /* incremented together in one FASE */
  long synced;           /* stored outside FASEs, then pma_sync */
  long pad[5];
  long persisted;        /* stored outside FASEs, then pma_persist */
  long closing;          /* stored outside FASEs just before pma_close */
};
struct promise {
  long committed, synced, persisted, closed;
};

static char side[4096];
static int sfd = -1;
static struct promise pr;

/* promise -- record what the heap must hold from now on */
static void promise(void) {
  if (pwrite(sfd, &pr, sizeof pr, 0) != sizeof pr) {
    perror("promise");
    exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  snprintf(side, sizeof side, "%s.promised", argv[1]);
  int fresh = access(argv[1], F_OK) != 0; /* a new heap promises nothing yet */
  sfd = open(side, O_RDWR | O_CREAT | (fresh ? O_TRUNC : 0), 0644);
  if (sfd < 0) {
    perror(side);
    return 2;
  }
  if (!fresh && pread(sfd, &pr, sizeof pr, 0) != sizeof pr)
    memset(&pr, 0, sizeof pr);
  pma_heap *h;
  struct root *r = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);
  int was_clean = pma_recovery(h)->was_clean && !pma_recovery(h)->created;
  int bad = 0;
  if (r->committed != r->twin) {
    printf("after recovery: a FASE is half there: committed %ld, twin %ld\n", r->committed,
           r->twin);
    bad = 1;
  }
  if (r->committed < pr.committed || r->committed > pr.committed + 1) {
    printf("after recovery: committed is %ld, but %ld was promised (pma_end returned)\n",
           r->committed, pr.committed);
    bad = 1;
  }
  if (r->synced < pr.synced) {
    printf("after recovery: synced is %ld, but %ld was promised (pma_sync returned)\n", r->synced,
           pr.synced);
    bad = 1;
  }
  if (r->persisted < pr.persisted) {
    printf("after recovery: persisted is %ld, but %ld was promised (pma_persist returned)\n",
           r->persisted, pr.persisted);
    bad = 1;
  }
  if (r->closing < pr.closed) {
    printf("after recovery: closing is %ld, but %ld was promised (pma_close returned)\n",
           r->closing, pr.closed);
    bad = 1;
  }
  if (was_clean && r->closing != r->committed) {
    printf("after a clean close: closing is %ld, expected %ld (the store made just before "
           "pma_close)\n",
           r->closing, r->committed);
    bad = 1;
  }
  if (bad)
    return 1;

  for (int i = 0; i < rounds; i++) {
    pma_begin();
    long c = r->committed + 1;
    r->committed = c;
    r->twin = c;
    pma_end();
    pr.committed = c;
    promise();

    r->synced = c; /* outside any FASE */
    pma_sync();
    pr.synced = c;
    promise();

    r->persisted = c;
    pma_persist(&r->persisted, sizeof r->persisted);
    pr.persisted = c;
    promise();
  }
  r->closing = r->committed; /* made durable by pma_close alone */
  long closing = r->closing;
  if (pma_close(h)) {
    printf("close: %s\n", pma_errormsg());
    return 2;
  }
  pr.closed = closing;
  promise();
  return 0;
}
