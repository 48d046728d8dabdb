/*
 * alloc.h -- allocator state shared by alloc.c (run time) and alloc_open.c
 * (rebuild at open, flush at close); not part of the file format
 */
#ifndef PMA_ALLOC_H
#define PMA_ALLOC_H

#include "internal.h"

/* Volatile per-chunk info: for runs, the blocks the run can hand out (avail:
 * one bit per block, 1 = state byte 0 and in no thread's cache), their count
 * and the list links; for large extents, the length in chunks (at the first
 * chunk). */
struct vchunk {
  int32_t next, prev;
  uint32_t nfree;    /* bits set in avail */
  uint32_t hint;     /* avail word to scan first */
  uint32_t len;
  uint8_t listed;
  uint64_t *avail;   /* runs only; allocated when the chunk becomes a run */
};

struct pma_alloc {
  pthread_mutex_t lock;          /* runs and their lists */
  pthread_mutex_t chunk_lock;    /* free-chunk bitmap */
  uint64_t *free_bits;           /* 1 = chunk free */
  uint64_t nfree;                /* bits set in free_bits */
  uint64_t hint;
  struct vchunk *vc;             /* one per data chunk */
  int32_t partial[PMA_NCLASSES]; /* runs with a free block, -1 = none */
};

/* Free chunks only a log slot's first chunk may take: a thread can always
 * start a log, and so free a block, on a heap that is otherwise full (design.md
 * section 6). */
#define PMA_LOG_RESERVE 1u

/* Size classes (design.md section 6) and the run geometry derived from them:
 * a run's block map has one byte per block, padded to 64 bytes. */
extern const uint32_t pma_class_size[PMA_NCLASSES] PMA_HIDDEN;
extern uint32_t pma_run_first[PMA_NCLASSES] PMA_HIDDEN;  /* offset of block 0 */
extern uint32_t pma_run_blocks[PMA_NCLASSES] PMA_HIDDEN; /* blocks per run */
extern uint64_t pma_class_recip[PMA_NCLASSES] PMA_HIDDEN; /* ceil(2^48 / class size) */
extern uint32_t pma_cache_cap[PMA_NCLASSES] PMA_HIDDEN;   /* per-thread cache, blocks */
#define PMA_CACHE_MAX 64u /* largest pma_cache_cap */

/* class_div -- x / class size of cls, exact for x < 2^16 (a chunk): with
 * m = ceil(2^48 / d) = (2^48 + e) / d, e < d <= 2^13, the error x*e/2^48
 * stays below 1/d */
static inline uint32_t class_div(uint32_t x, unsigned cls) {
  return (uint32_t)(((uint64_t)x * pma_class_recip[cls]) >> 48);
}

/* run_words -- 64-bit words of a run's avail bitmap */
static inline uint32_t run_words(unsigned cls) { return (pma_run_blocks[cls] + 63) / 64; }

/* pma_root_check -- the root offset and size describe an allocated block
 * inside the heap (or no root); 0, or -EINVAL with a "heap corrupt" message.
 * Reads only the durable maps: `pmatomic check` uses it too. */
int pma_root_check(struct pma_heap *h) PMA_HIDDEN;

/* size_class -- smallest class holding size bytes (size <= PMA_SMALL_MAX) */
static inline unsigned size_class(size_t size) {
  unsigned c = size <= 128 ? (unsigned)((size + 15) / 16) - 1 : 8;
  while (pma_class_size[c] < size)
    c++;
  return c;
}

/* pma_chunk_at -- address of data chunk i */
static inline char *pma_chunk_at(struct pma_heap *h, uint64_t i) {
  return h->data + i * PMA_CHUNK;
}

/* bit_get / bit_set -- free-chunk bitmap accessors */
static inline int bit_get(struct pma_alloc *a, uint64_t i) {
  return (a->free_bits[i / 64] >> (i % 64)) & 1;
}
static inline void bit_set(struct pma_alloc *a, uint64_t i, int v) {
  if (v)
    a->free_bits[i / 64] |= 1ull << (i % 64);
  else
    a->free_bits[i / 64] &= ~(1ull << (i % 64));
}

/* list_push -- put run r on its class's list of runs with free blocks */
static inline void list_push(struct pma_alloc *a, unsigned cls, int32_t r) {
  struct vchunk *v = &a->vc[r];
  v->prev = -1;
  v->next = a->partial[cls];
  if (v->next >= 0)
    a->vc[v->next].prev = r;
  a->partial[cls] = r;
  v->listed = 1;
}

/* run_avail_new -- a zeroed avail bitmap for a run of class cls (fatal when
 * out of memory: the allocator cannot run without it) */
uint64_t *pma_run_avail_new(unsigned cls) PMA_HIDDEN;

/* pma_alloc_thread_exit -- give the calling (exiting) thread's cached blocks
 * back to their runs and free its cache */
void pma_alloc_thread_exit(void) PMA_HIDDEN;

/* hooks.c: pma_note_fresh -- note a block just allocated for flushing at the
 * next commit and keep it noted across an early flush of the dirty list:
 * the pass leaves stores into it without a hook (pass/LogOpt.cpp) */
void pma_note_fresh(struct pma_thread *t, void *p, size_t len) PMA_HIDDEN;

/* the log's chunk owner (alloc.c): set with pma_log_set_chunks at open */
extern const struct pma_log_chunks pma_alloc_log_chunks PMA_HIDDEN;

#endif /* PMA_ALLOC_H */
