/*
 * recover.c -- roll back the FASEs a crash left incomplete (design.md section 4)
 *
 * Two phases: first every slot's log is read and checked without writing
 * anything (a broken chain refuses the open with the file untouched), then
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
  return r->check == pma_rec_check(seq, hdr, r + 1, len);
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
    if (!rec_valid(h, r, pos, seq))
      return 0; /* tail: torn, stale (older seq) or never written */
    if (PMA_REC_KIND(r->hdr) == PMA_REC_JUMP) {
      uint64_t next = ((const struct pma_chunk_hdr *)c)->next;
      if (!next)
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
    pos += (uint32_t)(sizeof *r + ((PMA_REC_LEN(r->hdr) + 7) & ~7u));
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
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    if (!p[s].n)
      continue;
    for (size_t i = p[s].n; i-- > 0;) { /* newest first: the oldest value wins */
      const struct pma_rec *r = p[s].rec[i];
      uint64_t len = PMA_REC_LEN(r->hdr), off = PMA_REC_OFFSET(r->hdr);
      memcpy(h->base + off, r + 1, len);
      pma_flush(t, h->base + off, len);
      h->rec.records_applied++;
      h->rec.bytes_restored += len;
    }
    h->rec.fases_rolled_back++;
    h->rec.threads_recovered++;
    any = 1;
  }
  if (any) {
    pma_fence(t);
    for (unsigned s = 0; s < PMA_NSLOTS; s++)
      if (p[s].n) {
        h->slots[s].retired_seq++;
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
