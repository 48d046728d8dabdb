/*
 * fase.c -- a FASE from enter to retire: depth, log slot, commit, retire,
 * the committed FASEs that wait and their cascade, pma_wait_durable; and the
 * per-thread state, its registry and the statistics
 *
 * A thread's FASE runs from depth 0 -> 1 to 1 -> 0 (design.md section 1).
 * Entering costs one increment: the log cursor is set up lazily by the first
 * store that needs a record (pma_fase_open_log claims the slot), so a FASE
 * that writes nothing to the heap costs no fence and no slot.  Every way a
 * level ends goes through pma_fase_release; the outermost commits
 * (fase_commit, design.md section 3), which retires the FASE or queues it
 * to wait (commit_waiting), and the cascade retires waiting FASEs later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "internal.h"

__thread struct pma_thread pma_tls __attribute__((tls_model("initial-exec"))) = {.slot = -1, .last_slot = -1};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pma_thread *reg_head;    /* registered threads */
static struct pma_stats retired_stats; /* counters of threads that exited */
static pthread_key_t exit_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *arg);

/* after_fork_child -- the forking thread's cached tid belongs to the parent */
static void after_fork_child(void) { pma_tls.tid = 0; }

/* make_key -- process-wide setup done once */
static void make_key(void) {
  if (pthread_key_create(&exit_key, thread_exit))
    pma_fatal("pthread_key_create failed: cannot track thread exit for log slots");
  pthread_atfork(NULL, NULL, after_fork_child);
}

/* slot_release -- give the thread's log slot back (volatile state only) */
static void slot_release(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  if (t->slot >= 0 && h && t->epoch == pma_rt.epoch) {
    t->last_slot = t->slot;
    atomic_store_explicit(&h->sv[t->slot].held, 0, memory_order_release);
  }
  t->slot = -1;
}

/* pma_thread_prepare -- register t and bind it to the open heap (cold path) */
void pma_thread_prepare(struct pma_thread *t) {
  if (!t->registered) {
    pthread_once(&key_once, make_key);
    if (!t->filter)
      t->filter = calloc(PMA_FILTER_CAP, sizeof *t->filter);
    if (!t->dirty)
      t->dirty = malloc(PMA_DIRTY_CAP * sizeof *t->dirty);
    if (!t->filter || !t->dirty)
      pma_fatal("out of memory for the per-thread log state (%zu bytes)",
                PMA_FILTER_CAP * sizeof *t->filter + PMA_DIRTY_CAP * sizeof *t->dirty);
    t->fgen = 1;
    t->fcount = 0;
    if (!t->tid)
      t->tid = gettid();
    pthread_mutex_lock(&reg_lock);
    t->prev = NULL;
    t->next = reg_head;
    if (reg_head)
      reg_head->prev = t;
    reg_head = t;
    pthread_mutex_unlock(&reg_lock);
    pthread_setspecific(exit_key, t);
    t->registered = 1;
  }
  if (t->epoch != pma_rt.epoch) {
    /* The heap was closed or (re)opened since this thread last used it: its
     * slot, log cursor and dirty ranges refer to a mapping that is gone. */
    t->slot = -1;
    t->logging = 0;
    t->wrote = 0;
    t->ndirty = 0;
    t->ndfrees = 0;
    t->ndeps = 0;
    t->nrec = 0;
    t->published = 0;
    t->named = 0;
    if (++t->fgen == 0) {
      memset(t->filter, 0, PMA_FILTER_CAP * sizeof *t->filter);
      t->fgen = 1;
    }
    t->fcount = 0;
    t->nbig = 0;
    t->nnew = 0;
    t->trim = 0;
    t->epoch = pma_rt.epoch;
  }
}

/* slot_try -- claim slot s if no thread holds it */
static int slot_try(struct pma_heap *h, int s) {
  uint32_t free_ = 0;
  return !atomic_load_explicit(&h->sv[s].held, memory_order_relaxed) &&
         atomic_compare_exchange_strong_explicit(&h->sv[s].held, &free_, 1, memory_order_acquire,
                                                 memory_order_relaxed);
}

/* slot_claim -- take a free log slot, -1 if none: the thread's last one if
 * it is free (its chunks are warm in the cache), else the first free slot
 * that has a log chain, else the first free one.  Reusing chains keeps the
 * chunks held by logs down to what the most FASEs that ever ran at once
 * needed, and lets a thread log (and so free) on a heap with no free chunk
 * left. */
static int slot_claim(struct pma_heap *h, int pref) {
  if (pref >= 0 && slot_try(h, pref))
    return pref;
  for (int any = 0; any < 2; any++)
    for (int s = 0; s < (int)PMA_NSLOTS; s++)
      if (slot_try(h, s)) {
        if (any || h->slots[s].first_chunk)
          return s;
        atomic_store_explicit(&h->sv[s].held, 0, memory_order_release);
      }
  return -1;
}

/* slot_done -- after the commit of t's FASE: give the slot back
 * unless a committed FASE of it still waits (the thread's next FASE must
 * follow it in the slot's log: it may read what that one wrote).  A chain
 * that grew long in this FASE is trimmed first (log.c). */
static void slot_done(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  if (t->slot < 0 ||
      atomic_load_explicit(&h->sv[t->slot].nwait, memory_order_acquire))
    return; /* only the owner adds waiting FASEs: 0 stays 0 */
  if (t->trim)
    pma_log_trim(t, &h->slots[t->slot].first_chunk);
  t->trim = 0;
  t->wait_seq = 0; /* retired, with everything before it: nothing to publish */
  slot_release(t);
}

/* pma_fase_open_log -- first record of a FASE: slot, seq, cursor.  The log
 * starts at the slot's first chunk unless committed FASEs of the slot still
 * wait for others (design.md section 3): then it follows their records. */
void pma_fase_open_log(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  pma_thread_ready(t);
  if (t->slot < 0) {
    t->slot = slot_claim(h, t->last_slot);
    if (t->slot < 0)
      pma_fatal("thread %d cannot run its FASE: more than %u threads are running FASEs at "
                "once, and a heap has %u log slots, one per thread from the first logged store "
                "of its FASE to its commit (longer while a committed FASE of it waits for "
                "another thread's); threads that are not in a FASE hold none.  Run at most %u "
                "FASEs concurrently (fewer threads, or a lock or semaphore around the FASEs)",
                (int)t->tid, PMA_NSLOTS, PMA_NSLOTS, PMA_NSLOTS);
    if (h->slots[t->slot].owner_tid != (uint64_t)t->tid)
      h->slots[t->slot].owner_tid = (uint64_t)t->tid; /* diagnostic; flushed with the slot */
  }
  struct pma_slot *sl = &h->slots[t->slot];
  struct pma_slotv *v = &h->sv[t->slot];
  t->seq = v->next_seq;
  t->nrec = 0;
  if (atomic_load_explicit(&v->nwait, memory_order_acquire)) {
    t->chunk = v->end_chunk;
    t->pos = v->end_pos;
    t->at_head = 0;
    t->logging = 1;
    return;
  }
  char *c;
  if (!sl->first_chunk) {
    c = pma_log_new_chunk(t, &sl->first_chunk);
  } else {
    c = pma_ptr(sl->first_chunk);
    if (unlikely(memcmp(c, PMA_LOGCK_MAGIC, 8)))
      pma_fatal("log slot %d is broken: first chunk at heap offset %#llx has no "
                "\"" PMA_LOGCK_MAGIC "\" magic",
                t->slot, (unsigned long long)sl->first_chunk);
  }
  t->chunk = c;
  t->pos = sizeof(struct pma_chunk_hdr);
  t->at_head = 1;
  t->chain_pos = 0;
  t->logging = 1;
}

/* ------------------------------------------- retire, and waiting FASEs */

/* Committed FASEs that wait for the FASEs they read from (design.md section
 * 1, "Wait" and "Retire"): each slot's list, oldest first, under wait_lock;
 * nwaiting counts them over all slots. */
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t nwaiting;

/* slot_retire -- durably retire FASE seq of slot s (flushed, not fenced) */
static void slot_retire(struct pma_thread *t, unsigned s, uint64_t seq) {
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
 * (wait_lock held).  A waiting FASE can retire when each FASE it read from
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
    slot_retire(t, s, last);
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
  pthread_mutex_lock(&wait_lock);
  cascade(t);
  pthread_mutex_unlock(&wait_lock);
}

/* wake_published -- t retired a FASE that published a lock: retire the
 * FASEs that waited for it; the FASE no longer counts in pma_dep_live */
static void wake_published(struct pma_thread *t) {
  wake(t);
  atomic_fetch_sub_explicit(&pma_dep_live, 1, memory_order_release);
}

/* wake_wanted -- t just retired a FASE of slot v without having published
 * a lock, and a FASE took a dependency through memory on the slot: retire
 * the FASEs that may wait for it */
static void wake_wanted(struct pma_thread *t, struct pma_slotv *v) {
  atomic_store_explicit(&v->wanted, 0, memory_order_relaxed);
  wake(t);
}

/* commit_waiting -- commit t's FASE without retiring it: its data is
 * durable (the caller fenced), it depends on FASEs that have not retired or
 * an older FASE of its slot still waits.  Writes the COMMIT record, queues
 * the FASE with its dependencies and deferred frees, and retires whatever
 * can retire now (perhaps this FASE). */
static void commit_waiting(struct pma_thread *t) {
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
  pthread_mutex_lock(&wait_lock);
  if (v->last)
    v->last->next = w;
  else
    v->first = w;
  v->last = w;
  nwaiting++;
  atomic_fetch_add_explicit(&v->nwait, 1, memory_order_release);
  cascade(t);
  pthread_mutex_unlock(&wait_lock);
}

/* deps_retired -- has every FASE t's FASE read from retired */
static int deps_retired(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  for (uint32_t i = 0; i < t->ndeps; i++)
    if (atomic_load_explicit(&h->sv[t->deps[i].slot].retired, memory_order_acquire) <
        t->deps[i].seq)
      return 0;
  return 1;
}

/* pma_fase_enter -- one more lock or pma_begin (0 -> 1 is a simulator event) */
void pma_fase_enter(struct pma_thread *t) { pma_fase_enter_inline(t); }

/* fase_commit -- make the FASE durable and retire it, or, when it read
 * from FASEs that have not retired, commit it to wait for them (design.md
 * section 3); pma_fase_release is its only caller, and the lock wrapper
 * releases the last lock after it */
static void fase_commit(struct pma_thread *t) {
  t->wait_seq = 0;
  if (unlikely(!pma_rt.size)) { /* no heap open: nothing can have been logged */
    t->ndfrees = 0;
    return;
  }
  pma_sim_tick();
  pma_thread_ready(t);
  /* 0. allocations still waiting for a record (log.c) */
  if (t->npend)
    pma_log_settle(t);
  /* 1. deferred frees: logged stores of this FASE (1 -> 2, 0x41 -> 0x43) */
  if (t->ndfrees)
    pma_alloc_commit_frees(t);
#ifdef PMA_MUTANT_BUILD
  if (PMA_MUTANT(retire_first) && t->wrote) {
    slot_retire(t, (unsigned)t->slot, t->seq);
    pma_fence(t);
  }
#endif
  /* 2. flush every line the FASE (and earlier non-FASE stores) wrote, fence */
  if (pma_rt.durable) {
    int any = t->ndirty != 0;
    if (PMA_MUTANT(commit_no_data_flush))
      t->ndirty = 0;
    pma_dirty_flush(t);
    if ((any || t->wrote) && !PMA_MUTANT(commit_no_fence))
      pma_fence(t);
  }
  /* 3. retire: the FASE is committed once retired_seq = seq is durable --
   * or, if it must wait, once its COMMIT record is */
  if (t->wrote && !PMA_MUTANT(retire_first)) {
    struct pma_slotv *v = &pma_rt.heap->sv[t->slot];
    if (likely(!atomic_load_explicit(&v->nwait, memory_order_acquire) &&
               (deps_retired(t) || PMA_MUTANT(commit_ignores_deps)))) {
      slot_retire(t, (unsigned)t->slot, t->seq);
      pma_fence(t);
      atomic_store_explicit(&v->retired, t->seq, memory_order_release);
      v->next_seq = t->seq + 1;
      if (unlikely(t->published)) {
        wake_published(t);
      } else if (unlikely(t->named)) {
        /* the other half of pma_dep_on's Dekker: retired, then wanted.
         * Only a FASE that named itself in the writer table can be found
         * through memory, so only its retire pays the fence. */
        atomic_thread_fence(memory_order_seq_cst);
        if (unlikely(atomic_load_explicit(&v->wanted, memory_order_relaxed)))
          wake_wanted(t, v);
      }
    } else {
      commit_waiting(t);
      v->next_seq = t->seq + 1;
    }
  } else if (t->wrote) { /* mutant retire_first retired it above */
    pma_rt.heap->sv[t->slot].next_seq = t->seq + 1;
  }
  /* frees take effect only now: no rollback can resurrect the blocks (a
   * waiting FASE took its frees along) */
  if (t->ndfrees)
    pma_alloc_finish_frees(t);
  pma_log_fase_done(t);
  slot_done(t);
  PMA_STAT(t, fases, 1);
}

/* pma_fase_release -- the one release rule of every way a FASE level ends:
 * pma_end, each unlock wrapper, and the release half of a condition wait
 * (design.md sections 1 and 3).  lock is what a thread that takes it next
 * could read our data through (NULL: nothing, as for pma_end or a read
 * unlock).  Below the outermost level the release is in the middle of the
 * FASE: lock is published and the FASE goes on.  At the outermost the FASE
 * commits, and lock is published if the commit had to wait.  A wait
 * (PMA_RELEASE_WAIT*) takes its mutex back, so the depth stays; a wait on a
 * mutex we do not know (PMA_RELEASE_WAIT_ANY) commits at any depth.  The
 * caller releases the real lock only after this returns: whoever takes it
 * next must find the FASE committed, or its entry in the lock table. */
void pma_fase_release(struct pma_thread *t, void *lock, enum pma_release how) {
  if (t->depth > 1 && how != PMA_RELEASE_WAIT_ANY) {
    if (lock)
      pma_dep_release_mid(t, lock);
    if (how == PMA_RELEASE_UNLOCK)
      t->depth--;
    return;
  }
  if (how != PMA_RELEASE_UNLOCK && PMA_MUTANT(cond_wait_no_commit))
    return;
  fase_commit(t);
  if (how == PMA_RELEASE_UNLOCK)
    t->depth = 0;
  if (lock && unlikely(t->wait_seq)) /* the commit had to wait */
    pma_dep_release_last(t, lock);
}

/* pma_fase_leave -- pma_fase_release of a level that is no lock (pma_end,
 * the allocator's own FASEs, a thread that exits inside a FASE) */
void pma_fase_leave(struct pma_thread *t) { pma_fase_release(t, NULL, PMA_RELEASE_UNLOCK); }

/* pma_begin -- explicit FASE; nests with lock-delimited FASEs */
PMA_EXPORT void pma_begin(void) {
  struct pma_thread *t = pma_self();
  pma_rt_enter(t); /* a handler that comes meanwhile waits (signals.c) */
  pma_fase_enter(t);
  pma_rt_leave(t);
}

/* pma_end -- end of pma_begin; aborts when there is nothing to end */
PMA_EXPORT void pma_end(void) {
  struct pma_thread *t = pma_self();
  if (unlikely(t->depth == 0))
    pma_fatal("pma_end() called outside any FASE (no matching pma_begin or lock)");
  pma_rt_enter(t);
  pma_fase_release(t, NULL, PMA_RELEASE_UNLOCK);
  pma_rt_leave(t);
}

/* pma_in_fase -- nonzero when the calling thread is inside a FASE */
PMA_EXPORT int pma_in_fase(void) { return pma_self()->depth > 0; }

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

/* pma_fase_open -- volatile slot state of a freshly recovered heap (every
 * FASE in it retired) */
void pma_fase_open(struct pma_heap *h) {
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
}

/* pma_fase_close -- retire what still waits (no thread is in a FASE, so
 * every waiting FASE has committed and so has everything it read from) */
void pma_fase_close(struct pma_heap *h) {
  pthread_mutex_lock(&wait_lock);
  cascade(pma_self());
  if (nwaiting)
    pma_fatal("pma_close: %llu committed FASEs still wait for FASEs that never committed",
              (unsigned long long)nwaiting);
  pthread_mutex_unlock(&wait_lock);
  (void)h;
}

/* stats_add -- out += in, reading in with relaxed loads */
static void stats_add(struct pma_stats *out, struct pma_stats *in) {
  uint64_t *o = (uint64_t *)out, *i = (uint64_t *)in;
  for (size_t k = 0; k < sizeof *out / sizeof(uint64_t); k++)
    o[k] += __atomic_load_n(&i[k], __ATOMIC_RELAXED);
}

/* thread_exit -- key destructor: end a dangling FASE, flush, free the slot */
static void thread_exit(void *arg) {
  struct pma_thread *t = arg;
  if (pma_rt.size && t->epoch == pma_rt.epoch) {
    if (t->depth) {
      fprintf(stderr, "pmatomic: thread %d exited inside a FASE (depth %u); committing it\n",
              (int)t->tid, t->depth);
      t->depth = 1;
      pma_fase_leave(t);
    }
    if (pma_rt.durable && t->ndirty) {
      pma_dirty_flush(t);
      pma_fence(t);
    }
    slot_release(t);
  }
  pma_alloc_thread_exit(); /* after the commit above, which may cache frees */
  pthread_mutex_lock(&reg_lock);
  stats_add(&retired_stats, &t->stats);
  if (t->prev)
    t->prev->next = t->next;
  else
    reg_head = t->next;
  if (t->next)
    t->next->prev = t->prev;
  pthread_mutex_unlock(&reg_lock);
  memset(&t->stats, 0, sizeof t->stats);
  free(t->filter);
  free(t->dirty);
  free(t->deps);
  free(t->dfrees);
  t->filter = NULL;
  t->dirty = NULL;
  t->deps = NULL;
  t->dfrees = NULL;
  t->cap_deps = t->cap_dfrees = 0;
  t->ndeps = t->ndfrees = t->ndirty = 0;
  t->registered = 0;
}

/* pma_threads_in_fase -- how many other registered threads are in a FASE */
int pma_threads_in_fase(void) {
  int n = 0;
  struct pma_thread *self = pma_self();
  pthread_mutex_lock(&reg_lock);
  for (struct pma_thread *t = reg_head; t; t = t->next)
    if (t != self && __atomic_load_n(&t->depth, __ATOMIC_RELAXED))
      n++;
  pthread_mutex_unlock(&reg_lock);
  return n;
}

/* pma_stats_reset -- counters start from zero at each open */
void pma_stats_reset(void) {
  pthread_mutex_lock(&reg_lock);
  memset(&retired_stats, 0, sizeof retired_stats);
  for (struct pma_thread *t = reg_head; t; t = t->next) {
    uint64_t *c = (uint64_t *)&t->stats;
    for (size_t k = 0; k < sizeof t->stats / sizeof(uint64_t); k++)
      __atomic_store_n(&c[k], 0, __ATOMIC_RELAXED);
  }
  pthread_mutex_unlock(&reg_lock);
  if (!pma_self()->registered)
    memset(&pma_self()->stats, 0, sizeof pma_self()->stats);
}

/* pma_get_stats -- counters summed over all threads, live and exited */
PMA_EXPORT void pma_get_stats(struct pma_stats *out) {
  if (!out)
    return;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&reg_lock);
  stats_add(out, &retired_stats);
  for (struct pma_thread *t = reg_head; t; t = t->next)
    stats_add(out, &t->stats);
  pthread_mutex_unlock(&reg_lock);
}
