// The runtime's sigaction/signal (runtime/signals.c, issue #18 item 4): the
// program sees its own handlers (not the wrapper) in the old action, signal()
// returns the previous handler, SA_RESETHAND leaves SIG_DFL behind.  A signal
// the simulator raises from inside a store hook (PMA_SIM_RAISE) is deferred
// to the end of the hook: the handler runs before the store, with the
// delivery's siginfo and its signal blocked, errno is kept for the
// interrupted code, and the handler's store is part of the FASE.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && env PMA_MODE=sim %t %t.heap | FileCheck %s
// CHECK: old action: the program's handler, SA_SIGINFO kept
// CHECK-NEXT: signal(): SIG_DFL, then the first handler
// CHECK-NEXT: SA_RESETHAND: SIG_DFL after one delivery
// CHECK-NEXT: deferred: 1 handler run before the store, siginfo SIGUSR1/SI_TKILL, masked, errno kept
#include "runtime-test.h"

struct root {
  long a[16], h;
};
static struct root *r;
static volatile int runs, before_store, masked, info_ok;

static void on_info(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  if (!r || runs) /* the FASEs of pma_open and pma_root; then once is enough */
    return;
  sigset_t cur;
  pthread_sigmask(SIG_SETMASK, NULL, &cur);
  masked = sigismember(&cur, sig);
  info_ok = si && si->si_signo == SIGUSR1 && si->si_code == SI_TKILL;
  before_store = r->a[0] == 0; /* the interrupted hook's store comes after */
  ST(r->h, 77);
  runs++;
  errno = EINTR;
}
static void plain(int sig) { (void)sig; }
static void plain2(int sig) { (void)sig; }

int main(int argc, char **argv) {
  CHECK(argc == 2);
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_info;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  CHECK(sigaction(SIGUSR1, NULL, &old) == 0);
  CHECK(old.sa_sigaction == on_info && (old.sa_flags & SA_SIGINFO));
  printf("old action: the program's handler, SA_SIGINFO kept\n");

  CHECK(signal(SIGUSR2, plain) == SIG_DFL);
  CHECK(signal(SIGUSR2, plain2) == plain);
  printf("signal(): SIG_DFL, then the first handler\n");

  struct sigaction once;
  memset(&once, 0, sizeof once);
  once.sa_handler = plain;
  once.sa_flags = SA_RESETHAND;
  CHECK(sigaction(SIGHUP, &once, NULL) == 0);
  raise(SIGHUP);
  CHECK(sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_DFL);
  printf("SA_RESETHAND: SIG_DFL after one delivery\n");

  /* every flush inside a FASE raises SIGUSR1: the first one of the FASE
   * below is the undo record of a[0], flushed inside its hook */
  char spec[32];
  snprintf(spec, sizeof spec, "%d/1", SIGUSR1);
  setenv("PMA_SIM_RAISE", spec, 1);
  pma_heap *h = pma_open(argv[1], 1 << 20);
  CHECK(h);
  struct root *root = pma_root(h, sizeof *root); /* its FASE: r is still NULL */
  CHECK(root);
  r = root;
  struct pma_stats s0, s1;
  pma_get_stats(&s0);
  pma_begin();
  errno = 0;
  ST(r->a[0], 1); /* SIGUSR1 comes inside this hook */
  int e = errno;
  CHECK(runs >= 1 && before_store && masked && info_ok && e == 0);
  pma_get_stats(&s1);
  CHECK(s1.signals_deferred > s0.signals_deferred);
  printf("deferred: %d handler run before the store, siginfo SIGUSR1/SI_TKILL, masked, errno "
         "kept\n", runs > 0);
  pma_end();
  CHECK(r->h == 77 && r->a[0] == 1);
  CHECK(pma_close(h) == 0);
  return 0;
}
