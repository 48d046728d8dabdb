/*
 * sim-signal.c -- crash-simulator program: a signal handler that stores into
 * the heap comes in the middle of the runtime's work (issue #18 item 4)
 *
 *   sim-signal HEAP [ROUNDS [K]]
 * Before opening the heap it sets PMA_SIM_RAISE=SIGUSR1/K (K default 6), so
 * the simulator raises SIGUSR1 at every K-th cache flush the thread makes
 * inside a FASE: inside the store hooks (an undo record written and flushed
 * but not yet counted as written), inside commits, inside allocations.  The
 * handler (installed with sigaction) counts the signal in the heap outside
 * any lock -- a store that joins the FASE it interrupts -- and moves one unit
 * between two counters under its own mutex; a second handler, for SIGUSR2
 * and installed with signal(), is raised by the first every fourth time and
 * stores too.  Each FASE of the program writes generation g+1 into 24 words
 * on different cache lines (24 undo records), allocates a block and frees
 * the previous one.
 * The handlers make at most 4 flushes, fewer than K: the flushes of a handler
 * count too, and a handler that raised its own signal again would never end.
 * Check: the 24 words belong to one generation, the block is live and
 * holds that generation, and the handler's counters sum to zero.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NW 24

struct root {
  long gen;
  pthread_mutex_t m, hl;
  struct {
    long v;
    char pad[56];
  } w[NW];
  long *blk;
  long sigs, sigs2; /* handler stores outside its lock */
  long hx, hy;      /* under hl: hx + hy == 0 */
};
static struct root *r;

/* val -- word i in generation g (generation 0: the zeroed root) */
static long val(long g, long i) { return g ? g * 7919 + i * 104729 : 0; }

/* on_usr2 -- a handler installed with signal(): one store, no lock */
static void on_usr2(int sig) {
  (void)sig;
  if (r)
    r->sigs2++;
}

/* on_usr1 -- stores outside and inside the handler's own lock */
static void on_usr1(int sig) {
  (void)sig;
  if (!r) /* the FASEs of pma_open and pma_root */
    return;
  r->sigs++;
  pthread_mutex_lock(&r->hl);
  r->hx++;
  r->hy--;
  pthread_mutex_unlock(&r->hl);
  if (r->sigs % 4 == 0)
    raise(SIGUSR2);
}

/* check -- 0 when the words, the block and the handler's pair agree */
static int check(const char *when) {
  long g = r->gen;
  for (int i = 0; i < NW; i++)
    if (r->w[i].v != val(g, i)) {
      printf("%s: gen %ld: w[%d] is %ld, expected %ld\n", when, g, i, r->w[i].v, val(g, i));
      return 1;
    }
  if (g && (!r->blk || !pma_is_heap(r->blk, sizeof(long)) ||
            pma_usable_size(r->blk) < sizeof(long) || *r->blk != g)) {
    printf("%s: gen %ld: the block %p is not live or does not hold the generation\n", when, g,
           (void *)r->blk);
    return 1;
  }
  if (r->hx + r->hy != 0) {
    printf("%s: the handler's counters are %ld and %ld (sum not 0)\n", when, r->hx, r->hy);
    return 1;
  }
  return 0;
}

/* step -- one FASE: generation g -> g + 1 */
static void step(void) {
  pthread_mutex_lock(&r->m);
  long g = r->gen + 1;
  r->gen = g;
  for (int i = 0; i < NW; i++)
    r->w[i].v = val(g, i);
  long *b = pma_malloc(sizeof *b);
  if (!b) {
    printf("out of heap: %s\n", pma_errormsg());
    exit(2);
  }
  *b = g;
  pma_free(r->blk);
  r->blk = b;
  pthread_mutex_unlock(&r->m);
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 4;
  char spec[32];
  snprintf(spec, sizeof spec, "%d/%s", SIGUSR1, argc > 3 ? argv[3] : "6");
  setenv("PMA_SIM_RAISE", spec, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) || signal(SIGUSR2, on_usr2) == SIG_ERR)
    return 2;
  pma_heap *h;
  struct root *opened = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);
  r = opened;
  if (check("after recovery"))
    return 1;
  for (int i = 0; i < rounds; i++)
    step();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
