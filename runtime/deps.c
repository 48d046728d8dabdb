/*
 * deps.c -- dependency tracking for locks released in the middle of a FASE
 * (design.md section 1, "Releases in the middle of a FASE", and section 3)
 *
 * A lock released while its FASE has not retired (an inner release, a
 * condition wait with other locks held, or the last release of a FASE whose
 * commit still waits) is *published*: the lock's entry in the lock table
 * names the FASE (slot, seq) and how many of its records (nrec) came before
 * the release.  A thread that acquires a published lock whose FASE has not
 * retired yet writes a DEP record into its own log, fenced, before it goes
 * on.  At commit, a FASE with such a dependency (or an older FASE of its slot
 * still waiting) writes a COMMIT record instead of retiring and waits on its
 * slot's list; whichever thread retires the last FASE it depends on retires
 * it too (the cascade, fase.c) -- there is no helper thread.  Recovery rolls
 * back every incomplete FASE and every FASE that depends on one (recover.c).
 * This file keeps the two halves that happen at a lock: publish (release)
 * and depend (acquisition), and the lock table they share.
 *
 * Cost when no lock is ever released in the middle of a FASE: acquisitions
 * read one global flag that stays 0; commits test two thread-local fields.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* How many FASEs a lock entry may name that have not retired: running FASEs
 * that published a lock, plus committed FASEs that wait.  While it is 0 every
 * entry names a retired FASE (or nobody), so acquisitions skip the table and
 * a release that names nobody need not clear the lock's entry.  A publisher
 * counts itself before the release that lets anyone see its entry, and stops
 * counting only after it retired, so an acquirer of a lock whose entry still
 * matters reads a count above 0 (the lock orders the two). */
_Atomic int pma_dep_live;
/* guards the lock table's inserts and growth */
static pthread_mutex_t dep_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------ lock table */

/* One published lock.  The fields other than key are written only by a
 * thread that holds the lock (before its release) and read only by one that
 * holds it (after its acquisition), so the lock itself orders them. */
struct lnode {
  uintptr_t key;
  uint32_t slot;
  uint64_t seq, nrec;
};

/* Open-addressed map lock address -> node; lock-free lookups, inserts under
 * dep_lock, growth by copying the node pointers into a table twice the size
 * (nodes never move; old tables stay until close for concurrent readers). */
struct ltab {
  size_t cap, count;
  struct ltab *older;
  _Atomic(struct lnode *) e[];
};
static _Atomic(struct ltab *) ltab_cur;

/* ltab_home -- first probe index of a in a table of cap entries */
static inline size_t ltab_home(uintptr_t a, size_t cap) {
  return (size_t)(((a >> 3) * PMA_P1) >> 24) & (cap - 1);
}

/* ltab_find -- node of lock a, or NULL */
static struct lnode *ltab_find(uintptr_t a) {
  struct ltab *t = atomic_load_explicit(&ltab_cur, memory_order_acquire);
  if (!t)
    return NULL;
  for (size_t i = ltab_home(a, t->cap);; i = (i + 1) & (t->cap - 1)) {
    struct lnode *n = atomic_load_explicit(&t->e[i], memory_order_acquire);
    if (!n || n->key == a)
      return n;
  }
}

/* ltab_put -- insert node n into table t (dep_lock held, key absent) */
static void ltab_put(struct ltab *t, struct lnode *n) {
  size_t i = ltab_home(n->key, t->cap);
  while (atomic_load_explicit(&t->e[i], memory_order_relaxed))
    i = (i + 1) & (t->cap - 1);
  atomic_store_explicit(&t->e[i], n, memory_order_release);
  t->count++;
}

/* ltab_new -- empty table of cap entries chained to older */
static struct ltab *ltab_new(size_t cap, struct ltab *older) {
  struct ltab *t = calloc(1, sizeof *t + cap * sizeof(struct lnode *));
  if (!t)
    pma_fatal("out of memory for the published-lock table (%zu entries)", cap);
  t->cap = cap;
  t->older = older;
  return t;
}

/* ltab_insert -- the node of lock a, created if absent */
static PMA_NOINLINE struct lnode *ltab_insert(uintptr_t a) {
  pthread_mutex_lock(&dep_lock);
  struct lnode *n = ltab_find(a);
  if (!n) {
    struct ltab *t = atomic_load_explicit(&ltab_cur, memory_order_relaxed);
    if (!t || 2 * (t->count + 1) > t->cap) {
      struct ltab *g = ltab_new(t ? 2 * t->cap : 1024, t);
      for (size_t i = 0; t && i < t->cap; i++) {
        struct lnode *o = atomic_load_explicit(&t->e[i], memory_order_relaxed);
        if (o)
          ltab_put(g, o);
      }
      atomic_store_explicit(&ltab_cur, g, memory_order_release);
      t = g;
    }
    n = calloc(1, sizeof *n);
    if (!n)
      pma_fatal("out of memory for the published-lock table");
    n->key = a;
    ltab_put(t, n);
  }
  pthread_mutex_unlock(&dep_lock);
  return n;
}

/* ------------------------------------------------------------- publish */

/* publish -- lock was released by FASE (slot, seq) after nrec records */
static void publish(void *lock, int slot, uint64_t seq, uint64_t nrec) {
  uintptr_t a = (uintptr_t)lock;
  struct lnode *n = ltab_find(a);
  if (!n)
    n = ltab_insert(a);
  n->slot = (uint32_t)slot;
  n->seq = seq;
  n->nrec = nrec;
}

/* unpublish -- lock guards nothing a FASE that has not retired wrote */
static void unpublish(void *lock) {
  struct lnode *n = ltab_find((uintptr_t)lock);
  if (n)
    n->seq = 0;
}

/* pma_dep_release_mid -- t releases lock while its FASE goes on: name the
 * FASE in the lock's entry (opening the FASE's log to give it a number) */
void pma_dep_release_mid(struct pma_thread *t, void *lock) {
  if (t->npend) /* whoever takes the lock may free what this FASE allocated */
    pma_log_settle(t);
  if (!pma_rt.size || pma_rt.heap->env.no_deps || PMA_MUTANT(early_release))
    return;
  if (!t->nrec) {
    /* The FASE has neither written nor read from anyone yet: what the lock
     * guards is what it was when we took it, which depends at most on the
     * earlier FASEs of our own slot.  Name the last one still waiting, or
     * nobody -- not this FASE, which may stay open for long (a producer
     * waiting for room in a condition wait).  Nobody waits and nothing that
     * has not retired is named anywhere: nothing to change. */
    if (!atomic_load_explicit(&pma_dep_live, memory_order_acquire))
      return;
    struct pma_slotv *v = t->slot >= 0 ? &pma_rt.heap->sv[t->slot] : NULL;
    if (v && atomic_load_explicit(&v->nwait, memory_order_acquire))
      publish(lock, t->slot, v->last_seq, v->last_nrec);
    else
      unpublish(lock);
    return;
  }
  if (!t->published) /* counted until it retires (fase.c: wake_published, cascade) */
    atomic_fetch_add_explicit(&pma_dep_live, 1, memory_order_relaxed);
  t->published = 1;
  t->wrote = 1; /* the FASE must retire (or commit) even if it logs nothing */
  publish(lock, t->slot, t->seq, t->nrec);
}

/* pma_dep_release_last -- after the commit of t's FASE, before its last lock
 * is released: publish the lock if the FASE is still waiting */
void pma_dep_release_last(struct pma_thread *t, void *lock) {
  if (t->wait_seq && !pma_rt.heap->env.no_deps)
    publish(lock, t->slot, t->wait_seq, t->wait_nrec);
}

/* ------------------------------------------------------------- acquire */

/* pma_dep_acquired_slow -- t holds lock now; if a FASE that has not retired
 * released it, record the dependency durably before t reads anything */
void pma_dep_acquired_slow(struct pma_thread *t, void *lock) {
  if (!pma_rt.size)
    return;
  struct lnode *n = ltab_find((uintptr_t)lock);
  if (!n || !n->seq)
    return;
  struct pma_heap *h = pma_rt.heap;
  if ((int)n->slot == t->slot) /* our own slot: ordered by the slot's log */
    return;
  if (atomic_load_explicit(&h->sv[n->slot].retired, memory_order_acquire) >= n->seq)
    return;
  pma_dep_on(t, n->slot, n->seq, n->nrec, 0);
}

/* pma_dep_on -- t's FASE read what FASE seq of slot wrote in its first nrec
 * records, and that FASE had not retired when t looked: a DEP record, fenced
 * before t goes on (so before any later record or store of t's FASE).  mem:
 * found through memory (memdeps.c), where the writer never published a lock
 * and so does not know to wake the FASEs that wait for it -- the slot's
 * wanted flag tells it. */
void pma_dep_on(struct pma_thread *t, unsigned slot, uint64_t seq, uint64_t nrec, int mem) {
  struct pma_heap *h = pma_rt.heap;
  for (uint32_t i = 0; i < t->ndeps; i++)
    if (t->deps[i].slot == slot && t->deps[i].seq >= seq &&
        (t->deps[i].seq > seq || t->deps[i].nrec >= nrec))
      return; /* recorded already in this FASE (a later FASE of the slot orders more) */
  if (mem) {
    /* Dekker with the writer's retire (fase.c): it stores retired, then
     * reads wanted; we store wanted, then read retired.  One of us sees the
     * other, so a FASE that waits for it is woken. */
    atomic_store_explicit(&h->sv[slot].wanted, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&h->sv[slot].retired, memory_order_relaxed) >= seq)
      return;
  }
  pma_thread_ready(t);
  if (!t->logging)
    pma_fase_open_log(t);
  if (slot == (unsigned)t->slot) /* the slot was claimed just now */
    return;
  if (t->ndeps == t->cap_deps) {
    uint32_t cap = t->cap_deps ? 2 * t->cap_deps : 8;
    struct pma_dep *d = realloc(t->deps, cap * sizeof *d);
    if (!d)
      pma_fatal("out of memory for the dependency list (%u entries)", cap);
    t->deps = d;
    t->cap_deps = cap;
  }
  struct pma_dep *d = &t->deps[t->ndeps++];
  d->slot = slot;
  d->seq = seq;
  d->nrec = nrec;
  struct pma_dep_data body = {seq, nrec};
  pma_log_meta(t, PMA_REC_DEP, slot, &body, sizeof body);
  pma_fence(t);
  t->wrote = 1;
  PMA_STAT(t, dep_records, 1);
}

/* ------------------------------------------------------- open and close */

/* pma_deps_open -- a freshly recovered heap: nothing is published */
void pma_deps_open(struct pma_heap *h) {
  pma_own_open(h);
  atomic_store(&pma_dep_live, 0);
}

/* pma_deps_close -- forget the lock table (after pma_fase_close: every
 * FASE has retired) */
void pma_deps_close(struct pma_heap *h) {
  pthread_mutex_lock(&dep_lock);
  struct ltab *t = atomic_exchange(&ltab_cur, NULL);
  if (t)
    for (size_t i = 0; i < t->cap; i++)
      free(atomic_load_explicit(&t->e[i], memory_order_relaxed));
  while (t) {
    struct ltab *o = t->older;
    free(t);
    t = o;
  }
  atomic_store(&pma_dep_live, 0);
  pthread_mutex_unlock(&dep_lock);
  (void)h;
}
