// A signal handler whose stores overflow the dirty list must not make the
// interrupted code lose a note it relies on (issue #18 item 4).  The program
// calls the hooks by hand where the pass would: one 16-byte hook covers the
// two 8-byte stores that follow it without hooks of their own.  The simulator
// raises SIGUSR1 inside that hook (PMA_SIM_RAISE); the handler, run at the end
// of the hook, stores to 70 separate lines, more than the 64 ranges of the
// dirty list (PMA_TEST_DIRTY_CAP=64), so the list is flushed early -- before
// the two stores -- and the hooks note their 32 latest ranges again: all the
// handler's.  The runtime keeps the interrupted code's ring around the
// handler and notes it again, so the commit flushes the two stores.
// Check after every crash point (policy none: nothing unflushed survives):
// once the FASE's `done` is durable, so are both stores.  Mutant
// signal_ring_lost (the ring is not noted again) fails here.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: %pmatomic crashtest -q --policies none --recovery-depth 0 --recovery-points 0 -- %t %%h | FileCheck %s
// CHECK: testing [[N:[0-9]+]] crash points
// CHECK-NOT: FAIL
// CHECK: crashtest: [[N]] points, {{.*}} 0 failures
#include "runtime-test.h"

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

/* on_usr1 -- the first delivery after arm: 70 hooked stores */
static void on_usr1(int sig) {
  (void)sig;
  if (!arm)
    return;
  arm = 0;
  for (int i = 0; i < NFAR; i++)
    ST(r->far[i].v, i + 1);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  char spec[32];
  snprintf(spec, sizeof spec, "%d/1", SIGUSR1);
  setenv("PMA_SIM_RAISE", spec, 1);
  setenv("PMA_TEST_DIRTY_CAP", "64", 1);
  pma_heap *h = pma_open(argv[1], 1 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  CHECK(r);
  if (r->done && (r->p.a != 1 || r->p.b != 2)) {
    printf("after recovery: done, but the stores after the covering hook are %ld/%ld, expected "
           "1/2\n", r->p.a, r->p.b);
    return 1;
  }
  if (!r->done) {
    pma_begin();
    arm = 1;
    __pma_store_n(&r->p, sizeof r->p); /* SIGUSR1 comes inside this hook */
    CHECK(!arm);                       /* the handler ran before the stores */
    r->p.a = 1;                        /* no hooks: the one above covers them */
    r->p.b = 2;
    ST(r->done, 1);
    pma_end();
  }
  CHECK(pma_close(h) == 0);
  return 0;
}
