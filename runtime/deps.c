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

/* ------------------------------------------------------------ lock table */

/* ltab_home -- first probe index of a in an array of cap entries (the one
 * pma_ltab_find starts from) */
static inline size_t ltab_home(uintptr_t a, size_t cap) {
  return (size_t)(((a >> 3) * PMA_P1) >> 20) & (cap - 1);
}

/* ltab_put -- insert a -> val into s (the table's mutex held, a absent) */
static void ltab_put(struct pma_ltab_arr *s, uintptr_t a, void *val) {
  size_t i = ltab_home(a, s->cap);
  while (atomic_load_explicit(&s->e[i].key, memory_order_relaxed))
    i = (i + 1) & (s->cap - 1);
  s->e[i].val = val;
  atomic_store_explicit(&s->e[i].key, a, memory_order_release);
  s->count++;
}

/* pma_ltab_add -- the value of a in tb, made and inserted if absent: make
 * runs under tb's mutex, so a second thread that adds a meanwhile waits for
 * it and finds its value */
void *pma_ltab_add(struct pma_ltab *tb, uintptr_t a, void *(*make)(uintptr_t a, void *arg),
                   void *arg) {
  pthread_mutex_lock(&tb->lock);
  void *val = pma_ltab_find(tb, a);
  if (!val) {
    val = make(a, arg);
    struct pma_ltab_arr *s = atomic_load_explicit(&tb->cur, memory_order_relaxed);
    if (!s || 2 * (s->count + 1) > s->cap) {
      size_t cap = s ? 2 * s->cap : 1024;
      struct pma_ltab_arr *g = calloc(1, sizeof *g + cap * sizeof g->e[0]);
      if (!g)
        pma_fatal("out of memory for the %s table (%zu entries)", tb->what, cap);
      g->cap = cap;
      g->older = s;
      for (size_t i = 0; s && i < s->cap; i++) {
        uintptr_t k = atomic_load_explicit(&s->e[i].key, memory_order_relaxed);
        if (k)
          ltab_put(g, k, s->e[i].val);
      }
      atomic_store_explicit(&tb->cur, g, memory_order_release);
      s = g;
    }
    ltab_put(s, a, val);
  }
  pthread_mutex_unlock(&tb->lock);
  return val;
}

/* pma_ltab_clear -- forget every entry of tb (no thread may probe it now) */
void pma_ltab_clear(struct pma_ltab *tb, int free_vals) {
  pthread_mutex_lock(&tb->lock);
  struct pma_ltab_arr *s = atomic_exchange(&tb->cur, NULL);
  if (s && free_vals) /* the newest array holds every value */
    for (size_t i = 0; i < s->cap; i++)
      if (atomic_load_explicit(&s->e[i].key, memory_order_relaxed))
        free(s->e[i].val);
  while (s) {
    struct pma_ltab_arr *o = s->older;
    free(s);
    s = o;
  }
  pthread_mutex_unlock(&tb->lock);
}

/* One published lock, the value of its entry in the published-lock table.
 * Written only by a thread that holds the lock (before its release) and
 * read only by one that holds it (after its acquisition), so the lock
 * itself orders them; nodes never move. */
struct lnode {
  uint32_t slot;
  uint64_t seq, nrec;
};
static struct pma_ltab published = PMA_LTAB_INIT("published-lock");

/* lnode_new -- make of a published lock's first entry */
static void *lnode_new(uintptr_t a, void *arg) {
  (void)a, (void)arg;
  struct lnode *n = calloc(1, sizeof *n);
  if (!n)
    pma_fatal("out of memory for the published-lock table");
  return n;
}

/* ------------------------------------------------------------- publish */

/* publish -- lock was released by FASE (slot, seq) after nrec records */
static void publish(void *lock, int slot, uint64_t seq, uint64_t nrec) {
  uintptr_t a = (uintptr_t)lock;
  struct lnode *n = pma_ltab_find(&published, a);
  if (!n)
    n = pma_ltab_add(&published, a, lnode_new, NULL);
  n->slot = (uint32_t)slot;
  n->seq = seq;
  n->nrec = nrec;
}

/* unpublish -- lock guards nothing a FASE that has not retired wrote */
static void unpublish(void *lock) {
  struct lnode *n = pma_ltab_find(&published, (uintptr_t)lock);
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
  struct lnode *n = pma_ltab_find(&published, (uintptr_t)lock);
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
  pma_ltab_clear(&published, 1);
  atomic_store(&pma_dep_live, 0);
  (void)h;
}
