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
 * A store into a block the thread allocated in its current FASE needs no
 * undo record (a rollback frees the block): its hook only notes the lines.
 * Blocks of PMA_FRESH_NOTE_MAX bytes or more are not noted whole at
 * allocation, so the pass keeps the hooks of stores into them and such a
 * hook is all the flushing they get (design.md section 6, "Fresh blocks").
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
#include <wchar.h>

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

/* pma_note_fresh -- a block of len bytes at p was just allocated.  Inside a
 * FASE it joins the FASE's new blocks, whose stores need no undo (below).
 * A block shorter than PMA_FRESH_NOTE_MAX is noted whole for flushing (the
 * pass may leave stores into it without a hook) and kept as the thread's
 * latest fresh block; a longer one is not noted at all: every store into it
 * has a hook (pass/LogOpt.cpp), which notes just the lines it writes. */
void pma_note_fresh(struct pma_thread *t, void *p, size_t len) {
  if (!len)
    return;
  if (t->depth) {
    struct pma_range *b = &t->newb[t->nnew++ % PMA_NEW_BLOCKS];
    b->start = (uintptr_t)p;
    b->end = (uintptr_t)p + len;
  }
  if (!pma_rt.durable)
    return;
  if (len >= PMA_FRESH_NOTE_MAX) {
    fresh.start = fresh.end = 0; /* no store relies on a note of it */
    return;
  }
  pma_dirty_add(t, (uintptr_t)p, len);
  fresh.start = (uintptr_t)p;
  fresh.end = (uintptr_t)p + len;
}

/* new_block -- does [s, e) lie in a block the current FASE allocated: a
 * rollback of the FASE frees the block, so the old bytes need no record.
 * The ring is emptied at commit (pma_log_fase_done) and at a new heap. */
static inline int new_block(const struct pma_thread *t, uintptr_t s, uintptr_t e) {
  uint32_t n = t->nnew < PMA_NEW_BLOCKS ? t->nnew : PMA_NEW_BLOCKS;
  for (uint32_t i = 0; i < n; i++)
    if (s >= t->newb[i].start && e <= t->newb[i].end)
      return 1;
  return 0;
}

/* note_new -- a store into a new block of the FASE: noted, not logged (the
 * mutant new_block_unnoted forgets the note, so the line is never flushed) */
static void note_new(struct pma_thread *t, const struct pma_range *r, unsigned n) {
  if (!pma_rt.durable || PMA_MUTANT(new_block_unnoted))
    return;
  uint32_t before = t->ndirty;
  for (unsigned i = 0; i < n; i++)
    pma_dirty_add(t, r[i].start, r[i].end - r[i].start);
  noted(t, before, r, n);
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

/* store_clipped -- the store [c->start, c->end) of the heap, inside a
 * runtime section (pma_rt_enter): log it (in a FASE; into a block of this
 * FASE only note it) or note it (outside); 1 if it is a store of the FASE
 * (the load-tracking mode names it the writer) */
static int store_clipped(struct pma_thread *t, const struct pma_range *c) {
  uintptr_t s = c->start, e = c->end;
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
    return 0;
  }
  pma_thread_ready(t);
  if (new_block(t, s, e)) {
    note_new(t, c, 1);
    return 1;
  }
  uint32_t before = t->ndirty;
  pma_log_store(t, s, e - s);
  if (pma_rt.durable)
    noted(t, before, c, 1);
  return 1;
}

/* store_slow -- a store that may touch the heap: clip, then log or note; in
 * the load-tracking mode a logged store names its FASE as the writer.  A
 * signal handler that comes meanwhile runs at the end (signals.c), before
 * the store: its stores are logged after this one's record is whole. */
static PMA_NOINLINE void store_slow(uintptr_t addr, size_t len) {
  struct pma_range c;
  if (!clip(addr, len, pma_rt.base, __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE), &c))
    return;
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  if (store_clipped(t, &c) && unlikely(pma_track_loads) && pma_mem_deps)
    pma_own_range_store(t, c.start, c.end);
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

/* ------------------------------------------- atomics and tracked loads */

/* The writer entries an atomic write of this thread holds from its
 * __pma_atomic_begin to its __pma_atomic_end (memdeps.c). */
static __thread unsigned held[2] __attribute__((tls_model("initial-exec")));
static __thread unsigned nheld __attribute__((tls_model("initial-exec")));
/* 1 while the runtime section an atomic write opened is still open: it
 * stays open over the instruction, so a signal handler that comes between
 * __pma_atomic_begin and __pma_atomic_end waits (signals.c) instead of
 * spinning on an entry its own thread holds */
static __thread int atomic_open __attribute__((tls_model("initial-exec")));

/* atomic_slow -- an atomic write of [addr, addr+len) that may touch the
 * heap.  Inside a FASE: lock the granules' writer entries, depend on the
 * FASE they name (the atomic reads or overwrites what it wrote), log the
 * old bytes, name this FASE; the entries stay locked until the instruction
 * ran (__pma_atomic_end), so a concurrent atomic of another FASE logs the
 * value this one writes, not the one before it. */
static PMA_NOINLINE void atomic_slow(uintptr_t addr, size_t len) {
  struct pma_range c;
  if (!clip(addr, len, pma_rt.base, __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE), &c))
    return;
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  if (t->depth == 0 || !pma_mem_deps || c.end - c.start > 16) {
    if (store_clipped(t, &c) && unlikely(pma_track_loads) && pma_mem_deps)
      pma_own_range_store(t, c.start, c.end);
    pma_rt_leave(t);
    return;
  }
  atomic_open = 1; /* left in __pma_atomic_end */
  pma_thread_ready(t);
  nheld = pma_own_lock(c.start, c.end - c.start, held);
  if (!PMA_MUTANT(atomic_dep_dropped))
    for (unsigned i = 0; i < nheld; i++)
      pma_own_depend(t, held[i]);
  store_clipped(t, &c);
  for (unsigned i = 0; i < nheld; i++)
    pma_own_set(t, held[i]);
}

/* __pma_atomic_begin -- before an atomic store, read-modify-write or
 * compare-exchange of size bytes at addr */
PMA_EXPORT void __pma_atomic_begin(void *addr, size_t size) {
  uintptr_t x = (uintptr_t)addr + (size - 1) - pma_rt.base;
  if (unlikely(x < pma_rt.size + (size - 1)) && size)
    atomic_slow((uintptr_t)addr, size);
}

/* __pma_atomic_end -- right after the atomic of the last __pma_atomic_begin */
PMA_EXPORT void __pma_atomic_end(void) {
  if (unlikely(nheld)) {
    pma_own_unlock(held, nheld);
    nheld = 0;
  }
  if (unlikely(atomic_open)) {
    atomic_open = 0;
    pma_rt_leave(pma_self());
  }
}

/* load_slow -- a load of [addr, addr+len) that may touch the heap, done:
 * inside a FASE, depend on the FASEs its granules' entries name */
static PMA_NOINLINE void load_slow(uintptr_t addr, size_t len, int atomic) {
  struct pma_thread *t = pma_self();
  if (t->depth == 0 || !pma_mem_deps || (atomic && PMA_MUTANT(atomic_dep_dropped)))
    return;
  struct pma_range c;
  if (!clip(addr, len, pma_rt.base, __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE), &c))
    return;
  pma_rt_enter(t); /* a dependency is a record: handlers wait */
  pma_thread_ready(t);
  pma_own_range_load(t, c.start, c.end);
  pma_rt_leave(t);
}

/* __pma_atomic_load -- after an atomic load of size bytes at addr */
PMA_EXPORT void __pma_atomic_load(void *addr, size_t size) {
  uintptr_t x = (uintptr_t)addr + (size - 1) - pma_rt.base;
  if (unlikely(x < pma_rt.size + (size - 1)) && size)
    load_slow((uintptr_t)addr, size, 1);
}

/* __pma_load -- after a plain load of size bytes at addr (load-tracking
 * mode only: -fplugin-arg-pmatomic-track-loads) */
PMA_EXPORT void __pma_load(void *addr, size_t size) {
  uintptr_t x = (uintptr_t)addr + (size - 1) - pma_rt.base;
  if (unlikely(x < pma_rt.size + (size - 1)) && size)
    load_slow((uintptr_t)addr, size, 0);
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
      if (store_clipped(t, &r[i]) && unlikely(pma_track_loads) && pma_mem_deps)
        pma_own_range_store(t, r[i].start, r[i].end);
  } else {
    if (unlikely(pma_rt.sim)) /* simulator events; the order of the stores */
      for (unsigned i = 0; i < k; i++)
        pma_sim_store(r[i].start, r[i].end - r[i].start);
    pma_thread_ready(t);
    unsigned fresh_ranges = 0;
    for (unsigned i = 0; i < k; i++)
      fresh_ranges += (unsigned)new_block(t, r[i].start, r[i].end);
    if (fresh_ranges == k) { /* all into new blocks of the FASE: nothing to log */
      note_new(t, r, k);
    } else {
      uint32_t before = t->ndirty;
      pma_log_multi_fenced(t, r, k, PMA_MUTANT(multi_unfenced));
      if (pma_rt.durable)
        noted(t, before, r, k);
    }
    if (unlikely(pma_track_loads) && pma_mem_deps)
      for (unsigned i = 0; i < k; i++)
        pma_own_range_store(t, r[i].start, r[i].end);
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

/* The wchar_t forms (wcscpy, wcscat, wcsncat and their kin): the pass's
 * libc writer table (pass/LibcWriters.cpp) counts 4-byte elements. */
_Static_assert(sizeof(wchar_t) == 4, "pass/LibcWriters.cpp: wide() assumes a 4-byte wchar_t");

/* __pma_store_wcscpy -- before wcscpy/wcpcpy(dst, src) */
PMA_EXPORT void __pma_store_wcscpy(wchar_t *dst, const wchar_t *src) {
  if (likely(!may_reach((const char *)dst)))
    return;
  __pma_store_n(dst, (wcslen(src) + 1) * sizeof(wchar_t));
}

/* __pma_store_wcscat -- before wcscat(dst, src) */
PMA_EXPORT void __pma_store_wcscat(wchar_t *dst, const wchar_t *src) {
  if (likely(!may_reach((const char *)dst)))
    return;
  __pma_store_n(dst + wcslen(dst), (wcslen(src) + 1) * sizeof(wchar_t));
}

/* __pma_store_wcsncat -- before wcsncat(dst, src, n) */
PMA_EXPORT void __pma_store_wcsncat(wchar_t *dst, const wchar_t *src, size_t n) {
  if (likely(!may_reach((const char *)dst)))
    return;
  __pma_store_n(dst + wcslen(dst), (wcsnlen(src, n) + 1) * sizeof(wchar_t));
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
  PMA_STAT(t, nt_bytes, n);
  if (new_block(t, a, a + n)) { /* no undo; the commit's fence drains the write */
    if (unlikely(pma_track_loads) && pma_mem_deps)
      pma_own_range_store(t, a, a + n);
    pma_rt_leave(t);
    return 1;
  }
  uint32_t before = t->ndirty;
  if (pma_log_store_nt(t, a, n) && !PMA_MUTANT(nt_copy_shares_fence))
    pma_fence(t);
  if (unlikely(t->ndirty < before))
    renote(t);
  if (unlikely(pma_track_loads) && pma_mem_deps)
    pma_own_range_store(t, a, a + n);
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
