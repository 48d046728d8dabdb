/*
 * signals.c -- signal handlers that enter the runtime (design.md section 1,
 * "Signal handlers")
 *
 * A handler's stores into the heap run the store hooks, and its locks the
 * lock hooks, on the thread it interrupted.  If that thread was inside the
 * runtime -- half-way through appending an undo record, entering a word in
 * the filter, noting a dirty range, committing -- the handler's hook would
 * append a record over the half-written one and leave a log that recovery
 * refuses as damaged in the middle (issue #18 item 4).
 *
 * So the runtime keeps a per-thread count of the runtime sections the
 * thread is in (pma_thread.in_rt, set and cleared with plain stores and
 * compiler barriers: no system call, no atomic instruction on the store
 * path), and installs its own wrapper in front of every handler the program
 * installs with sigaction(), signal(), bsd_signal() or sysv_signal() (this
 * file defines them and calls glibc's __sigaction).  The wrapper runs the
 * program's handler at once when the thread is not inside the runtime;
 * inside, it saves the signal and returns, and the thread runs the handler
 * when it leaves its outermost runtime section (pma_rt_leave), with the
 * handler's signal mask applied as the kernel would have: between two of
 * the program's own statements, where the per-thread log state is whole.
 *
 * Synchronous signals (a fault: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP,
 * SIGSYS with si_code > 0) are never deferred: returning would re-execute the
 * faulting instruction.  Like the kernel, the wrapper keeps at most one
 * pending instance of each signal.  A deferred SA_SIGINFO handler gets the
 * siginfo of the delivery and a ucontext of the point where it runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "internal.h"

/* glibc's own entry point (exported, GLIBC_2.2.5): the real sigaction */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#define PMA_SIG_SAVED 4 /* deferred signals whose siginfo is kept, per thread */

/* The program's actions, double-buffered so that a wrapper running on
 * another thread while sigaction() replaces one reads a whole one. */
static struct sigaction user_act[2][NSIG];
static unsigned char user_cur[NSIG];  /* which buffer is current (atomic byte) */
static unsigned char wrapped[NSIG];   /* the kernel has our wrapper for sig */
static pthread_mutex_t act_lock = PTHREAD_MUTEX_INITIALIZER;

/* One deferred signal: sig is 0 when the entry is free, -1 while it fills. */
struct pma_saved_sig {
  int sig;
  siginfo_t si;
  struct sigaction act;
};
static __thread struct pma_saved_sig saved[PMA_SIG_SAVED] __attribute__((tls_model("initial-exec")));

/* sig_bit -- the bit of sig in pma_thread.sig_pending */
static inline uint64_t sig_bit(int sig) { return 1ull << ((unsigned)(sig - 1) & 63); }

/* current_act -- the program's action for sig */
static inline struct sigaction *current_act(int sig) {
  return &user_act[__atomic_load_n(&user_cur[sig], __ATOMIC_ACQUIRE)][sig];
}

/* synchronous -- a fault of the interrupted instruction (must not wait) */
static int synchronous(int sig, const siginfo_t *si) {
  switch (sig) {
  case SIGSEGV:
  case SIGBUS:
  case SIGILL:
  case SIGFPE:
  case SIGTRAP:
  case SIGSYS:
    return si && si->si_code > 0;
  default:
    return 0;
  }
}

/* call_handler -- run the program's handler a for sig.  In pmem and sim
 * modes the ring of recent hook ranges is kept around it: stores of the
 * interrupted code that rely on an earlier hook's note must still be noted
 * if the handler's stores flush the dirty list early (hooks.c). */
static void call_handler(const struct sigaction *a, int sig, siginfo_t *si, void *uc) {
  struct pma_thread *t = pma_self();
  struct pma_recent_saved saved_ring;
  int keep = pma_rt.durable && t->registered;
  if (keep)
    pma_recent_save(t, &saved_ring);
  t->in_handler++;
  if (a->sa_flags & SA_SIGINFO)
    a->sa_sigaction(sig, si, uc);
  else
    a->sa_handler(sig);
  t->in_handler--;
  if (keep)
    pma_recent_restore(t, &saved_ring);
}

/* defer -- the thread is inside the runtime: keep sig for pma_rt_leave */
static void defer(struct pma_thread *t, int sig, const siginfo_t *si, const struct sigaction *a) {
  uint64_t bit = sig_bit(sig);
  if (t->sig_pending & bit) /* one pending instance per signal, as the kernel keeps */
    return;
  for (int i = 0; i < PMA_SIG_SAVED; i++) {
    int z = 0;
    /* a lock-prefixed exchange: a nested handler cannot take the same entry */
    if (__atomic_compare_exchange_n(&saved[i].sig, &z, -1, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      saved[i].si = *si;
      saved[i].act = *a;
      atomic_signal_fence(memory_order_seq_cst);
      saved[i].sig = sig;
      break;
    }
  }
  /* no entry free: the handler runs later with a siginfo holding only the
   * signal number and the action current then */
  __atomic_fetch_or(&t->sig_pending, bit, __ATOMIC_RELAXED);
}

/* wrapper -- what the kernel calls for every handler the program installed */
static void wrapper(int sig, siginfo_t *si, void *uc) {
  struct pma_thread *t = pma_self();
  struct sigaction a = *current_act(sig);
  if (a.sa_flags & SA_RESETHAND) {
    /* the kernel has reset the disposition: so does the program's view */
    struct sigaction *cur = current_act(sig);
    cur->sa_handler = SIG_DFL;
    cur->sa_flags &= ~SA_SIGINFO;
  }
  if (a.sa_handler == SIG_DFL || a.sa_handler == SIG_IGN)
    return; /* replaced while this delivery was on its way */
  if (t->in_rt && !synchronous(sig, si) && !PMA_MUTANT(signal_not_deferred)) {
    defer(t, sig, si, &a);
    return;
  }
  call_handler(&a, sig, si, uc);
}

/* run_one -- run a deferred handler as the kernel would have delivered it */
static void run_one(int sig, siginfo_t *si, const struct sigaction *a) {
  if (a->sa_handler == SIG_IGN)
    return;
  if (a->sa_handler == SIG_DFL) { /* replaced by the default since: act on it */
    raise(sig);
    return;
  }
  sigset_t mask = a->sa_mask, old;
  if (!(a->sa_flags & SA_NODEFER))
    sigaddset(&mask, sig);
  pthread_sigmask(SIG_BLOCK, &mask, &old);
  ucontext_t uc;
  if (a->sa_flags & SA_SIGINFO)
    getcontext(&uc);
  call_handler(a, sig, si, &uc);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* pma_sig_run_deferred -- the thread left its outermost runtime section with
 * signals pending: run their handlers now (errno kept for the caller).  A
 * handler that comes while this runs (the thread is outside the runtime) may
 * run deferred handlers itself, so each delivery is claimed first: its
 * pending bit with one atomic and, when its siginfo was kept, its entry with
 * a compare-exchange -- never run twice, never looked up after another
 * run took it (the lowest pending signal first, as the kernel delivers). */
void pma_sig_run_deferred(struct pma_thread *t) {
  int e = errno;
  while (!t->in_rt) {
    uint64_t pend = __atomic_load_n(&t->sig_pending, __ATOMIC_RELAXED);
    if (!pend)
      break;
    int sig = __builtin_ctzll(pend) + 1;
    if (!(__atomic_fetch_and(&t->sig_pending, ~sig_bit(sig), __ATOMIC_RELAXED) & sig_bit(sig)))
      continue; /* a nested run took it */
    siginfo_t si;
    struct sigaction a;
    int found = 0;
    for (int i = 0; i < PMA_SIG_SAVED && !found; i++) {
      int s = sig;
      /* -2: being read (defer() only takes entries that hold 0) */
      if (__atomic_compare_exchange_n(&saved[i].sig, &s, -2, 0, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED)) {
        si = saved[i].si;
        a = saved[i].act;
        atomic_signal_fence(memory_order_seq_cst);
        __atomic_store_n(&saved[i].sig, 0, __ATOMIC_RELAXED);
        found = 1;
      }
    }
    if (!found) { /* pending without a saved entry (all were taken) */
      memset(&si, 0, sizeof si);
      si.si_signo = sig;
      si.si_code = SI_USER;
      a = *current_act(sig);
    }
    PMA_STAT(t, signals_deferred, 1);
    run_one(sig, &si, &a);
  }
  errno = e;
}

/* set_action -- sigaction behind the wrapper (signal() and friends call it
 * directly, not through the exported symbol a sanitizer may intercept) */
static int set_action(int sig, const struct sigaction *act, struct sigaction *old) {
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP)
    return __sigaction(sig, act, old);
  /* sigaction is async-signal-safe: no handler of this thread may come in
   * while the lock is held */
  sigset_t all, prev;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &prev);
  pthread_mutex_lock(&act_lock);
  unsigned cur = user_cur[sig];
  struct sigaction before = user_act[cur][sig], kold;
  int was = wrapped[sig], rc;
  if (act && act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN) {
    user_act[cur ^ 1][sig] = *act;
    __atomic_store_n(&user_cur[sig], cur ^ 1, __ATOMIC_RELEASE);
    struct sigaction k = *act;
    k.sa_sigaction = wrapper;
    k.sa_flags |= SA_SIGINFO;
    rc = __sigaction(sig, &k, &kold);
    if (rc)
      __atomic_store_n(&user_cur[sig], cur, __ATOMIC_RELEASE);
    else
      wrapped[sig] = 1;
  } else {
    rc = __sigaction(sig, act, &kold);
    if (!rc && act) {
      user_act[cur ^ 1][sig] = *act;
      __atomic_store_n(&user_cur[sig], cur ^ 1, __ATOMIC_RELEASE);
      wrapped[sig] = 0;
    }
  }
  pthread_mutex_unlock(&act_lock);
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  if (!rc && old) {
    if (was && kold.sa_sigaction == wrapper)
      *old = before;
    else
      *old = kold;
  }
  return rc;
}

/* sigaction -- the program's sigaction: its handlers run behind the wrapper */
PMA_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  return set_action(sig, act, old);
}

/* set_handler -- signal() and friends on top of sigaction */
static sighandler_t set_handler(int sig, sighandler_t h, int flags) {
  struct sigaction a, o;
  memset(&a, 0, sizeof a);
  a.sa_handler = h;
  sigemptyset(&a.sa_mask);
  a.sa_flags = flags;
  if (sig <= 0 || sig >= NSIG) {
    errno = EINVAL;
    return SIG_ERR;
  }
  if (set_action(sig, &a, &o))
    return SIG_ERR;
  return o.sa_handler;
}

/* signal / bsd_signal -- glibc's BSD semantics: restart, signal blocked */
PMA_EXPORT sighandler_t signal(int sig, sighandler_t h) { return set_handler(sig, h, SA_RESTART); }
PMA_EXPORT sighandler_t bsd_signal(int sig, sighandler_t h) {
  return set_handler(sig, h, SA_RESTART);
}
/* sysv_signal -- System V semantics: one-shot, not blocked */
PMA_EXPORT sighandler_t sysv_signal(int sig, sighandler_t h) {
  return set_handler(sig, h, SA_RESETHAND | SA_NODEFER);
}
