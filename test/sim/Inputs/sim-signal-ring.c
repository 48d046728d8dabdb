/*
 * sim-signal-ring.c -- crash-simulator program: a signal handler whose
 * stores overflow the dirty list while the code it interrupted still relies
 * on a note (issue #18 item 4)
 *
 *   sim-signal-ring HEAP
 * The pass gives the two stores of r->p one batch hook and no hooks of their
 * own.  The simulator raises SIGUSR1 inside that hook (PMA_SIM_RAISE, set by
 * the program); the handler, run at the end of the hook, stores to 70
 * separate lines, more than the 64 ranges of the dirty list (the program
 * sets PMA_TEST_DIRTY_CAP=64), so the list is flushed early -- before the two
 * stores -- and the hooks note their latest 32 ranges again: all the
 * handler's.  The runtime must keep the interrupted code's ring of recent
 * hook ranges around the handler and note it again.
 * Check: once r->done (stored after the pair, with a hook of its own) is
 * durable, so are both stores.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFAR 70

struct root {
  long done;
  char pad0[56];
  struct {
    long a, b;
  } p __attribute__((aligned(64)));
  char pad1[64];
  struct {
    long v;
    char pad[120];
  } far[NFAR]; /* one store per 128 bytes: no two ranges merge */
};
static struct root *r;
static volatile int arm;
static volatile long step = 1;

/* on_usr1 -- the first delivery after arm: 70 stores on separate lines */
static void on_usr1(int sig) {
  (void)sig;
  if (!arm)
    return;
  arm = 0;
  for (int i = 0; i < NFAR; i++)
    r->far[i * step].v = i + 1;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL))
    return 2;
  char spec[32];
  snprintf(spec, sizeof spec, "%d/1", SIGUSR1);
  setenv("PMA_SIM_RAISE", spec, 1);
  setenv("PMA_TEST_DIRTY_CAP", "64", 1);
  pma_heap *h;
  r = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);
  if (r->done && (r->p.a != 1 || r->p.b != 2)) {
    printf("after recovery: done, but the pair is %ld/%ld, expected 1/2\n", r->p.a, r->p.b);
    return 1;
  }
  if (!r->done) {
    pma_begin();
    arm = 1;
    r->p.a = 1; /* one batch hook for both; SIGUSR1 comes inside it */
    r->p.b = 2;
    if (pma_in_fase()) /* a call: done gets a hook of its own */
      r->done = 1;
    pma_end();
  }
  return pma_close(h) ? 1 : 0;
}
