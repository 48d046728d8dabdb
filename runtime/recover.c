/*
 * recover.c -- roll back the FASEs a crash left incomplete (design.md section 4)
 *
 * Two phases: first every slot's log is read and checked without writing
 * anything (a broken chain, or a record damaged in the middle of a log,
 * refuses the open with the file untouched), then
 * each incomplete FASE is undone newest-record-first and retired.  Rollback
 * writes only saved old values and the retire comes last, so a crash during
 * recovery followed by another open repeats the same steps with the same
 * result.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* struct pending -- the records of one slot's incomplete FASE, in log order */
struct pending {
  const struct pma_rec **rec;
  size_t n, cap;
};

/* push -- append r to p */
static int push(struct pending *p, const struct pma_rec *r) {
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 64;
    const struct pma_rec **n = realloc(p->rec, cap * sizeof *n);
    if (!n)
      return -ENOMEM;
    p->rec = n;
    p->cap = cap;
  }
  p->rec[p->n++] = r;
  return 0;
}

/* rec_valid -- does the record at r (pos bytes into its chunk) belong to FASE
 * seq and describe a restorable range.  Anything else is the log's tail. */
static int rec_valid(struct pma_heap *h, const struct pma_rec *r, uint32_t pos, uint64_t seq) {
  uint64_t hdr = r->hdr;
  uint64_t kind = PMA_REC_KIND(hdr), len = PMA_REC_LEN(hdr), off = PMA_REC_OFFSET(hdr);
  if (kind == PMA_REC_JUMP)
    return len == 0 && off == 0 && r->check == pma_rec_check(seq, hdr, NULL, 0);
  if (kind != PMA_REC_DATA || len == 0)
    return 0;
  if (pos + sizeof *r + ((len + 7) & ~7ull) > PMA_REC_LIMIT)
    return 0;
  /* Any range inside the heap: the writer logs whatever a hooked store hits
   * (even a stray store into the metadata), and reader and writer must agree
   * or a valid record would end the scan early. */
  if (off + len > h->size)
    return 0;
  if (PMA_MUTANT(no_checksum_check))
    return 1;
  return r->check == pma_rec_check(seq, hdr, r + 1, len);
}

/* rec_size -- bytes a valid record occupies in its chunk */
static uint32_t rec_size(const struct pma_rec *r) {
  return (uint32_t)(sizeof *r + ((PMA_REC_LEN(r->hdr) + 7) & ~7ull));
}

/* executed -- has the store that record r protects visibly happened: the
 * heap bytes of its range differ from the old bytes it saved */
static int executed(struct pma_heap *h, const struct pma_rec *r) {
  if (PMA_REC_KIND(r->hdr) != PMA_REC_DATA)
    return 0;
  return memcmp(h->base + PMA_REC_OFFSET(r->hdr), r + 1, PMA_REC_LEN(r->hdr)) != 0;
}

/* walk_later -- look at the records of FASE seq that follow a bad record in
 * chunk c at pos (design.md section 4, "torn tail or damaged middle"): every
 * 8-byte position after it in its chunk, then the records of the following
 * chunks of the chain, in order, as long as the log reached them (the first
 * record of a chunk the FASE never wrote does not check out).  Returns the
 * first later record whose store has executed (the bad record was in the
 * middle of the log), else NULL. */
static const struct pma_rec *walk_later(struct pma_heap *h, const char *c, uint32_t pos,
                                        uint64_t seq) {
  for (uint64_t hops = 0;; hops++) {
    /* resync: any valid record after the bad one in this chunk */
    for (uint32_t q = pos + 8; q + sizeof(struct pma_rec) <= PMA_CHUNK; q += 8) {
      const struct pma_rec *r = (const struct pma_rec *)(c + q);
      if (rec_valid(h, r, q, seq) && executed(h, r))
        return r;
    }
    /* the next chunks, record by record, until the next bad record */
    for (;;) {
      uint64_t n = ((const struct pma_chunk_hdr *)c)->next;
      if (!n || !pma_chunk_is_log(h, n) || hops++ > h->nchunks)
        return NULL;
      c = h->base + n;
      pos = sizeof(struct pma_chunk_hdr);
      const struct pma_rec *r = (const struct pma_rec *)(c + pos);
      if (!rec_valid(h, r, pos, seq))
        return NULL; /* the log never reached this chunk */
      while (rec_valid(h, r, pos, seq) && PMA_REC_KIND(r->hdr) == PMA_REC_DATA) {
        if (executed(h, r))
          return r;
        pos += rec_size(r);
        r = (const struct pma_rec *)(c + pos);
      }
      if (!rec_valid(h, r, pos, seq))
        break; /* a bad record in this chunk: resync after it */
      /* a JUMP: on to the next chunk */
    }
  }
}

/* seq_flipped -- the log of slot s starts with record r, which belongs
 * neither to the pending FASE retired+1 nor to the last retired one: is it a
 * record (of at most 1 KiB) of a FASE whose number differs from retired or
 * retired+1 by one bit?
 * Then the slot's retired_seq is damaged (a single bit flip), and reading the
 * log with it would silently skip a pending FASE.  Returns that seq or 0. */
static uint64_t seq_flipped(struct pma_heap *h, const struct pma_rec *r, uint64_t retired) {
  uint32_t pos = sizeof(struct pma_chunk_hdr);
  if (PMA_REC_LEN(r->hdr) > 1024 || rec_valid(h, r, pos, retired))
    return 0; /* leftovers of the last retired FASE (the normal case), or a
               * record too long to hash 128 times at every open */
  for (unsigned k = 0; k < 64; k++) {
    uint64_t cand = retired ^ (1ull << k);
    if (rec_valid(h, r, pos, cand + 1))
      return cand + 1;
    if (rec_valid(h, r, pos, cand))
      return cand;
  }
  return 0;
}

/* collect -- the records of slot s's FASE retired_seq+1; <0 on corruption */
static int collect(struct pma_heap *h, unsigned s, struct pending *p) {
  struct pma_slot *sl = &h->slots[s];
  uint64_t seq = sl->retired_seq + 1, off = sl->first_chunk, chunks = 1;
  if (!off)
    return 0;
  if (!pma_chunk_is_log(h, off)) {
    pma_err("heap corrupt: log slot %u starts at heap offset %#llx, which is not a log chunk",
            s, (unsigned long long)off);
    return -EINVAL;
  }
  const char *c = h->base + off;
  uint32_t pos = sizeof(struct pma_chunk_hdr);
  for (;;) {
    const struct pma_rec *r = (const struct pma_rec *)(c + pos);
    if (!rec_valid(h, r, pos, seq)) {
      /* The end of the log: a torn tail, a stale record of an older FASE, or
       * never written -- unless a later record's store has happened, which
       * only a damaged record in the middle explains. */
      uint64_t other = p->n || c != h->base + off ? 0 : seq_flipped(h, r, sl->retired_seq);
      if (other) {
        pma_err("heap corrupt: log slot %u says FASE %llu is the last one retired, but its log "
                "starts with a record of FASE %llu (expected FASE %llu or %llu): the slot's "
                "retired_seq is damaged",
                s, (unsigned long long)sl->retired_seq, (unsigned long long)other,
                (unsigned long long)sl->retired_seq, (unsigned long long)seq);
        return -EINVAL;
      }
      const struct pma_rec *later = walk_later(h, c, pos, seq);
      if (later) {
        pma_err("heap corrupt: undo log of slot %u (FASE %llu) is damaged in the middle: the "
                "record at heap offset %#llx does not check out (expected a record of FASE "
                "%llu), but the later record at heap offset %#llx does and its store has "
                "already happened; rolling back only up to the damage would leave the FASE "
                "half undone",
                s, (unsigned long long)seq, (unsigned long long)(c + pos - h->base),
                (unsigned long long)seq, (unsigned long long)((const char *)later - h->base));
        return -EINVAL;
      }
      return 0;
    }
    if (PMA_REC_KIND(r->hdr) == PMA_REC_JUMP) {
      uint64_t next = ((const struct pma_chunk_hdr *)c)->next;
      if (!next || PMA_MUTANT(recover_stop_at_jump))
        return 0;
      if (!pma_chunk_is_log(h, next) || ++chunks > h->nchunks) {
        pma_err("heap corrupt: log of slot %u jumps to heap offset %#llx, which is not a log "
                "chunk (or the chain loops)",
                s, (unsigned long long)next);
        return -EINVAL;
      }
      c = h->base + next;
      pos = sizeof(struct pma_chunk_hdr);
      continue;
    }
    if (push(p, r)) {
      pma_err("out of memory while reading the undo log of slot %u", s);
      return -ENOMEM;
    }
    pos += rec_size(r);
  }
}

/* pma_log_pending -- what recovery would do for slot s (read only) */
int pma_log_pending(struct pma_heap *h, unsigned s, uint64_t *nrec, uint64_t *bytes) {
  struct pending p = {0};
  int rc = collect(h, s, &p);
  *nrec = p.n;
  *bytes = 0;
  for (size_t i = 0; i < p.n; i++)
    *bytes += PMA_REC_LEN(p.rec[i]->hdr);
  free(p.rec);
  return rc;
}

/* pma_recover -- undo every incomplete FASE; fills h->rec; 0 or -errno */
int pma_recover(struct pma_heap *h) {
  struct pma_thread *t = pma_self();
  struct pending *p = calloc(PMA_NSLOTS, sizeof *p);
  int rc = 0;
  if (!p) {
    pma_err("out of memory for recovery");
    return -ENOMEM;
  }
  for (unsigned s = 0; s < PMA_NSLOTS && !rc; s++)
    rc = collect(h, s, &p[s]);
  if (rc)
    goto out;

  int any = 0;
#ifdef PMA_MUTANT_BUILD
  if (PMA_MUTANT(recover_retire_first)) {
    for (unsigned s = 0; s < PMA_NSLOTS; s++)
      if (p[s].n) {
        h->slots[s].retired_seq++;
        pma_flush(t, &h->slots[s].retired_seq, sizeof h->slots[s].retired_seq);
      }
    pma_fence(t);
  }
#endif
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    if (!p[s].n || (PMA_MUTANT(recover_one_slot) && any))
      continue;
    for (size_t k = p[s].n; k-- > 0;) { /* newest first: the oldest value wins */
      size_t i = PMA_MUTANT(rollback_forward) ? p[s].n - 1 - k : k;
      const struct pma_rec *r = p[s].rec[i];
      uint64_t len = PMA_REC_LEN(r->hdr), off = PMA_REC_OFFSET(r->hdr);
      memcpy(h->base + off, r + 1, len);
      if (!PMA_MUTANT(recover_no_restore_flush))
        pma_flush(t, h->base + off, len);
      h->rec.records_applied++;
      h->rec.bytes_restored += len;
    }
    h->rec.fases_rolled_back++;
    h->rec.threads_recovered++;
    any = 1;
  }
  if (any && !PMA_MUTANT(recover_retire_first)) {
    if (!PMA_MUTANT(recover_no_fence))
      pma_fence(t);
    for (unsigned s = 0; s < PMA_NSLOTS; s++)
      if (p[s].n) {
        h->slots[s].retired_seq++;
        if (!PMA_MUTANT(recover_retire_unflushed))
          pma_flush(t, &h->slots[s].retired_seq, sizeof h->slots[s].retired_seq);
      }
    pma_fence(t);
  }
out:
  for (unsigned s = 0; s < PMA_NSLOTS; s++)
    free(p[s].rec);
  free(p);
  return rc;
}
