/*
 * fork.c -- a child forked while a heap is open must not write it
 *
 * The child shares the parent's MAP_SHARED mapping and the flock, but not its
 * threads, log slots or FASEs: anything it wrote would reach the file outside
 * every FASE of the parent, and a FASE it ran would use the parent's slots.
 * So the child gives the heap up at fork (pthread_atfork): the store hooks go
 * inert, the mapping becomes read-only in the child (reads still work; a
 * store faults instead of reaching the file), its copy of the descriptor is
 * closed (the flock stays with the parent), and every API call that names the
 * heap fails with a message saying why.  exec() ends all of it.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>

#include "fork.h"

static pthread_once_t watch_once = PTHREAD_ONCE_INIT;
static const struct pma_heap *inherited; /* the heap the parent had open at fork */
static pid_t parent_pid;

/* after_fork -- in the child: drop the heap (single-threaded here) */
static void after_fork(void) {
  struct pma_heap *h = pma_rt.heap;
  if (!h)
    return;
  __atomic_store_n(&pma_rt.size, 0, __ATOMIC_RELEASE);
  pma_rt.heap = NULL;
  pma_rt.epoch++;
  /* The forking thread's FASE, if any, stays the parent's. */
  pma_tls.depth = 0;
  pma_tls.ndeps = 0;
  pma_tls.wait_seq = 0;
  pma_tls.ndfrees = 0;
  mprotect(h->base, h->size, PROT_READ);
  if (h->fd >= 0)
    close(h->fd);
  inherited = h;
  parent_pid = getppid();
}

/* watch -- register the handler */
static void watch(void) { pthread_atfork(NULL, NULL, after_fork); }

/* pma_fork_watch -- install the fork handler (once per process) */
void pma_fork_watch(void) { pthread_once(&watch_once, watch); }

/* pma_fork_refuse -- in a forked child: explain and return 1 */
int pma_fork_refuse(const char *fn, const struct pma_heap *h) {
  if (!inherited || (h && h != inherited))
    return 0;
  pma_err("%s: heap %s was opened by process %d, which forked this process; a forked child "
          "cannot use the heap (it is read-only here): use it in the parent, or exec",
          fn, inherited->path, (int)parent_pid);
  return 1;
}
