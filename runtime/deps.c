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
 * it too (cascade) -- there is no helper thread.  Recovery rolls back every
 * incomplete FASE and every FASE that depends on one (recover.c).
 *
 * Cost when no lock is ever released in the middle of a FASE: acquisitions
 * read one global flag that stays 0; commits test two thread-local fields.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* How many FASEs a lock entry may name that have not retired: running FASEs
 * that published a lock, plus committed FASEs that wait.  While it is 0 every
 * entry names a retired FASE (or nobody), so acquisitions skip the table and
 * a release that names nobody need not clear the lock's entry.  A publisher
 * counts itself before the release that lets anyone see its entry, and stops
 * counting only after it retired, so an acquirer of a lock whose entry still
 * matters reads a count above 0 (the lock orders the two). */
_Atomic int pma_dep_live;
/* committed FASEs waiting in any slot (under dep_lock) */
static uint64_t nwaiting;
/* guards the waiting lists, table inserts and growth */
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
  if (!t->published) /* counted until it retires (pma_dep_wake, cascade) */
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

/* ---------------------------------------------------------------- retire */

/* pma_slot_retire -- durably retire FASE seq of slot s (flushed, not fenced) */
void pma_slot_retire(struct pma_thread *t, unsigned s, uint64_t seq) {
  struct pma_slot *sl = &pma_rt.heap->slots[s];
  sl->retired_seq = pma_seal(seq);
  if (!PMA_MUTANT(retire_unflushed))
    pma_flush(t, &sl->retired_seq, sizeof sl->retired_seq);
}

/* find_waiting -- the waiting FASE seq of slot s, or NULL */
static struct pma_waiting *find_waiting(struct pma_heap *h, unsigned s, uint64_t seq) {
  for (struct pma_waiting *w = h->sv[s].first; w; w = w->next)
    if (w->seq == seq)
      return w;
  return NULL;
}

/* cascade -- retire every waiting FASE all of whose dependencies committed
 * (dep_lock held).  A waiting FASE can retire when each FASE it read from
 * retired or is itself a waiting FASE that can retire, and so can the FASE
 * before it in its slot: the greatest set with that property, which also
 * retires a cycle of committed FASEs that read from each other.  Retiring
 * them in any order is safe: each has committed and depends only on
 * committed FASEs. */
static void cascade(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  if (!nwaiting)
    return;
  for (unsigned s = 0; s < PMA_NSLOTS; s++)
    for (struct pma_waiting *w = h->sv[s].first; w; w = w->next)
      w->ok = 1;
  for (int changed = 1; changed;) {
    changed = 0;
    for (unsigned s = 0; s < PMA_NSLOTS; s++) {
      int prev_ok = 1;
      for (struct pma_waiting *w = h->sv[s].first; w; w = w->next) {
        int ok = prev_ok;
        for (uint32_t i = 0; ok && i < w->ndeps; i++) {
          struct pma_dep *d = &w->deps[i];
          if (atomic_load_explicit(&h->sv[d->slot].retired, memory_order_acquire) >= d->seq)
            continue;
          struct pma_waiting *o = find_waiting(h, d->slot, d->seq);
          ok = o && o->ok;
        }
        if (w->ok && !ok) {
          w->ok = 0;
          changed = 1;
        }
        prev_ok = w->ok;
      }
    }
  }
  int any = 0;
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    struct pma_slotv *v = &h->sv[s];
    struct pma_waiting *w = v->first;
    if (!w || !w->ok)
      continue;
    uint64_t last = 0;
    for (; w && w->ok; w = w->next)
      last = w->seq;
    pma_slot_retire(t, s, last);
    any = 1;
  }
  if (!any)
    return;
  pma_fence(t);
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    struct pma_slotv *v = &h->sv[s];
    while (v->first && v->first->ok) {
      struct pma_waiting *w = v->first;
      atomic_store_explicit(&v->retired, w->seq, memory_order_release);
      if (w->nfrees)
        pma_alloc_free_blocks(w->frees, w->nfrees);
      v->first = w->next;
      if (!v->first)
        v->last = NULL;
      free(w->frees);
      free(w->deps);
      free(w);
      nwaiting--;
      atomic_fetch_sub_explicit(&v->nwait, 1, memory_order_release);
      atomic_fetch_sub_explicit(&pma_dep_live, 1, memory_order_release);
    }
  }
}

/* wake -- retire whatever waiting FASEs can retire now */
static void wake(struct pma_thread *t) {
  pthread_mutex_lock(&dep_lock);
  cascade(t);
  pthread_mutex_unlock(&dep_lock);
}

/* pma_dep_wake -- t retired a FASE that published a lock: retire the FASEs
 * that waited for it; the FASE no longer counts in pma_dep_live */
void pma_dep_wake(struct pma_thread *t) {
  wake(t);
  atomic_fetch_sub_explicit(&pma_dep_live, 1, memory_order_release);
}

/* pma_dep_wake_wanted -- t just retired a FASE of slot v without having
 * published a lock, and a FASE took a dependency through memory on the
 * slot: retire the FASEs that may wait for it */
void pma_dep_wake_wanted(struct pma_thread *t, struct pma_slotv *v) {
  atomic_store_explicit(&v->wanted, 0, memory_order_relaxed);
  wake(t);
}

/* pma_dep_commit_waiting -- commit t's FASE without retiring it: its data is
 * durable (the caller fenced), it depends on FASEs that have not retired or
 * an older FASE of its slot still waits.  Writes the COMMIT record, queues
 * the FASE with its dependencies and deferred frees, and retires whatever
 * can retire now (perhaps this FASE). */
void pma_dep_commit_waiting(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  struct pma_slot *sl = &h->slots[t->slot];
  struct pma_slotv *v = &h->sv[t->slot];
  pma_log_meta(t, PMA_REC_COMMIT, 0, NULL, 0);
  if (t->at_head) {
    /* the chain now outlives this FASE: recovery must know where it starts */
    sl->head_seq = pma_seal(t->seq);
    pma_flush(t, &sl->head_seq, sizeof sl->head_seq);
  }
  pma_fence(t);
  struct pma_waiting *w = calloc(1, sizeof *w);
  if (!w)
    pma_fatal("out of memory for a waiting FASE");
  w->seq = t->seq;
  w->deps = t->deps;
  w->ndeps = t->ndeps;
  t->deps = NULL;
  t->ndeps = t->cap_deps = 0;
  w->frees = t->dfrees; /* the frees take effect when the FASE retires */
  w->nfrees = t->ndfrees;
  t->dfrees = NULL;
  t->ndfrees = t->cap_dfrees = 0;
  v->end_chunk = t->chunk;
  v->end_pos = t->pos;
  v->last_seq = t->seq;
  v->last_nrec = t->nrec;
  t->wait_seq = t->seq;
  t->wait_nrec = t->nrec;
  PMA_STAT(t, fases_waited, 1);
  if (!t->published) /* a publisher already counts; cascade uncounts it at its retire */
    atomic_fetch_add_explicit(&pma_dep_live, 1, memory_order_relaxed);
  pthread_mutex_lock(&dep_lock);
  if (v->last)
    v->last->next = w;
  else
    v->first = w;
  v->last = w;
  nwaiting++;
  atomic_fetch_add_explicit(&v->nwait, 1, memory_order_release);
  cascade(t);
  pthread_mutex_unlock(&dep_lock);
}

/* pma_wait_durable -- wait until every committed FASE of the calling
 * thread's slot has retired (retiring whatever can retire while it waits) */
PMA_EXPORT int pma_wait_durable(long timeout_ms) {
  struct pma_thread *t = pma_self();
  if (t->depth) {
    pma_err("pma_wait_durable: called inside a FASE (depth %u): the FASE cannot retire "
            "before it ends",
            t->depth);
    return -EBUSY;
  }
  struct pma_heap *h = pma_rt.heap;
  if (!h || t->slot < 0 || t->epoch != pma_rt.epoch)
    return 0;
  struct pma_slotv *v = &h->sv[t->slot];
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (atomic_load_explicit(&v->nwait, memory_order_acquire)) {
    wake(t);
    if (!atomic_load_explicit(&v->nwait, memory_order_acquire))
      break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (timeout_ms >= 0 && ms >= timeout_ms)
      return -ETIMEDOUT;
    struct timespec d = {0, 50 * 1000};
    nanosleep(&d, NULL);
  }
  return 0;
}

/* ------------------------------------------------------- open and close */

/* pma_deps_open -- volatile slot state of a freshly recovered heap (every
 * FASE in it retired) */
void pma_deps_open(struct pma_heap *h) {
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    uint64_t r = 0;
    (void)pma_unseal(h->slots[s].retired_seq, &r); /* checked by recovery */
    struct pma_slotv *v = &h->sv[s];
    atomic_store(&v->retired, r);
    atomic_store(&v->nwait, 0);
    v->next_seq = r + 1;
    v->end_chunk = NULL;
    v->end_pos = 0;
    v->first = v->last = NULL;
    atomic_store(&v->wanted, 0);
  }
  nwaiting = 0;
  pma_own_open(h);
  atomic_store(&pma_dep_live, 0);
}

/* pma_deps_close -- retire what still waits (no thread is in a FASE, so
 * every waiting FASE has committed and so has everything it read from),
 * then forget the lock table */
void pma_deps_close(struct pma_heap *h) {
  pthread_mutex_lock(&dep_lock);
  cascade(pma_self());
  if (nwaiting)
    pma_fatal("pma_close: %llu committed FASEs still wait for FASEs that never committed",
              (unsigned long long)nwaiting);
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
