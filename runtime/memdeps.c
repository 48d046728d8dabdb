/*
 * memdeps.c -- dependencies through memory: FASEs that communicate through
 * atomics (always) or racy plain loads (the opt-in load-tracking mode)
 * rather than through a lock (design.md section 1, "Atomics and racy
 * reads")
 *
 * The lock table (deps.c) links a FASE to the unretired FASE that last
 * released the lock it takes.  A data-race-free program can also pass data
 * through an atomic: thread B's FASE fetch_adds a counter that thread A's
 * FASE, still running, incremented.  If A rolls back, its undo record puts
 * back the counter's old bytes and erases B's increment; B must roll back
 * with it.  So the heap's granules of PMA_OWN_GRAIN bytes hash into a fixed
 * owner table: a FASE that writes a granule with an atomic (or, in the
 * load-tracking mode, any store) names itself there -- (slot, seq) and how
 * many records it had written -- and a FASE that reads or writes it later
 * with an atomic (or any load, in that mode) takes a dependency on the named
 * FASE exactly as a lock acquisition does (pma_dep_on: a DEP record, fenced).
 *
 * Granules that hash to the same entry share it: the entry names only the
 * last writer, so a writer first takes a dependency on the FASE the entry
 * names before naming itself.  Whoever reads a granule written by an earlier
 * FASE of the entry then depends on it through the chain of later writers
 * (a dependency on a FASE that did not touch the granule only rolls back
 * more than needed).  Every dependency names records written before the
 * look-up in real time, so they cannot form a cycle.
 *
 * An atomic write holds its entry's spinlock from before its hook logs the
 * old bytes until after the instruction (__pma_atomic_begin/end): two FASEs'
 * read-modify-writes of one word must log the value the other wrote, in the
 * order they wrote, or a rollback restores a stale value.  Look-ups take no
 * lock: the fields sit behind a sequence counter.
 */
#define _GNU_SOURCE
#include <sched.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ((void)0)
#endif

struct pma_own {
  _Atomic uint32_t lock; /* 1 while a writer holds the entry */
  _Atomic uint32_t ver;  /* odd while who/nrec change */
  _Atomic uint64_t who;  /* (seq << 8) | slot of the last writer, 0 = nobody */
  _Atomic uint64_t nrec; /* its records when it wrote */
  uint64_t pad;
};
_Static_assert(PMA_NSLOTS <= 256, "memdeps.c packs the slot into 8 bits");

static struct pma_own owners[PMA_OWN_CAP] __attribute__((aligned(64)));

/* set at open: atomics and, with the flag below, loads make dependencies */
int pma_mem_deps;
/* set by __pma_track_loads_init, the constructor the pass emits in modules
 * compiled with -fplugin-arg-pmatomic-track-loads */
int pma_track_loads;

/* __pma_track_loads_init -- plain stores of FASEs name their writer too */
PMA_EXPORT void __pma_track_loads_init(void) { pma_track_loads = 1; }

/* own_index -- the entry of the granule holding address a */
static inline unsigned own_index(uintptr_t a) {
  return (unsigned)(((uint64_t)(a >> PMA_OWN_SHIFT) * PMA_P1) >> (64 - PMA_OWN_BITS));
}

/* own_acquire / own_release -- the entry's writer spinlock */
static void own_acquire(struct pma_own *o) {
  for (unsigned spins = 0;; spins++) {
    if (!atomic_load_explicit(&o->lock, memory_order_relaxed) &&
        !atomic_exchange_explicit(&o->lock, 1, memory_order_acquire))
      return;
    if (spins > 64) /* the holder may be preempted in a fence or a log chunk allocation */
      sched_yield();
    else
      cpu_relax();
  }
}
static void own_release(struct pma_own *o) {
  atomic_store_explicit(&o->lock, 0, memory_order_release);
}

/* pma_own_lock -- lock the entries of the granules of [a, a+len) (len <= 16,
 * so at most two granules), lower index first; their indices in idx[] */
unsigned pma_own_lock(uintptr_t a, size_t len, unsigned idx[2]) {
  unsigned i = own_index(a), j = own_index(a + len - 1);
  if (i == j) {
    own_acquire(&owners[i]);
    idx[0] = i;
    return 1;
  }
  idx[0] = i < j ? i : j;
  idx[1] = i < j ? j : i;
  own_acquire(&owners[idx[0]]);
  own_acquire(&owners[idx[1]]);
  return 2;
}

/* pma_own_unlock -- release what pma_own_lock took */
void pma_own_unlock(const unsigned *idx, unsigned n) {
  while (n--)
    own_release(&owners[idx[n]]);
}

/* pma_own_depend -- t reads (or overwrites) what the writer entry i names
 * wrote: depend on it unless it is t's own slot or retired */
void pma_own_depend(struct pma_thread *t, unsigned i) {
  struct pma_own *o = &owners[i];
  uint64_t who, nrec;
  for (;;) {
    uint32_t v = atomic_load_explicit(&o->ver, memory_order_acquire);
    who = atomic_load_explicit(&o->who, memory_order_relaxed);
    nrec = atomic_load_explicit(&o->nrec, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (!(v & 1) && atomic_load_explicit(&o->ver, memory_order_relaxed) == v)
      break;
    cpu_relax();
  }
  if (!who)
    return;
  unsigned slot = (unsigned)(who & 0xff);
  uint64_t seq = who >> 8;
  if ((int)slot == t->slot ||
      atomic_load_explicit(&pma_rt.heap->sv[slot].retired, memory_order_acquire) >= seq)
    return;
  pma_dep_on(t, slot, seq, nrec, 1);
}

/* pma_own_set -- entry i (locked by the caller) names t's FASE, which has
 * logged what it is about to write: t->nrec records so far */
void pma_own_set(struct pma_thread *t, unsigned i) {
  struct pma_own *o = &owners[i];
  if (!t->logging)
    pma_fase_open_log(t);
  t->wrote = 1; /* named: the FASE must retire (or commit) even if it logs nothing */
  t->named = 1; /* ...and its retire must look for FASEs that wait for it */
  uint32_t v = atomic_load_explicit(&o->ver, memory_order_relaxed);
  atomic_store_explicit(&o->ver, v + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(&o->who, (t->seq << 8) | (uint64_t)t->slot, memory_order_relaxed);
  atomic_store_explicit(&o->nrec, t->nrec, memory_order_relaxed);
  atomic_store_explicit(&o->ver, v + 2, memory_order_release);
}

/* granules -- first entry index and count to visit for [s, e): every entry
 * once at most (a range of more granules than entries visits them all) */
static uint64_t granules(uintptr_t s, uintptr_t e) {
  uint64_t n = ((e - 1) >> PMA_OWN_SHIFT) - (s >> PMA_OWN_SHIFT) + 1;
  return n > PMA_OWN_CAP ? PMA_OWN_CAP : n;
}

/* pma_own_range_load -- t read [s, e) (load-tracking mode, or an atomic
 * load): depend on the writers its granules name */
void pma_own_range_load(struct pma_thread *t, uintptr_t s, uintptr_t e) {
  uint64_t n = granules(s, e);
  if (n == PMA_OWN_CAP) {
    for (unsigned i = 0; i < PMA_OWN_CAP; i++)
      pma_own_depend(t, i);
    return;
  }
  for (uint64_t k = 0; k < n; k++)
    pma_own_depend(t, own_index(s + (k << PMA_OWN_SHIFT)));
}

/* pma_own_range_store -- t logged a plain store to [s, e) (load-tracking
 * mode): each granule's entry names t's FASE, after t depends on the writer
 * it named (the chain of the header comment) */
void pma_own_range_store(struct pma_thread *t, uintptr_t s, uintptr_t e) {
  uint64_t n = granules(s, e);
  for (uint64_t k = 0; k < n; k++) {
    unsigned i = n == PMA_OWN_CAP ? (unsigned)k : own_index(s + (k << PMA_OWN_SHIFT));
    own_acquire(&owners[i]);
    pma_own_depend(t, i);
    pma_own_set(t, i);
    own_release(&owners[i]);
  }
}

/* pma_own_open -- forget every writer (the slots and seqs of another open) */
void pma_own_open(struct pma_heap *h) {
  for (unsigned i = 0; i < PMA_OWN_CAP; i++) {
    atomic_store(&owners[i].who, 0);
    atomic_store(&owners[i].nrec, 0);
  }
  pma_mem_deps = !h->env.no_deps && !h->env.no_mem_deps;
}
