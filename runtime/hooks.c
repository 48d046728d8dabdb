/*
 * hooks.c -- the store hooks the pass inserts before stores that may reach
 * the heap (pmatomic_interface.h)
 *
 * Fast path: one subtraction and one comparison against the mapped heap; an
 * access that cannot touch the heap returns at once.  Accesses that straddle
 * a heap boundary are clipped to the part inside.
 *
 * Stores the pass left without a hook (pass/LogOpt.cpp: writes into a block
 * just allocated, writes an earlier hook covers, stores of a batch) rely on a
 * range noted earlier for their flush at commit.  A dirty list that overflows
 * is flushed at once, possibly before those stores run, so the hooks remember
 * the ranges of the thread's last PMA_RECENT_HOOKS calls and its latest fresh
 * block, and note them again after such an early flush.  The pass allows at
 * most 8 hook calls between a covering hook and a store relying on it (twice,
 * for a batch; a multi-range batch hook notes up to 8 ranges: 7 + 3 * 8 < 32).
 *
 * __pma_store_v is the batch hook for the writes of a block to different
 * places (pass/LogOpt.cpp, multi-range batching): their ranges go into one
 * multi-range undo record with one fence (log.c, pma_log_multi).
 *
 * __pma_memcpy/memmove/memset replace large or variable-length mem* calls
 * (design.md section 3, "Non-temporal copies"): inside a FASE in pmem and
 * sim modes, a write of at least PMA_NT_THRESHOLD bytes that lies in the heap
 * is logged and fenced like any hooked store, then written with non-temporal
 * stores and not noted for flushing: the commit's fence drains it.  Any other
 * call is the hook followed by the libc function, as the pass used to emit.
 */
#include <string.h>

#include "alloc.h"
#include "internal.h"
#include "pmatomic_interface.h"


/* The calling thread's recent hook ranges (a ring) and latest fresh block,
 * absolute addresses; kept only in pmem and sim modes. */
static __thread struct pma_range recent[PMA_RECENT_HOOKS]
    __attribute__((tls_model("initial-exec")));
static __thread uint32_t nrecent __attribute__((tls_model("initial-exec")));
static __thread struct pma_range fresh __attribute__((tls_model("initial-exec")));

/* renote_one -- note r again if it lies in the heap open now (the ring may
 * hold ranges of a heap closed since) */
static void renote_one(struct pma_thread *t, const struct pma_range *r) {
  if (r->end > r->start && r->start >= pma_rt.base && r->end <= pma_rt.base + pma_rt.size)
    pma_dirty_add(t, r->start, r->end - r->start);
}

/* renote -- the dirty list was just flushed early: note again what stores
 * without a hook may still write */
static PMA_NOINLINE void renote(struct pma_thread *t) {
  for (uint32_t i = 0; i < PMA_RECENT_HOOKS; i++)
    renote_one(t, &recent[i]);
  renote_one(t, &fresh);
}

/* pma_recent_save -- before a signal handler runs on this thread: the ring
 * and the latest fresh block as the interrupted code left them */
void pma_recent_save(struct pma_thread *t, struct pma_recent_saved *s) {
  memcpy(s->recent, recent, sizeof recent);
  s->fresh = fresh;
  s->nrecent = nrecent;
  s->dirty_flushes = t->dirty_flushes;
}

/* pma_recent_restore -- after the handler: the interrupted code's ring back
 * (the handler's own stores are done), and if the handler's stores flushed
 * the dirty list, the ranges the interrupted code relies on noted again */
void pma_recent_restore(struct pma_thread *t, const struct pma_recent_saved *s) {
  memcpy(recent, s->recent, sizeof recent);
  fresh = s->fresh;
  nrecent = s->nrecent;
  if (t->dirty_flushes != s->dirty_flushes && t->epoch == pma_rt.epoch && pma_rt.durable &&
      !PMA_MUTANT(signal_ring_lost))
    renote(t);
}

/* noted -- after the hook noted the n ranges r[]: re-note if the list
 * overflowed on the way (ndirty fell), then remember them */
static inline void noted(struct pma_thread *t, uint32_t before, const struct pma_range *r,
                         unsigned n) {
  if (unlikely(t->ndirty < before))
    renote(t);
  for (unsigned i = 0; i < n; i++)
    recent[nrecent++ % PMA_RECENT_HOOKS] = r[i];
}

/* pma_note_fresh -- a block of len bytes at p was just allocated: note it
 * for flushing (stores into it may have no hook) and keep it as the thread's
 * latest fresh block */
void pma_note_fresh(struct pma_thread *t, void *p, size_t len) {
  if (!pma_rt.durable || !len)
    return;
  pma_dirty_add(t, (uintptr_t)p, len);
  fresh.start = (uintptr_t)p;
  fresh.end = (uintptr_t)p + len;
}

/* clip -- [a, a+len) clipped to the heap [base, base+size): 0 if empty */
static inline int clip(uintptr_t a, size_t len, uintptr_t base, uintptr_t size,
                       struct pma_range *r) {
  uintptr_t s = a, e = a + len;
  if (e < s) /* wraps the address space */
    e = UINTPTR_MAX;
  if (s < base)
    s = base;
  if (e > base + size)
    e = base + size;
  r->start = s;
  r->end = e;
  return s < e;
}

/* store_slow_in -- store_slow inside the runtime section */
static void store_slow_in(struct pma_thread *t, uintptr_t s, uintptr_t e, struct pma_range *c) {
  if (unlikely(pma_rt.sim)) /* a simulator event; notes the store order too */
    pma_sim_store(s, e - s);
  if (t->depth == 0) {
    /* Not logged; durable by the thread's next commit, pma_sync or pma_close. */
    if (pma_rt.durable && !PMA_MUTANT(nonfase_unnoted)) {
      pma_thread_ready(t);
      uint32_t before = t->ndirty;
      pma_dirty_add(t, s, e - s);
      noted(t, before, c, 1);
    }
    return;
  }
  pma_thread_ready(t);
  uint32_t before = t->ndirty;
  pma_log_store(t, s, e - s);
  if (pma_rt.durable)
    noted(t, before, c, 1);
}

/* store_slow -- a store that may touch the heap: clip, then log or note.  A
 * signal handler that comes meanwhile runs at the end (signals.c), before
 * the store: its stores are logged after this one's record is whole. */
static PMA_NOINLINE void store_slow(uintptr_t addr, size_t len) {
  struct pma_range c;
  if (!clip(addr, len, pma_rt.base, __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE), &c))
    return;
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  store_slow_in(t, c.start, c.end, &c);
  pma_rt_leave(t);
}

/* A fixed-size access [a, a+N) meets [base, base+size) iff
 * a + N - 1 - base (unsigned) < size + N - 1: one compare. */
#define PMA_STORE_HOOK(N)                                                            \
  PMA_EXPORT void __pma_store##N(void *addr) {                                       \
    uintptr_t x = (uintptr_t)addr + (N - 1) - pma_rt.base;                           \
    if (unlikely(x < pma_rt.size + (N - 1)))                                         \
      store_slow((uintptr_t)addr, N);                                                \
  }

/* __pma_store1/2/4/8/16 -- before a store of 1/2/4/8/16 bytes at addr */
PMA_STORE_HOOK(1)
PMA_STORE_HOOK(2)
PMA_STORE_HOOK(4)
PMA_STORE_HOOK(8)
PMA_STORE_HOOK(16)

/* __pma_store_n -- before a store of size bytes at addr (any size) */
PMA_EXPORT void __pma_store_n(void *addr, size_t size) {
  uintptr_t a = (uintptr_t)addr, base = pma_rt.base;
  if (likely(a - base >= pma_rt.size && (a >= base || a + size <= base)))
    return;
  if (size)
    store_slow(a, size);
}

/* ------------------------------------------------------------ batch hook */

/* store_v_slow -- a batch with a range that may touch the heap: clip, then
 * log the ranges in one multi-range record, one fence (or note them) */
static PMA_NOINLINE void store_v_slow(const struct __pma_span *v, size_t n) {
  if (n > PMA_MULTI_MAX) { /* more than the pass emits: in groups */
    for (size_t i = 0; i < n; i += PMA_MULTI_MAX)
      store_v_slow(v + i, n - i < PMA_MULTI_MAX ? n - i : PMA_MULTI_MAX);
    return;
  }
  uintptr_t base = pma_rt.base, size = __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE);
  struct pma_range r[PMA_MULTI_MAX];
  unsigned k = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = v[i].len & ~PMA_SPAN_NT;
    if (!clip((uintptr_t)v[i].addr, len, base, size, &r[k]))
      continue;
    /* a mem* write that will go out non-temporally logs itself (nt_log) */
    if ((v[i].len & PMA_SPAN_NT) && pma_rt.durable && len >= pma_rt.nt_threshold)
      continue;
    k++;
  }
  if (!k)
    return;
  struct pma_thread *t = pma_self();
  pma_rt_enter(t); /* handlers that come meanwhile wait (signals.c) */
  if (t->depth == 0 || unlikely(pma_rt.heap->env.sync_per_store)) {
    /* outside a FASE, or the per-store baseline: range by range */
    for (unsigned i = 0; i < k; i++)
      store_slow_in(t, r[i].start, r[i].end, &r[i]);
  } else {
    if (unlikely(pma_rt.sim)) /* simulator events; the order of the stores */
      for (unsigned i = 0; i < k; i++)
        pma_sim_store(r[i].start, r[i].end - r[i].start);
    pma_thread_ready(t);
    uint32_t before = t->ndirty;
    pma_log_multi_fenced(t, r, k, PMA_MUTANT(multi_unfenced));
    if (pma_rt.durable)
      noted(t, before, r, k);
  }
  pma_rt_leave(t);
}

/* __pma_store_v -- before the n stores of a batch, whose ranges v[] are
 * written in this order with no FASE boundary in between */
PMA_EXPORT void __pma_store_v(const struct __pma_span *v, size_t n) {
  uintptr_t base = pma_rt.base, size = pma_rt.size;
  for (size_t i = 0; i < n; i++) {
    uintptr_t a = (uintptr_t)v[i].addr;
    size_t len = v[i].len & ~PMA_SPAN_NT;
    if (unlikely((a - base < size || (a < base && a + len > base)) && len)) {
      store_v_slow(v, n);
      return;
    }
  }
}

/* may_reach -- could a write starting at dst touch the heap (cheap pre-test
 * before measuring a string) */
static inline int may_reach(const char *dst) {
  return pma_rt.size && (uintptr_t)dst < pma_rt.base + pma_rt.size;
}

/* __pma_store_strcpy -- before strcpy/stpcpy(dst, src) */
PMA_EXPORT void __pma_store_strcpy(char *dst, const char *src) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst, strlen(src) + 1);
}

/* __pma_store_strcat -- before strcat(dst, src) */
PMA_EXPORT void __pma_store_strcat(char *dst, const char *src) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst + strlen(dst), strlen(src) + 1);
}

/* __pma_store_strncat -- before strncat(dst, src, n) */
PMA_EXPORT void __pma_store_strncat(char *dst, const char *src, size_t n) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst + strlen(dst), strnlen(src, n) + 1);
}

/* ------------------------------------------------- non-temporal mem* calls */

/* nt_log -- [a, a+n) starts in the heap and is long enough: if the calling
 * thread is in a FASE and the range lies wholly in the heap, log its old
 * bytes, fenced, for a non-temporal write that follows; 0 when the write must
 * take the ordinary path (hook, then a write through the cache) */
static PMA_NOINLINE int nt_log(uintptr_t a, size_t n) {
  uintptr_t size = __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE), off = a - pma_rt.base;
  if (off >= size || n > size - off) /* runs past the heap's end: the hook clips */
    return 0;
  struct pma_thread *t = pma_self();
  if (t->depth == 0) /* outside a FASE the range must be noted: the hook does */
    return 0;
  pma_rt_enter(t); /* handlers that come meanwhile wait (signals.c) */
  if (unlikely(pma_rt.sim))
    pma_sim_store(a, n);
  pma_thread_ready(t);
  uint32_t before = t->ndirty;
  if (pma_log_store_nt(t, a, n) && !PMA_MUTANT(nt_copy_shares_fence))
    pma_fence(t);
  if (unlikely(t->ndirty < before))
    renote(t);
  PMA_STAT(t, nt_bytes, n);
  pma_rt_leave(t);
  return 1;
}

/* nt_begin -- should a write of n bytes at dst go out non-temporally (then
 * its old bytes are logged on return) */
static inline int nt_begin(void *dst, size_t n) {
  uintptr_t a = (uintptr_t)dst;
  if (likely(a - pma_rt.base >= pma_rt.size) || n < pma_rt.nt_threshold || !pma_rt.durable)
    return 0;
  return nt_log(a, n);
}

/* nt_end -- after the non-temporal write of a FASE: nothing to do, the
 * commit's fence drains it (mutant nt_copy_shares_fence: the record's fence
 * comes only now, after the data it protects may have left) */
static inline void nt_end(void) {
  if (PMA_MUTANT(nt_copy_shares_fence))
    pma_fence(pma_self());
}

/* __pma_memcpy -- memcpy(dst, src, n) into memory that may be the heap.
 * Returns dst, like memcpy, so a libc call can be replaced as it is. */
PMA_EXPORT void *__pma_memcpy(void *dst, const void *src, size_t n) {
  if (nt_begin(dst, n)) {
    pma_rt.ops.memmove_nt(dst, src, n);
    nt_end();
    return dst;
  }
  __pma_store_n(dst, n);
  return memcpy(dst, src, n);
}

/* __pma_memmove -- memmove(dst, src, n): the old bytes of dst are logged
 * before the move, so overlap with src changes nothing for the log, and the
 * non-temporal move (libpmem's, or the simulator's) handles overlap itself */
PMA_EXPORT void *__pma_memmove(void *dst, const void *src, size_t n) {
  if (nt_begin(dst, n)) {
    pma_rt.ops.memmove_nt(dst, src, n);
    nt_end();
    return dst;
  }
  __pma_store_n(dst, n);
  return memmove(dst, src, n);
}

/* __pma_memset -- memset(dst, c, n) into memory that may be the heap */
PMA_EXPORT void *__pma_memset(void *dst, int c, size_t n) {
  if (nt_begin(dst, n)) {
    pma_rt.ops.memset_nt(dst, c, n);
    nt_end();
    return dst;
  }
  __pma_store_n(dst, n);
  return memset(dst, c, n);
}
