/*
 * alloc.c -- the persistent allocator (design.md section 6)
 *
 * Durable state: the chunk map (one byte per 64 KiB chunk) and the block map
 * at the start of each small run (one byte per block).  Everything else - the
 * free-chunk bitmap, each run's bitmap of blocks it can hand out, the lists
 * of runs with such blocks, the per-thread block caches - is volatile and
 * rebuilt at open.  Block and map bytes change inside the caller's FASE as
 * logged stores; outside a FASE each call runs as its own.  Small blocks come
 * from the calling thread's cache, which takes no lock; a->lock is taken to
 * refill it from the runs a batch at a time, or to give half of a full cache
 * back.
 *
 * Locks: a->lock (small runs) may be held while taking a->chunk_lock (chunk
 * bitmap), never the reverse; log chunks are allocated under chunk_lock only,
 * so logging while holding a->lock would be safe (the cache path logs with
 * no lock held).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fork.h"
#include "internal.h"

static pthread_mutex_t root_lock = PTHREAD_MUTEX_INITIALIZER;

/* --------------------------------------------------------- chunk bitmap */

/* chunk_take -- reserve n consecutive free chunks; index or -1.  Leaves the
 * last PMA_LOG_RESERVE free chunks alone unless reserve is set. */
static int64_t chunk_take(struct pma_heap *h, uint64_t n, int reserve) {
  struct pma_alloc *a = h->alloc;
  int64_t found = -1;
  pthread_mutex_lock(&a->chunk_lock);
  for (int pass = 0; pass < 2 && found < 0 && a->nfree >= n + (reserve ? 0 : PMA_LOG_RESERVE);
       pass++) {
    uint64_t i = pass ? 0 : a->hint, end = pass ? a->hint + n : h->nchunks;
    if (end > h->nchunks)
      end = h->nchunks;
    uint64_t run = 0;
    for (; i < end; i++) {
      if (!run && (i % 64) == 0 && a->free_bits[i / 64] == 0) {
        i += 63;
        continue;
      }
      run = bit_get(a, i) ? run + 1 : 0;
      if (run == n) {
        found = (int64_t)(i + 1 - n);
        break;
      }
    }
  }
  if (found >= 0) {
    for (uint64_t i = 0; i < n; i++)
      bit_set(a, (uint64_t)found + i, 0);
    a->nfree -= n;
    a->hint = (uint64_t)found + n;
    if (a->hint >= h->nchunks)
      a->hint = 0;
  }
  pthread_mutex_unlock(&a->chunk_lock);
  return found;
}

/* chunk_give -- return n chunks at i to the bitmap */
static void chunk_give(struct pma_heap *h, uint64_t i, uint64_t n) {
  struct pma_alloc *a = h->alloc;
  pthread_mutex_lock(&a->chunk_lock);
  for (uint64_t k = 0; k < n; k++)
    bit_set(a, i + k, 1);
  a->nfree += n;
  if (i < a->hint)
    a->hint = i;
  pthread_mutex_unlock(&a->chunk_lock);
}

/* log_chunk_take -- a chunk for the undo log (map 0x40, durable, not
 * logged: an unreachable log chunk is freed at open); 0 when full.  Only a
 * slot's first chunk (first) may take the last PMA_LOG_RESERVE free chunks. */
static uint64_t log_chunk_take(struct pma_thread *t, int first) {
  struct pma_heap *h = pma_rt.heap;
  int64_t c = chunk_take(h, 1, first);
  if (c < 0)
    return 0;
  h->map[c] = PMA_MAP_LOG;
  if (!PMA_MUTANT(log_chunk_map_unflushed))
    pma_persist_now(t, &h->map[c], 1);
  return (uint64_t)(pma_chunk_at(h, (uint64_t)c) - h->base);
}

/* log_chunk_give -- the log chunk at heap offset off is on no chain any
 * more (durably): free it.  The map byte is flushed, not fenced: a LOG chunk
 * that no chain reaches is free at open anyway. */
static void log_chunk_give(struct pma_thread *t, uint64_t off) {
  struct pma_heap *h = pma_rt.heap;
  uint64_t c = (off - h->data_off) / PMA_CHUNK;
  h->map[c] = PMA_MAP_FREE;
  pma_flush(t, &h->map[c], 1);
  chunk_give(h, c, 1);
}

/* The undo log's chunks, lent to log.c at each open (alloc_open.c). */
const struct pma_log_chunks pma_alloc_log_chunks = {log_chunk_take, log_chunk_give};

/* ------------------------------------------------------------ run lists */

/* list_drop -- take run r off its class's list */
static void list_drop(struct pma_alloc *a, unsigned cls, int32_t r) {
  struct vchunk *v = &a->vc[r];
  if (v->prev >= 0)
    a->vc[v->prev].next = v->next;
  else
    a->partial[cls] = v->next;
  if (v->next >= 0)
    a->vc[v->next].prev = v->prev;
  v->listed = 0;
}

/* run_claim -- turn a free chunk into an empty run of class cls (a->lock
 * held).  Not logged: an empty run is harmless and reclaimed at open. */
static int32_t run_claim(struct pma_thread *t, struct pma_heap *h, unsigned cls) {
  int64_t c = chunk_take(h, 1, 0);
  if (c < 0)
    return -1;
  uint8_t *bm = (uint8_t *)pma_chunk_at(h, (uint64_t)c);
  memset(bm, 0, pma_run_first[cls]);
  if (!PMA_MUTANT(run_map_unflushed))
    pma_persist_now(t, bm, pma_run_first[cls]);
  h->map[c] = (uint8_t)(cls + 1);
  if (!PMA_MUTANT(run_claim_unflushed))
    pma_persist_now(t, &h->map[c], 1);
  struct vchunk *v = &h->alloc->vc[c];
  if (!v->avail) /* only runs have one */
    v->avail = pma_run_avail_new(cls);
  uint32_t n = pma_run_blocks[cls], w = run_words(cls);
  memset(v->avail, 0xff, (size_t)(w - 1) * sizeof *v->avail);
  v->avail[w - 1] = n % 64 ? (1ull << (n % 64)) - 1 : ~0ull;
  v->nfree = n;
  v->hint = 0;
  list_push(h->alloc, cls, (int32_t)c);
  return (int32_t)c;
}

/* ------------------------------------------------- per-thread caches */

/* Each thread keeps, per size class, a stack of blocks it may hand out
 * without a->lock: the state byte of each is 0 (free: a crash while it is
 * cached loses nothing) and its avail bit is clear, so no other thread can
 * take it.  Filled a batch at a time from the runs, and by the frees of the
 * FASEs the thread retires; past pma_cache_cap blocks, half go back to
 * their runs.  A thread gives its blocks back when it exits; a cache bound
 * to an earlier open (epoch) is dropped: that open's allocator is gone, and
 * the blocks were free on the media when the heap was closed. */
struct tcache {
  uint32_t epoch;
  uint32_t n[PMA_NCLASSES];
  uint8_t *blk[PMA_NCLASSES][PMA_CACHE_MAX]; /* state bytes; the top goes out next */
};
static __thread struct tcache *tcache __attribute__((tls_model("initial-exec")));

/* tcache_bind -- the calling thread's cache, empty and bound to this open */
static PMA_NOINLINE struct tcache *tcache_bind(void) {
  struct tcache *c = tcache;
  if (!c) {
    c = malloc(sizeof *c);
    if (!c)
      pma_fatal("out of memory for the per-thread block cache (%zu bytes)", sizeof *c);
    tcache = c;
  }
  memset(c->n, 0, sizeof c->n);
  c->epoch = pma_rt.epoch;
  return c;
}

/* tcache_get -- the calling thread's cache for the open heap */
static inline struct tcache *tcache_get(void) {
  struct tcache *c = tcache;
  if (likely(c && c->epoch == pma_rt.epoch))
    return c;
  return tcache_bind();
}

/* run_give -- state byte z (0, in no cache) becomes allocatable from its run
 * again (a->lock held) */
static void run_give(struct pma_heap *h, unsigned cls, uint8_t *z) {
  struct pma_alloc *a = h->alloc;
  uint64_t r = (uint64_t)((char *)z - h->data) / PMA_CHUNK;
  uint32_t idx = (uint32_t)(z - (uint8_t *)pma_chunk_at(h, r));
  struct vchunk *v = &a->vc[r];
  v->avail[idx / 64] |= 1ull << (idx % 64);
  v->nfree++;
  if (!v->listed)
    list_push(a, cls, (int32_t)r);
}

/* tcache_spill -- give the n oldest blocks of class cls back to their runs */
static void tcache_spill(struct pma_heap *h, struct tcache *c, unsigned cls, uint32_t n) {
  pthread_mutex_lock(&h->alloc->lock);
  for (uint32_t i = 0; i < n; i++)
    run_give(h, cls, c->blk[cls][i]);
  pthread_mutex_unlock(&h->alloc->lock);
  c->n[cls] -= n;
  memmove(c->blk[cls], c->blk[cls] + n, c->n[cls] * sizeof c->blk[cls][0]);
}

/* tcache_put -- a free block (state byte z, 0) of class cls joins the cache */
static void tcache_put(struct pma_heap *h, unsigned cls, uint8_t *z) {
  struct tcache *c = tcache_get();
  if (unlikely(c->n[cls] == pma_cache_cap[cls]))
    tcache_spill(h, c, cls, c->n[cls] / 2);
  c->blk[cls][c->n[cls]++] = z;
}

/* run_take -- up to want blocks of run r (a->lock held) onto the cache */
static uint32_t run_take(struct pma_heap *h, struct tcache *c, unsigned cls, int32_t r,
                         uint32_t want) {
  struct pma_alloc *a = h->alloc;
  struct vchunk *v = &a->vc[r];
  uint8_t *bm = (uint8_t *)pma_chunk_at(h, (uint64_t)r);
  uint32_t nw = run_words(cls), got = 0, w = v->hint < nw ? v->hint : 0;
  uint8_t **top = &c->blk[cls][c->n[cls]];
  for (uint32_t k = 0; k < nw && got < want; k++, w = w + 1 < nw ? w + 1 : 0) {
    uint64_t bits = v->avail[w];
    while (bits && got < want) {
      top[got++] = bm + w * 64 + (unsigned)__builtin_ctzll(bits);
      bits &= bits - 1;
    }
    v->avail[w] = bits;
    v->hint = w;
  }
  if (unlikely(got == 0 || got > v->nfree))
    pma_fatal("allocator invariant broken: run at chunk %d (class %u bytes) counts %u free "
              "blocks but its bitmap has %u",
              r, pma_class_size[cls], v->nfree, got);
  /* lowest address on top: handed out in address order */
  for (uint32_t i = 0; i < got / 2; i++) {
    uint8_t *x = top[i];
    top[i] = top[got - 1 - i];
    top[got - 1 - i] = x;
  }
  c->n[cls] += got;
  v->nfree -= got;
  if (v->nfree == 0)
    list_drop(a, cls, r);
  return got;
}

/* tcache_refill -- half a cache of class cls from the runs with free blocks
 * (or a new run); 0 when the heap has no room */
static PMA_NOINLINE uint32_t tcache_refill(struct pma_thread *t, struct pma_heap *h,
                                           struct tcache *c, unsigned cls) {
  struct pma_alloc *a = h->alloc;
  uint32_t want = pma_cache_cap[cls] / 2, got = 0;
  pthread_mutex_lock(&a->lock);
  while (got < want) {
    int32_t r = a->partial[cls];
    if (r < 0 && (got || (r = run_claim(t, h, cls)) < 0))
      break;
    got += run_take(h, c, cls, r, want - got);
  }
  pthread_mutex_unlock(&a->lock);
  return got;
}

/* pma_alloc_thread_exit -- the exiting thread's cached blocks go back to
 * their runs (if they belong to the open heap); the cache is freed */
void pma_alloc_thread_exit(void) {
  struct tcache *c = tcache;
  if (!c)
    return;
  struct pma_heap *h = pma_rt.heap;
  if (h && c->epoch == pma_rt.epoch)
    for (unsigned cls = 0; cls < PMA_NCLASSES; cls++)
      if (c->n[cls])
        tcache_spill(h, c, cls, c->n[cls]);
  tcache = NULL;
  free(c);
}

/* ------------------------------------------------------ alloc and free */

/* small_alloc -- a block of class cls, its map byte set as a logged store */
static void *small_alloc(struct pma_thread *t, struct pma_heap *h, unsigned cls) {
  struct tcache *c = tcache_get();
  if (unlikely(!c->n[cls]) && !tcache_refill(t, h, c, cls)) {
    pma_err("out of heap space: no free %u-byte chunk for a run of %u-byte blocks "
            "(heap is %zu bytes)",
            PMA_CHUNK, pma_class_size[cls], h->size);
    return NULL;
  }
  uint8_t *z = c->blk[cls][--c->n[cls]];
  if (unlikely(*z != PMA_BLK_FREE))
    pma_fatal("allocator invariant broken: a cached %u-byte block has state %u (expected 0)",
              pma_class_size[cls], *z);
  if (PMA_MUTANT(alloc_unlogged))
    __atomic_store_n(z, PMA_BLK_USED, __ATOMIC_RELAXED);
  else /* set 0 -> 1 once a durable record holds it (log.c) */
    pma_log_alloc_later(t, z);
  char *bm = pma_chunk_at(h, (uint64_t)((char *)z - h->data) / PMA_CHUNK);
  return bm + pma_run_first[cls] + (size_t)(z - (uint8_t *)bm) * pma_class_size[cls];
}

/* large_alloc -- n whole chunks, map bytes 0x41 0x42... as logged stores */
static void *large_alloc(struct pma_thread *t, struct pma_heap *h, uint64_t n) {
  int64_t c = chunk_take(h, n, 0);
  if (c < 0) {
    pma_err("out of heap space: no %llu contiguous free %u-byte chunks (heap is %zu bytes)",
            (unsigned long long)n, PMA_CHUNK, h->size);
    return NULL;
  }
  if (!PMA_MUTANT(large_alloc_unlogged))
    pma_log_store(t, (uintptr_t)&h->map[c], n);
  h->alloc->vc[c].len = (uint32_t)n;
  memset(&h->map[c + 1], PMA_MAP_LARGE_NEXT, n - 1);
  h->map[c] = PMA_MAP_LARGE;
  return pma_chunk_at(h, (uint64_t)c);
}

/* alloc_in_fase -- allocate size bytes as part of t's FASE */
static void *alloc_in_fase(struct pma_thread *t, struct pma_heap *h, size_t size) {
  if (size == 0)
    size = 1;
  if (size <= PMA_SMALL_MAX)
    return small_alloc(t, h, size_class(size));
  if (size > h->size) {
    pma_err("out of heap space: %zu bytes requested, the heap is %zu bytes", size, h->size);
    return NULL;
  }
  return large_alloc(t, h, (size + PMA_CHUNK - 1) / PMA_CHUNK);
}

/* struct block -- where a block's state byte lives */
struct block {
  uint8_t *state; /* block map byte, or chunk map byte of a large extent */
  int large;
  uint64_t chunk;
  unsigned cls;
  size_t usable;
};

/* locate -- classify ptr; 0 if it is the start of an allocated block (or one
 * whose free is pending) */
static int locate(struct pma_heap *h, const void *ptr, struct block *b) {
  uintptr_t p = (uintptr_t)ptr, d = (uintptr_t)h->data;
  if (p < d || p >= d + h->nchunks * PMA_CHUNK)
    return -1;
  b->chunk = (p - d) / PMA_CHUNK;
  uintptr_t in = (p - d) % PMA_CHUNK;
  uint8_t m = h->map[b->chunk];
  if (m >= 1 && m <= PMA_NCLASSES) {
    b->large = 0;
    b->cls = m - 1u;
    uint32_t first = pma_run_first[b->cls], sz = pma_class_size[b->cls];
    if (in < first)
      return -1;
    uint32_t idx = class_div((uint32_t)(in - first), b->cls);
    if (idx * sz != in - first || idx >= pma_run_blocks[b->cls])
      return -1;
    b->state = (uint8_t *)pma_chunk_at(h, b->chunk) + idx;
    b->usable = sz;
    return *b->state == PMA_BLK_FREE ? -1 : 0;
  }
  if ((m == PMA_MAP_LARGE || m == PMA_MAP_LARGE_FREEING) && in == 0) {
    b->large = 1;
    b->state = &h->map[b->chunk];
    b->usable = (size_t)h->alloc->vc[b->chunk].len * PMA_CHUNK;
    return 0;
  }
  return -1;
}

/* The deferred-free lists (t->dfrees, a waiting FASE's frees) hold the
 * address of each block's state byte -- block map byte, or chunk map byte of
 * a large extent -- so the commit and the retire need not locate the block
 * again. */

/* state_block -- the block whose state byte is at z */
static void state_block(struct pma_heap *h, uint8_t *z, struct block *b) {
  b->state = z;
  if (z < (uint8_t *)h->data) { /* chunk map: a large extent */
    b->large = 1;
    b->chunk = (uint64_t)(z - h->map);
    b->usable = (size_t)h->alloc->vc[b->chunk].len * PMA_CHUNK;
    return;
  }
  b->large = 0;
  b->chunk = (uint64_t)((char *)z - h->data) / PMA_CHUNK;
  b->cls = h->map[b->chunk] - 1u;
  b->usable = pma_class_size[b->cls];
}

/* block_addr -- start of the block whose state byte is z (for messages) */
static void *block_addr(struct pma_heap *h, uint8_t *z) {
  struct block b;
  state_block(h, z, &b);
  char *c = pma_chunk_at(h, b.chunk);
  if (b.large)
    return c;
  return c + pma_run_first[b.cls] + (size_t)(z - (uint8_t *)c) * pma_class_size[b.cls];
}

/* defer_free -- the block (state byte z) is freed when t's FASE commits */
static void defer_free(struct pma_thread *t, uint8_t *z) {
  if (t->ndfrees == t->cap_dfrees) {
    uint32_t cap = t->cap_dfrees ? 2 * t->cap_dfrees : 16;
    uintptr_t *n = realloc(t->dfrees, cap * sizeof *n);
    if (!n)
      pma_fatal("out of memory for the deferred-free list (%u blocks)", cap);
    t->dfrees = n;
    t->cap_dfrees = cap;
  }
  t->dfrees[t->ndfrees++] = (uintptr_t)z;
}

/* pma_alloc_commit_frees -- commit step 1: each deferred free's state byte
 * goes 1 -> 2 (0x41 -> 0x43) as a logged store of the FASE.  The records
 * are multi-range ones, each fenced before the next (pma_log_bytes): with
 * the filter full, a free of a block allocated in this FASE saves a byte
 * that is set but not yet written back, and a torn record followed by such
 * a valid one would read as a log damaged in the middle (design.md section
 * 4).  Each byte is noted for the commit's flush after its store. */
void pma_alloc_commit_frees(struct pma_thread *t) {
  struct pma_heap *h = pma_rt.heap;
  for (uint32_t i = 0; i < t->ndfrees; i++) {
    uint8_t *z = (uint8_t *)t->dfrees[i];
    if (*z == PMA_BLK_FREE) /* PMA_MAP_FREE for a large extent */
      pma_fatal("deferred free of %p: not an allocated block any more", block_addr(h, z));
  }
  if (!PMA_MUTANT(free_unlogged) && pma_log_bytes(t, t->dfrees, t->ndfrees))
    pma_fence(t);
  for (uint32_t i = 0; i < t->ndfrees; i++) {
    uint8_t *z = (uint8_t *)t->dfrees[i];
    int large = z < (uint8_t *)h->data;
    if (*z != (large ? PMA_MAP_LARGE : PMA_BLK_USED))
      pma_fatal("double free of %p inside one FASE", block_addr(h, z));
    __atomic_store_n(z, large ? PMA_MAP_LARGE_FREEING : PMA_BLK_FREEING, __ATOMIC_RELAXED);
    if (pma_rt.durable && !PMA_MUTANT(free_unlogged))
      pma_dirty_add(t, (uintptr_t)z, 1);
  }
}

/* pma_alloc_free_blocks -- after the retire of the FASE that freed them:
 * the blocks become free (2 -> 0, not flushed: 2 reads as free at open
 * anyway); small ones go to the calling thread's cache.  A large extent's
 * tail map bytes (0x42 -> 0) are flushed, and one fence makes them durable
 * before any of its chunks is given back: an extent that later reuses the
 * first chunks must not read back, after a power failure, as the old, longer
 * one whose tail bytes it does not overwrite (design.md section 6). */
void pma_alloc_free_blocks(const uintptr_t *blocks, uint32_t n) {
  struct pma_heap *h = pma_rt.heap;
  struct pma_alloc *a = h->alloc;
  struct pma_thread *t = pma_self();
  struct block b;
  int large = 0;
  for (uint32_t i = 0; i < n; i++) {
    state_block(h, (uint8_t *)blocks[i], &b);
    if (*b.state != (b.large ? PMA_MAP_LARGE_FREEING : PMA_BLK_FREEING))
      pma_fatal("deferred free of %p vanished before it finished", block_addr(h, b.state));
    if (b.large) {
      uint64_t len = a->vc[b.chunk].len;
      memset(&h->map[b.chunk + 1], PMA_MAP_FREE, len - 1);
      __atomic_store_n(&h->map[b.chunk], PMA_MAP_FREE, __ATOMIC_RELAXED);
      if (!PMA_MUTANT(free_tail_unflushed))
        pma_flush(t, &h->map[b.chunk + 1], len - 1);
      large = 1;
    } else {
      __atomic_store_n(b.state, PMA_BLK_FREE, __ATOMIC_RELAXED);
      tcache_put(h, b.cls, b.state);
    }
  }
  if (!large)
    return;
  if (!PMA_MUTANT(free_tail_unflushed))
    pma_fence(t);
  for (uint32_t i = 0; i < n; i++) {
    uint8_t *z = (uint8_t *)blocks[i];
    if (z >= (uint8_t *)h->data)
      continue;
    uint64_t c = (uint64_t)(z - h->map), len = a->vc[c].len;
    a->vc[c].len = 0;
    chunk_give(h, c, len);
  }
}

/* pma_alloc_finish_frees -- the frees of t's FASE, which just retired */
void pma_alloc_finish_frees(struct pma_thread *t) {
  pma_alloc_free_blocks(t->dfrees, t->ndfrees);
  t->ndfrees = 0;
}

#ifdef PMA_MUTANT_BUILD
/* free_now -- mutant free_immediate: free inside the FASE at once, as a logged
 * store, and make the block the next one this thread hands out */
static void free_now(struct pma_thread *t, struct pma_heap *h, struct block *b) {
  struct pma_alloc *a = h->alloc;
  if (b->large) {
    uint64_t n = a->vc[b->chunk].len;
    pma_log_store(t, (uintptr_t)&h->map[b->chunk], n);
    memset(&h->map[b->chunk], PMA_MAP_FREE, n);
    a->vc[b->chunk].len = 0;
    chunk_give(h, b->chunk, n);
    return;
  }
  pma_log_store(t, (uintptr_t)b->state, 1);
  *b->state = PMA_BLK_FREE;
  tcache_put(h, b->cls, b->state);
}
#endif

/* heap_for -- the open heap or NULL with a message */
static struct pma_heap *heap_for(const char *fn) {
  struct pma_heap *h = pma_rt.heap;
  if (!h && !pma_fork_refuse(fn, NULL))
    pma_err("%s: no heap is open (call pma_open first)", fn);
  return h;
}

/* fresh_written -- a block allocated in this FASE needs no undo log for its
 * contents (rollback frees it), only flushing at commit */
static void fresh_written(struct pma_thread *t, void *p, size_t len) {
  if (pma_rt.durable && len)
    pma_dirty_add(t, (uintptr_t)p, len);
}

/* fresh_fill -- the allocator writes [p, p+len) of a block allocated in this
 * FASE: from src, or zeros when src is NULL.  A block of PMA_FRESH_NOTE_MAX
 * bytes or more is written with non-temporal stores, not noted: the commit's
 * fence (before the retire) drains them, and its lines stay out of the
 * cache; a shorter one through the cache, noted (mutant big_calloc_cached:
 * a large zeroing through the cache, unnoted: never flushed). */
static void fresh_fill(struct pma_thread *t, void *p, const void *src, size_t len, size_t block) {
  if (!len)
    return;
  if (pma_rt.durable && block >= PMA_FRESH_NOTE_MAX) {
    if (!src && PMA_MUTANT(big_calloc_cached))
      memset(p, 0, len);
    else if (src)
      pma_rt.ops.memmove_nt(p, src, len);
    else
      pma_rt.ops.memset_nt(p, 0, len);
    PMA_STAT(t, nt_bytes, len);
    return;
  }
  if (src)
    memcpy(p, src, len);
  else
    memset(p, 0, len);
  fresh_written(t, p, len);
}

/* settle_own -- the calling thread's allocations that wait for a record
 * (log.c) get their state byte now: a block must read as allocated before
 * this thread frees, resizes or measures one */
static inline void settle_own(void) {
  struct pma_thread *t = pma_self();
  if (unlikely(t->npend))
    pma_log_settle(t);
}

/* malloc_in -- pma_malloc: size bytes in the heap.  Inside a FASE: part of the FASE.
 * Out of space: NULL with pma_errormsg set; the FASE is unaffected (nothing
 * was logged for the failed call) and may go on or commit.
 * The new block of pma_malloc, pma_calloc and pma_realloc is noted for
 * flushing at the caller's next commit (after the allocation's own FASE when
 * called outside one): the pass may leave the stores that initialise it
 * without a hook (pass/LogOpt.cpp). */
static void *malloc_in(size_t size) {
  struct pma_heap *h = heap_for("pma_malloc");
  if (!h)
    return NULL;
  struct pma_thread *t = pma_self();
  pma_thread_ready(t);
  int own = t->depth == 0;
  if (own)
    pma_fase_enter(t);
  void *p = alloc_in_fase(t, h, size);
  if (own)
    pma_fase_leave(t);
  if (p)
    pma_note_fresh(t, p, size);
  return p;
}

/* calloc_in -- pma_calloc: zeroed nmemb*size bytes (overflow checked) */
static void *calloc_in(size_t nmemb, size_t size) {
  struct pma_heap *h = heap_for("pma_calloc");
  if (!h)
    return NULL;
  if (size && nmemb > SIZE_MAX / size) {
    pma_err("pma_calloc: %zu x %zu bytes overflows size_t", nmemb, size);
    return NULL;
  }
  struct pma_thread *t = pma_self();
  pma_thread_ready(t);
  int own = t->depth == 0;
  if (own)
    pma_fase_enter(t);
  void *p = alloc_in_fase(t, h, nmemb * size);
  if (p)
    fresh_fill(t, p, NULL, nmemb * size, nmemb * size);
  if (own)
    pma_fase_leave(t);
  if (p)
    pma_note_fresh(t, p, nmemb * size);
  return p;
}

/* free_in -- pma_free: free a block; inside a FASE it takes effect at commit */
static void free_in(void *ptr) {
  if (!ptr)
    return;
  settle_own();
  struct pma_heap *h = pma_rt.heap;
  struct block b;
  if (!h)
    pma_fatal("pma_free(%p): no heap is open", ptr);
  if (locate(h, ptr, &b) || (!b.large && *b.state != PMA_BLK_USED) ||
      (b.large && *b.state != PMA_MAP_LARGE))
    pma_fatal("pma_free(%p): not an allocated block of the heap (invalid pointer or double free)",
              ptr);
  struct pma_thread *t = pma_self();
  pma_thread_ready(t);
  int own = t->depth == 0;
#ifdef PMA_MUTANT_BUILD
  if (PMA_MUTANT(free_immediate) && !own) {
    free_now(t, h, &b);
    return;
  }
#endif
  if (own)
    pma_fase_enter(t);
  defer_free(t, b.state);
  if (own)
    pma_fase_leave(t);
}

/* pma_usage -- allocated blocks of h, from the chunk map and the block maps */
PMA_EXPORT int pma_usage(const pma_heap *hc, struct pma_usage *out) {
  struct pma_heap *h = (struct pma_heap *)hc;
  if (!h || h != pma_rt.heap || !out) {
    pma_err("pma_usage: %p is not the open heap", (void *)hc);
    return -1;
  }
  settle_own();
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&h->alloc->lock);
  for (uint64_t c = 0; c < h->nchunks; c++) {
    uint8_t m = h->map[c];
    if (m >= 1 && m <= PMA_MAP_RUN_MAX) {
      const uint8_t *bm = (const uint8_t *)pma_chunk_at(h, c);
      for (uint32_t i = 0; i < pma_run_blocks[m - 1]; i++)
        if (bm[i] != PMA_BLK_FREE) {
          out->small_blocks++;
          out->small_bytes += pma_class_size[m - 1];
        }
    } else if (m == PMA_MAP_LARGE) {
      uint64_t n = 1;
      while (c + n < h->nchunks && h->map[c + n] == PMA_MAP_LARGE_NEXT)
        n++;
      out->large_extents++;
      out->large_bytes += n * PMA_CHUNK;
    }
  }
  pthread_mutex_unlock(&h->alloc->lock);
  return 0;
}

/* pma_usable_size -- bytes usable in a block returned by pma_malloc */
PMA_EXPORT size_t pma_usable_size(const void *ptr) {
  settle_own();
  struct pma_heap *h = pma_rt.heap;
  struct block b;
  if (!ptr || !h || locate(h, ptr, &b))
    return 0;
  return b.usable;
}

/* realloc_in -- pma_realloc: resize: same block if it fits, else allocate, copy, free */
static void *realloc_in(void *ptr, size_t size) {
  if (!ptr)
    return malloc_in(size);
  if (size == 0) {
    free_in(ptr);
    return NULL;
  }
  struct pma_heap *h = heap_for("pma_realloc");
  struct block b;
  if (!h)
    return NULL;
  settle_own();
  if (locate(h, ptr, &b))
    pma_fatal("pma_realloc(%p): not an allocated block of the heap", ptr);
  if (size <= b.usable)
    return ptr;
  struct pma_thread *t = pma_self();
  pma_thread_ready(t);
  int own = t->depth == 0;
  if (own)
    pma_fase_enter(t);
  void *q = alloc_in_fase(t, h, size);
  if (q) {
    fresh_fill(t, q, ptr, b.usable, size);
    defer_free(t, b.state);
  }
  if (own)
    pma_fase_leave(t);
  if (q)
    pma_note_fresh(t, q, size);
  return q;
}

/* The allocator's entry points are runtime sections: a signal handler that
 * comes while one changes the thread's log state (or holds the allocator's
 * lock) runs when it returns (signals.c). */

/* pma_malloc -- malloc_in as a runtime section */
PMA_EXPORT void *pma_malloc(size_t size) {
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  void *p = malloc_in(size);
  pma_rt_leave(t);
  return p;
}

/* pma_calloc -- calloc_in as a runtime section */
PMA_EXPORT void *pma_calloc(size_t nmemb, size_t size) {
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  void *p = calloc_in(nmemb, size);
  pma_rt_leave(t);
  return p;
}

/* pma_free -- free_in as a runtime section */
PMA_EXPORT void pma_free(void *ptr) {
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  free_in(ptr);
  pma_rt_leave(t);
}

/* pma_realloc -- realloc_in as a runtime section */
PMA_EXPORT void *pma_realloc(void *ptr, size_t size) {
  struct pma_thread *t = pma_self();
  pma_rt_enter(t);
  void *p = realloc_in(ptr, size);
  pma_rt_leave(t);
  return p;
}

/* pma_root -- the root object: allocated and zeroed on first call, grown
 * (contents kept, rest zeroed) when size is larger.  Call it at startup:
 * a concurrent FASE could see a root that is not committed yet. */
PMA_EXPORT void *pma_root(pma_heap *h, size_t size) {
  if (pma_fork_refuse("pma_root", h))
    return NULL;
  if (!h || h != pma_rt.heap) {
    pma_err("pma_root: %p is not the open heap", (void *)h);
    return NULL;
  }
  struct pma_hdr_dyn *d = &h->hdr->d;
  settle_own();
  pthread_mutex_lock(&root_lock);
  void *cur = d->root_off ? pma_ptr(d->root_off) : NULL;
  if (cur && size <= d->root_size) {
    pthread_mutex_unlock(&root_lock);
    return cur;
  }
  if (size == 0) {
    pthread_mutex_unlock(&root_lock);
    pma_err("pma_root: size 0 and the heap has no root object yet");
    return NULL;
  }
  struct pma_thread *t = pma_self();
  pma_thread_ready(t);
  int own = t->depth == 0;
  if (own)
    pma_fase_enter(t);
  void *p = alloc_in_fase(t, h, size);
  if (p) {
    size_t keep = cur ? d->root_size : 0;
    if (keep)
      memcpy(p, cur, keep);
    memset((char *)p + keep, 0, size - keep);
    fresh_written(t, p, size);
    if (PMA_MUTANT(root_unlogged))
      pma_dirty_add(t, (uintptr_t)&d->root_off, 2 * sizeof(uint64_t));
    else
      pma_log_store(t, (uintptr_t)&d->root_off, 2 * sizeof(uint64_t));
    d->root_off = pma_off(p);
    d->root_size = size;
    struct block b;
    if (cur && locate(h, cur, &b))
      pma_fatal("pma_root: the old root object %p is not an allocated block", cur);
    if (cur)
      defer_free(t, b.state);
  }
  if (own)
    pma_fase_leave(t);
  pthread_mutex_unlock(&root_lock);
  return p;
}

/* pma_root_size -- size of the root object, 0 if none */
PMA_EXPORT size_t pma_root_size(const pma_heap *h) {
  if (!h || h != pma_rt.heap)
    return 0;
  return h->hdr->d.root_off ? h->hdr->d.root_size : 0;
}

