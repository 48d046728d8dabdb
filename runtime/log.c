/*
 * log.c -- undo records, log chunks, the per-FASE filter and the dirty list
 *
 * Record and chunk format: docs/design.md section 2.  Everything here runs on
 * the store-hook path of a thread inside a FASE, so the common case (a store
 * whose bytes are already logged, or one short record in the current chunk)
 * takes no lock, makes no system call and allocates nothing.
 */
#include <string.h>

#include "internal.h"

/* pad8 -- n rounded up to a multiple of 8 */
static inline size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---------------------------------------------------------------- filter */

/* fslot -- home index of word in the filter table */
static inline uint32_t fslot(uint64_t word) {
  return (uint32_t)((word * PMA_P1) >> (64 - PMA_FILTER_BITS));
}

/* filter_find -- entry of word in this generation, or NULL */
static inline struct pma_fent *filter_find(struct pma_thread *t, uint64_t word) {
  uint32_t i = fslot(word);
  for (;;) {
    struct pma_fent *e = &t->filter[i];
    if (e->gen != t->fgen)
      return NULL;
    if (e->word == word)
      return e;
    i = (i + 1) & (PMA_FILTER_CAP - 1);
  }
}

/* filter_add -- OR mask into word's entry, inserting it if there is room */
static inline void filter_add(struct pma_thread *t, uint64_t word, uint32_t mask) {
  uint32_t i = fslot(word);
  for (;;) {
    struct pma_fent *e = &t->filter[i];
    if (e->gen != t->fgen) {
      if (t->fcount >= pma_rt.filter_full)
        return; /* too full: stop inserting, later stores just log */
      e->gen = t->fgen;
      e->word = word;
      e->mask = mask;
      t->fcount++;
      return;
    }
    if (e->word == word) {
      e->mask |= mask;
      return;
    }
    i = (i + 1) & (PMA_FILTER_CAP - 1);
  }
}

/* filter_clear -- forget every entry in O(1) by moving to a new generation */
static void filter_clear(struct pma_thread *t) {
  if (++t->fgen == 0) {
    /* wrapped: old entries could alias the new generation */
    memset(t->filter, 0, PMA_FILTER_CAP * sizeof *t->filter);
    t->fgen = 1;
  }
  t->fcount = 0;
  t->nbig = 0;
}

/* big_logged -- is [off, off+len) inside a long range logged in this FASE */
static inline int big_logged(struct pma_thread *t, uint64_t off, size_t len) {
  uint32_t n = t->nbig < PMA_BIG_CACHE ? t->nbig : PMA_BIG_CACHE;
  for (uint32_t i = 0; i < n; i++)
    if (off >= t->big[i].start && off + len <= t->big[i].end)
      return 1;
  return 0;
}

/* big_add -- remember a long logged range (oldest of the ring replaced) */
static inline void big_add(struct pma_thread *t, uint64_t off, size_t len) {
  struct pma_range *b = &t->big[t->nbig++ % PMA_BIG_CACHE];
  b->start = off;
  b->end = off + len;
}

/* word_mask -- mask of the bytes of word w covered by [off, off+len) */
static inline uint32_t word_mask(uint64_t w, uint64_t off, size_t len) {
  uint64_t ws = w * 8, s = off > ws ? off : ws, e = off + len < ws + 8 ? off + len : ws + 8;
  return ((1u << (e - s)) - 1) << (s - ws);
}

/* ------------------------------------------------------------ dirty list */

/* pma_dirty_flush -- flush every noted range (no fence) and empty the list.
 * Inside a FASE the filter is cleared too: a later store to a flushed line
 * must be logged (and so noted) again to be flushed at commit. */
void pma_dirty_flush(struct pma_thread *t) {
  for (uint32_t i = 0; i < t->ndirty; i++) {
    size_t len = t->dirty[i].end - t->dirty[i].start;
    if (PMA_MUTANT(dirty_last_line) && len > PMA_LINE)
      len -= PMA_LINE;
    pma_flush(t, (void *)t->dirty[i].start, len);
  }
  t->ndirty = 0;
  t->dirty_flushes++;
  if (t->depth)
    filter_clear(t);
}

/* pma_dirty_add -- note [addr, addr+len) for flushing at the next commit,
 * pma_sync or pma_close.  When the list is full its entries are flushed now:
 * their stores have executed (each hook runs before its own store, after the
 * earlier ones). */
void pma_dirty_add(struct pma_thread *t, uintptr_t addr, size_t len) {
  uintptr_t s = addr & ~(uintptr_t)(PMA_LINE - 1);
  uintptr_t e = (addr + len + PMA_LINE - 1) & ~(uintptr_t)(PMA_LINE - 1);
  if (t->ndirty) {
    struct pma_range *r = &t->dirty[t->ndirty - 1];
    if (s <= r->end && e >= r->start) {
      if (s < r->start)
        r->start = s;
      if (e > r->end)
        r->end = e;
      return;
    }
  }
  if (unlikely(t->ndirty >= pma_rt.dirty_cap))
    pma_dirty_flush(t);
  t->dirty[t->ndirty].start = s;
  t->dirty[t->ndirty].end = e;
  t->ndirty++;
}

/* -------------------------------------------------------------- chunks */

/* Where the log's chunks come from: the layer that owns the heap's chunks
 * lends them (alloc.c, at each open), as libpmemobj's ulog takes an extend
 * callback -- the log never names its allocator.  Chunks are taken and given
 * back rarely (a new chunk per PMA_CHUNK bytes of log, a trim after a long
 * FASE), so the indirect call costs nothing on the store path. */
static struct pma_log_chunks chunks;

/* pma_log_set_chunks -- the functions the log takes its chunks from and gives
 * them back to, from now on */
void pma_log_set_chunks(const struct pma_log_chunks *c) { chunks = *c; }

/* pma_log_new_chunk -- allocate a log chunk, make its header durable, then
 * link it at *link durably; returns its address (aborts when the heap is full:
 * a FASE that cannot log must not go on).  A slot's first chunk may take the
 * heap's reserve (the chunk owner's take), so that a thread can always start
 * a log -- and so free -- on a full heap. */
char *pma_log_new_chunk(struct pma_thread *t, uint64_t *link) {
  if (unlikely(!chunks.take))
    pma_fatal("undo log: no chunk owner set (pma_log_set_chunks) before the first chunk");
  int first = link == &pma_rt.heap->slots[t->slot].first_chunk;
  uint64_t off = chunks.take(t, first);
  if (!off)
    pma_fatal("out of heap space for the undo log: no free %u-byte chunk left in the %zu-byte "
              "heap while a FASE needs more log (slot %d, FASE %llu); use a larger heap or "
              "shorter FASEs",
              PMA_CHUNK, (size_t)pma_rt.size, t->slot, (unsigned long long)t->seq);
  struct pma_chunk_hdr *ch = pma_ptr(off);
  memcpy(ch->magic, PMA_LOGCK_MAGIC, 8);
  ch->next = 0;
  if (!PMA_MUTANT(chunk_header_unflushed))
    pma_persist_now(t, ch, sizeof *ch);
  *link = off;
  pma_persist_now(t, link, sizeof *link);
  return (char *)ch;
}

/* pma_log_keep -- chunks a slot's chain keeps after a trim: 1/64 of the
 * heap's chunks, 1 to 16.  A FASE whose log reaches past twice that many
 * trims the chain after its retire (design.md section 2). */
uint32_t pma_log_keep(const struct pma_heap *h) {
  uint64_t n = h->nchunks / 64;
  return n < 1 ? 1 : n > 16 ? 16 : (uint32_t)n;
}

/* pma_log_trim -- cut the chain at *first after its first pma_log_keep()
 * chunks and give the rest back to the chunk owner.  Every FASE of the slot has
 * retired, so recovery needs nothing in the chain; but the shorter chain must
 * be durable before a chunk is given back: a chunk reused as data while the
 * durable chain still reached it would make the next open refuse the heap.
 * A crash after the unlink leaves the cut chunks marked LOG with no chain
 * reaching them, which the open frees (alloc_open.c). */
uint32_t pma_log_trim(struct pma_thread *t, uint64_t *first) {
  uint32_t keep = pma_log_keep(pma_rt.heap);
  uint64_t off = *first;
  for (uint32_t i = 1; off && i < keep; i++)
    off = ((struct pma_chunk_hdr *)pma_ptr(off))->next;
  if (!off)
    return 0;
  struct pma_chunk_hdr *last = pma_ptr(off);
  uint64_t cut = last->next;
  if (!cut)
    return 0;
  last->next = 0;
  if (!PMA_MUTANT(trim_unlink_unflushed))
    pma_persist_now(t, &last->next, sizeof last->next);
  uint32_t n = 0;
  while (cut) {
    uint64_t next = ((struct pma_chunk_hdr *)pma_ptr(cut))->next; /* before it is reused */
    chunks.give(t, cut);
    cut = next;
    n++;
  }
  return n;
}

/* log_jump -- close the current chunk with a JUMP and continue in the next */
static PMA_NOINLINE void log_jump(struct pma_thread *t) {
  struct pma_chunk_hdr *ch = (struct pma_chunk_hdr *)t->chunk;
  char *next;
  if (ch->next) {
    next = pma_ptr(ch->next);
    if (unlikely(memcmp(next, PMA_LOGCK_MAGIC, 8)))
      pma_fatal("log chain of slot %d is broken: chunk at heap offset %#llx has no "
                "\"" PMA_LOGCK_MAGIC "\" magic",
                t->slot, (unsigned long long)ch->next);
  } else {
    next = pma_log_new_chunk(t, &ch->next);
  }
  if (t->at_head && ++t->chain_pos >= 2 * pma_log_keep(pma_rt.heap))
    t->trim = 1;
  struct pma_rec *r = (struct pma_rec *)(t->chunk + t->pos);
  r->hdr = PMA_REC_HDR(0, 0, PMA_REC_JUMP);
  r->check = pma_rec_check(t->seq, r->hdr, NULL, 0);
  if (!PMA_MUTANT(jump_unflushed))
    pma_flush(t, r, sizeof *r);
  t->chunk = next;
  t->pos = sizeof(struct pma_chunk_hdr);
}

/* ------------------------------------------------------------- records */

/* log_records -- append records holding the current bytes of [off, off+len),
 * split to fit the 14-bit length and the chunk; flushed, the last one not
 * fenced.  A store split into several records fences between them: recovery
 * reads a valid record after an invalid one as a log damaged in the middle
 * (recover.c), which is only true when the invalid one was durable before the
 * valid one was written; without the fence a power failure may keep a later
 * piece of one store and tear an earlier one (found by the crash simulator). */
static void log_records(struct pma_thread *t, uint64_t off, size_t len) {
  const char *src = pma_ptr(off);
  int first = 1;
  while (len) {
    if (!first && !PMA_MUTANT(split_unfenced))
      pma_fence(t);
    first = 0;
    size_t room = PMA_REC_LIMIT - t->pos;
    if (room < sizeof(struct pma_rec) + 8) {
      log_jump(t);
      continue;
    }
    size_t piece = len;
    if (piece > PMA_REC_PIECE)
      piece = PMA_REC_PIECE;
    if (pad8(piece) + sizeof(struct pma_rec) > room)
      piece = (room - sizeof(struct pma_rec)) & ~(size_t)7;
    struct pma_rec *r = (struct pma_rec *)(t->chunk + t->pos);
    char *data = (char *)(r + 1);
    uint64_t hdr = PMA_REC_HDR(off, piece, PMA_REC_DATA);
    r->hdr = hdr;
    r->check = pma_rec_check(t->seq, hdr, src, piece);
    size_t body = piece & ~(size_t)7, tail = piece - body;
    if (pma_rt.durable && piece >= pma_rt.nt_threshold) {
      /* never read again unless we crash: keep it out of the cache */
      if (PMA_MUTANT(rec_unflushed))
        memcpy(data, src, body);
      else
        pma_rt.ops.memmove_nt(data, src, body);
      PMA_STAT(t, nt_bytes, body);
      if (!PMA_MUTANT(rec_unflushed))
        pma_flush(t, r, sizeof *r);
      if (tail) {
        uint64_t w = 0;
        memcpy(&w, src + body, tail);
        memcpy(data + body, &w, 8);
        if (!PMA_MUTANT(rec_unflushed) && !PMA_MUTANT(nt_tail_unflushed))
          pma_flush(t, data + body, 8);
      }
    } else {
      memcpy(data, src, piece);
      if (tail)
        memset(data + piece, 0, 8 - tail);
      size_t flen = sizeof *r + pad8(piece);
      if (PMA_MUTANT(rec_last_line) && (((uintptr_t)r + flen - 1) & ~(uintptr_t)(PMA_LINE - 1)) >
                                           ((uintptr_t)r & ~(uintptr_t)(PMA_LINE - 1)))
        flen = (((uintptr_t)r + flen - 1) & ~(uintptr_t)(PMA_LINE - 1)) - (uintptr_t)r;
      if (!PMA_MUTANT(rec_unflushed))
        pma_flush(t, r, flen);
    }
    PMA_STAT(t, log_records, 1);
    PMA_STAT(t, log_bytes, piece);
    t->nrec++;
    t->pos += (uint32_t)(sizeof *r + pad8(piece));
    off += piece;
    src += piece;
    len -= piece;
  }
  t->wrote = 1;
}

/* multi_record -- one multi-range record (design.md section 2) holding the
 * current bytes of the n ranges r[] (heap offsets), whose entries take
 * payload bytes and fit the chunk; flushed, not fenced */
static void multi_record(struct pma_thread *t, const struct pma_range *r, unsigned n,
                         size_t payload) {
  struct pma_rec *m = (struct pma_rec *)(t->chunk + t->pos);
  char *q = (char *)(m + 1);
  size_t checked = payload;
  for (unsigned i = 0; i < n; i++) {
    size_t len = r[i].end - r[i].start;
    struct pma_rec *e = (struct pma_rec *)q;
    e->hdr = PMA_REC_HDR(r[i].start, len, PMA_REC_DATA);
    e->check = 0;
    memcpy(e + 1, pma_ptr(r[i].start), len);
    if (len & 7)
      memset((char *)(e + 1) + len, 0, 8 - (len & 7));
    q += sizeof *e + pad8(len);
    if (i == 0 && PMA_MUTANT(multi_check_first))
      checked = sizeof *e + pad8(len);
    PMA_STAT(t, log_bytes, len);
  }
  m->hdr = PMA_REC_HDR(PMA_REC_MULTI_OFF, payload, PMA_REC_DATA);
  m->check = pma_rec_check(t->seq, m->hdr, m + 1, checked);
  pma_flush(t, m, sizeof *m + payload);
  PMA_STAT(t, log_records, 1);
  PMA_STAT(t, multi_records, 1);
  t->nrec += n;
  t->pos += (uint32_t)(sizeof *m + payload);
  t->wrote = 1;
}

/* log_ranges -- records holding the current bytes of the n ranges r[] (heap
 * offsets), flushed, the last one not fenced: as few multi-range records as
 * the record length and the chunk allow (one, for the few short ranges the
 * pass batches), a fence between two of them (see log_records); a range too
 * long for a multi-range record gets records of its own. */
static void log_ranges(struct pma_thread *t, const struct pma_range *r, unsigned n) {
  unsigned i = 0;
  while (i < n) {
    if (i && !PMA_MUTANT(split_unfenced))
      pma_fence(t);
    size_t first = sizeof(struct pma_rec) + pad8(r[i].end - r[i].start);
    if (first + sizeof(struct pma_rec) > PMA_REC_PIECE) {
      log_records(t, r[i].start, r[i].end - r[i].start);
      i++;
      continue;
    }
    if (PMA_REC_LIMIT - t->pos < sizeof(struct pma_rec) + first)
      log_jump(t);
    size_t room = PMA_REC_LIMIT - t->pos - sizeof(struct pma_rec), payload = 0;
    if (room > PMA_REC_PIECE)
      room = PMA_REC_PIECE;
    unsigned j = i;
    while (j < n) {
      size_t e = sizeof(struct pma_rec) + pad8(r[j].end - r[j].start);
      if (payload + e > room)
        break;
      payload += e;
      j++;
    }
    if (j == i + 1)
      log_records(t, r[i].start, r[i].end - r[i].start);
    else
      multi_record(t, r + i, j - i, payload);
    i = j;
  }
}

/* pma_log_meta -- append one DEP or COMMIT record (flushed, not fenced) */
void pma_log_meta(struct pma_thread *t, uint64_t kind, uint64_t field, const void *data,
                  size_t len) {
  if (PMA_REC_LIMIT - t->pos < sizeof(struct pma_rec) + len)
    log_jump(t);
  struct pma_rec *r = (struct pma_rec *)(t->chunk + t->pos);
  r->hdr = PMA_REC_HDR(field, len, kind);
  if (len)
    memcpy(r + 1, data, len);
  r->check = pma_rec_check(t->seq, r->hdr, r + 1, len);
  pma_flush(t, r, sizeof *r + len);
  t->pos += (uint32_t)(sizeof *r + len);
  if (kind == PMA_REC_DEP)
    t->nrec++;
}

/* logged_already -- does the filter show [off, off+len) saved in this FASE */
static inline int logged_already(struct pma_thread *t, uint64_t off, size_t len) {
  if (len > PMA_FILTER_MAXLEN)
    return big_logged(t, off, len);
  for (uint64_t w = off >> 3; w <= (off + len - 1) >> 3; w++) {
    uint32_t need = word_mask(w, off, len);
    struct pma_fent *e = filter_find(t, w);
    if (!e || (e->mask & need) != need)
      return 0;
  }
  return 1;
}

/* filter_enter -- [off, off+len) is saved (and noted): enter it in the filter */
static inline void filter_enter(struct pma_thread *t, uint64_t off, size_t len) {
  if (len > PMA_FILTER_MAXLEN) {
    big_add(t, off, len);
    return;
  }
  for (uint64_t w = off >> 3; w <= (off + len - 1) >> 3; w++)
    filter_add(t, w, PMA_MUTANT(filter_whole_words) ? 0xffu : word_mask(w, off, len));
}

/* pma_log_bytes -- before stores through the cache to the n single bytes at
 * z[] (absolute addresses inside the heap, inside a FASE, no allocation
 * waiting): the commit's deferred frees (alloc.c).  Logs the bytes the filter
 * does not show saved in multi-range records of up to PMA_BYTES_BATCH
 * entries, each made durable (fenced) before the next is written: a torn
 * record followed by a valid one then always means damage (design.md
 * section 4).  The bytes are not noted: the caller notes each one after its
 * store (so a dirty list that overflows meanwhile flushes only stores that
 * have executed).  Returns 1 if records were written (one fence is owed). */
int pma_log_bytes(struct pma_thread *t, const uintptr_t *z, uint32_t n) {
  if (unlikely(!t->logging))
    pma_fase_open_log(t);
  int filtered = !pma_rt.heap->env.sync_per_store;
  struct pma_range need[PMA_BYTES_BATCH];
  int owe = 0;
  uint32_t i = 0;
  while (i < n) {
    unsigned k = 0;
    for (; i < n && k < PMA_BYTES_BATCH; i++) {
      uint64_t off = pma_off((void *)z[i]);
      if (filtered && logged_already(t, off, 1)) {
        PMA_STAT(t, filtered_stores, 1);
        continue;
      }
      need[k].start = off;
      need[k].end = off + 1;
      k++;
    }
    if (!k)
      continue;
    if (PMA_MUTANT(frees_one_fence)) { /* the old way: a record each, one fence for all */
      for (unsigned j = 0; j < k; j++)
        log_records(t, need[j].start, 1);
    } else {
      if (owe)
        pma_fence(t);
      log_ranges(t, need, k);
    }
    for (unsigned j = 0; j < k; j++)
      filter_enter(t, need[j].start, 1);
    owe = 1;
  }
  return owe;
}

/* log_store -- before a write to [addr, addr+len) (inside the heap, inside a
 * FASE): save the old bytes unless the filter shows they are saved already.
 * With cached set the write goes through the cache: its range is noted for
 * the commit's flush and entered in the filter, whose hits rely on that note.
 * A non-temporal write (cached 0) needs no flush, so it is neither noted nor
 * entered: a later store to those bytes is logged again (a record of bytes
 * already saved is harmless, the oldest one wins at rollback) and noted.
 * Returns 1 if records were written (a fence is owed). */
static int log_store(struct pma_thread *t, uintptr_t addr, size_t len, int cached) {
  if (unlikely(!t->logging))
    pma_fase_open_log(t);
  uint64_t off = pma_off((void *)addr);
  if (unlikely(pma_rt.heap->env.sync_per_store)) {
    /* PMA_SYNC_PER_STORE: the per-store baseline logs every store, unfiltered */
    if (pma_rt.durable && cached)
      pma_dirty_add(t, addr, len);
    log_records(t, off, len);
    return 1;
  }
  if (logged_already(t, off, len)) {
    PMA_STAT(t, filtered_stores, 1);
    return 0;
  }
  if (!cached) {
    log_records(t, off, len);
    return 1;
  }
  /* Note first: a full dirty list clears the filter, and we insert after. */
  if (pma_rt.durable)
    pma_dirty_add(t, addr, len);
  log_records(t, off, len);
  filter_enter(t, off, len);
  return 1;
}

/* pma_log_store_nofence -- before a store through the cache to [addr,
 * addr+len): log (noted for the commit's flush); 1 if a fence is owed */
int pma_log_store_nofence(struct pma_thread *t, uintptr_t addr, size_t len) {
  return log_store(t, addr, len, 1);
}

/* pma_log_store_nt -- before a non-temporal write to [addr, addr+len): log,
 * not noted (the commit's fence drains it); 1 if a fence is owed */
int pma_log_store_nt(struct pma_thread *t, uintptr_t addr, size_t len) {
  return log_store(t, addr, len, 0);
}

/* pma_log_store -- pma_log_store_nofence plus the one fence per hook call;
 * allocations waiting for a record ride along in a multi-range record */
void pma_log_store(struct pma_thread *t, uintptr_t addr, size_t len) {
  if (unlikely(t->npend)) {
    struct pma_range r = {addr, addr + len};
    pma_log_multi_fenced(t, &r, 1, PMA_MUTANT(log_unfenced));
    return;
  }
  if (pma_log_store_nofence(t, addr, len) && !PMA_MUTANT(log_unfenced))
    pma_fence(t);
}

/* ------------------------------------------------ allocations that wait */

/* A small allocation inside a FASE sets its block's state byte 0 -> 1 as a
 * logged store.  Its record need not have a fence of its own: the byte is
 * set only after the next fence that follows a record holding it, and the
 * thread's next logged store writes one anyway.  So the byte waits
 * (t->pend) and rides along in that store's (multi-range) record, or is
 * settled -- logged, fenced, set -- at the latest when the FASE commits,
 * releases a lock in the middle, or the thread frees, resizes or measures a
 * block (which must see the byte set).  design.md section 6. */

/* pma_log_alloc_later -- inside a FASE: block state byte z (0) becomes 1
 * once a durable record holds it */
void pma_log_alloc_later(struct pma_thread *t, uint8_t *z) {
#ifdef PMA_WHOLE_HEAP_BUILD
  const int now = 1; /* see runtime/CMakeLists.txt */
#else
  const int now = 0;
#endif
  if (now || !pma_rt.durable || t->npend == PMA_PEND_MAX || pma_rt.heap->env.sync_per_store) {
    pma_log_store(t, (uintptr_t)z, 1); /* takes the waiting ones along */
    __atomic_store_n(z, PMA_BLK_USED, __ATOMIC_RELAXED);
    return;
  }
  t->pend[t->npend++] = z;
}

/* pend_apply -- after the fence that made their record durable (or with no
 * record needed): set the waiting state bytes */
static void pend_apply(struct pma_thread *t) {
  for (uint32_t i = 0; i < t->npend; i++) {
    if (unlikely(pma_rt.sim))
      pma_sim_store((uintptr_t)t->pend[i], 1);
    __atomic_store_n(t->pend[i], PMA_BLK_USED, __ATOMIC_RELAXED);
  }
  t->npend = 0;
}

/* pma_log_multi_fenced -- pma_log_multi, its fence when one is owed (not
 * with unfenced: mutants), then the waiting allocations that rode along set */
void pma_log_multi_fenced(struct pma_thread *t, const struct pma_range *r, unsigned n,
                          int unfenced) {
  int owe = pma_log_multi(t, r, n);
  if (unlikely(t->npend) && PMA_MUTANT(pend_unfenced))
    pend_apply(t);
  if (owe && !unfenced)
    pma_fence(t);
  if (unlikely(t->npend))
    pend_apply(t);
}

/* pma_log_settle -- log, fence and set the waiting state bytes now */
void pma_log_settle(struct pma_thread *t) {
  if (t->npend)
    pma_log_multi_fenced(t, NULL, 0, 0);
}

/* pma_log_multi -- before stores through the cache to the n ranges r[]
 * (absolute addresses, clipped to the heap, inside a FASE; n at most
 * PMA_MULTI_MAX): log the ranges the filter does not show saved, in one
 * multi-range record when they fit, and note every range for the commit's
 * flush.  Returns 1 if records were written (one fence is owed for all). */
int pma_log_multi(struct pma_thread *t, const struct pma_range *r, unsigned n) {
  if (unlikely(!t->logging))
    pma_fase_open_log(t);
  struct pma_range all[PMA_MULTI_MAX + PMA_PEND_MAX];
  if (unlikely(t->npend)) { /* waiting allocations ride along (set by the caller) */
    if (n)
      memcpy(all, r, n * sizeof *r);
    for (uint32_t i = 0; i < t->npend; i++) {
      all[n + i].start = (uintptr_t)t->pend[i];
      all[n + i].end = (uintptr_t)t->pend[i] + 1;
    }
    r = all;
    n += t->npend;
  }
  struct pma_range need[PMA_MULTI_MAX + PMA_PEND_MAX];
  unsigned k = 0;
  uint32_t before = t->ndirty;
  for (unsigned i = 0; i < n; i++) {
    uint64_t off = pma_off((void *)r[i].start);
    size_t len = r[i].end - r[i].start;
    if (logged_already(t, off, len)) {
      PMA_STAT(t, filtered_stores, 1);
      continue;
    }
    /* Note first: a full dirty list clears the filter, and we insert after. */
    if (pma_rt.durable)
      pma_dirty_add(t, r[i].start, len);
    need[k].start = off;
    need[k].end = off + len;
    k++;
  }
  /* The list overflowed and was flushed: the notes of the ranges the filter
   * passed over went with it, and their stores are still to come. */
  if (unlikely(t->ndirty < before) && !PMA_MUTANT(multi_overflow_unnoted))
    for (unsigned i = 0; i < n; i++)
      pma_dirty_add(t, r[i].start, r[i].end - r[i].start);
  if (!k)
    return 0;
  log_ranges(t, need, k);
  for (unsigned i = 0; i < k; i++)
    filter_enter(t, need[i].start, need[i].end - need[i].start);
  return 1;
}

/* pma_log_fase_done -- the FASE is committed: the next one starts a new log */
void pma_log_fase_done(struct pma_thread *t) {
  t->logging = 0;
  t->wrote = 0;
  t->published = 0;
  t->named = 0;
  t->ndeps = 0;
  t->nrec = 0;
  t->nnew = 0; /* its new blocks are committed: later stores are logged */
  filter_clear(t);
}
