/*
 * recover.c -- roll back the FASEs a crash left incomplete, and the FASEs
 * that read from them (design.md section 4)
 *
 * First every slot's log is read and checked without writing anything (a
 * broken chain, a damaged sealed word, or a record damaged in the middle of
 * a log refuses the open with the file untouched) and the plan is made:
 * which FASEs roll back (the incomplete ones, then every FASE that depends on
 * one, transitively) and in which order their records are undone.  Then the
 * records are undone, newest first, and every log is retired.  Rollback
 * writes only saved old values and the retire comes last, behind the header's
 * `recovering` mark, so a crash during recovery followed by another open
 * repeats the same steps with the same result.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "internal.h" /* struct pma_heap, pma_err, pma_flush, the mutants */

/* grow -- make room for one more element in *v (n used, *cap allocated) */
static int grow(void *v, size_t n, size_t *cap, size_t size) {
  if (n < *cap)
    return 0;
  size_t c = *cap ? 2 * *cap : 16;
  void *p = realloc(*(void **)v, c * size);
  if (!p) {
    pma_err("out of memory while reading the undo logs");
    return -ENOMEM;
  }
  *(void **)v = p;
  *cap = c;
  return 0;
}

/* multi_valid -- does the multi-range record r (its length checked against
 * the chunk) check out for FASE seq, and do its entries tile its data, each
 * a DATA range inside the heap */
static int multi_valid(struct pma_heap *h, const struct pma_rec *r, uint64_t seq) {
  uint64_t len = PMA_REC_LEN(r->hdr), checked = len;
  if (len % 8)
    return 0;
  const char *p = (const char *)(r + 1), *end = p + len;
  for (int first = 1; p < end; first = 0) {
    const struct pma_rec *e = (const struct pma_rec *)p;
    if (end - p < (ptrdiff_t)sizeof *e)
      return 0;
    uint64_t eh = e->hdr, elen = PMA_REC_LEN(eh), eoff = PMA_REC_OFFSET(eh);
    uint64_t esize = sizeof *e + ((elen + 7) & ~7ull);
    if (PMA_REC_KIND(eh) != PMA_REC_DATA || elen == 0 || eoff + elen > h->size ||
        e->check != 0 || esize > (uint64_t)(end - p))
      return 0;
    if (first && PMA_MUTANT(multi_check_first))
      checked = esize;
    p += esize;
  }
  if (PMA_MUTANT(no_checksum_check))
    return 1;
  return r->check == pma_rec_check(seq, r->hdr, r + 1, checked);
}

/* multi_end -- just past the last entry of the multi-range record r */
static const struct pma_rec *multi_end(const struct pma_rec *r) {
  return (const struct pma_rec *)((const char *)(r + 1) + PMA_REC_LEN(r->hdr));
}

/* multi_next -- the entry after e in its multi-range record */
static const struct pma_rec *multi_next(const struct pma_rec *e) {
  return (const struct pma_rec *)((const char *)(e + 1) + ((PMA_REC_LEN(e->hdr) + 7) & ~7ull));
}

/* rec_valid -- does the record at r (pos bytes into its chunk) belong to FASE
 * seq and describe a restorable range.  Anything else is the log's tail. */
static int rec_valid(struct pma_heap *h, const struct pma_rec *r, uint32_t pos, uint64_t seq) {
  uint64_t hdr = r->hdr;
  uint64_t kind = PMA_REC_KIND(hdr), len = PMA_REC_LEN(hdr), off = PMA_REC_OFFSET(hdr);
  if (kind == PMA_REC_COMMIT && pos + sizeof *r > PMA_REC_LIMIT)
    return 0; /* the writer keeps the last 16 bytes for a JUMP */
  if (kind == PMA_REC_JUMP || kind == PMA_REC_COMMIT)
    return len == 0 && off == 0 && r->check == pma_rec_check(seq, hdr, NULL, 0);
  if (kind == PMA_REC_DEP)
    return len == sizeof(struct pma_dep_data) && off < PMA_NSLOTS &&
           pos + sizeof *r + len <= PMA_REC_LIMIT && r->check == pma_rec_check(seq, hdr, r + 1, len);
  if (len == 0)
    return 0;
  if (pos + sizeof *r + ((len + 7) & ~7ull) > PMA_REC_LIMIT)
    return 0;
  if (off == PMA_REC_MULTI_OFF)
    return multi_valid(h, r, seq);
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
  if (PMA_REC_IS_MULTI(r->hdr)) {
    for (const struct pma_rec *e = r + 1; e < multi_end(r); e = multi_next(e))
      if (executed(h, e))
        return 1;
    return 0;
  }
  return memcmp(h->base + PMA_REC_OFFSET(r->hdr), r + 1, PMA_REC_LEN(r->hdr)) != 0;
}

/* walk_later -- look at the records of FASE seq that follow a bad record in
 * chunk c at pos (design.md section 4, "torn tail or damaged middle"): every
 * 8-byte position after it in its chunk, then the records of the following
 * chunks of the chain, in order, as long as the log reached them (the first
 * record of a chunk the FASE never wrote does not check out).  Returns the
 * first later record whose store has executed, or a later COMMIT of the FASE
 * (either way the bad record was in the middle of the log), else NULL. */
static const struct pma_rec *walk_later(struct pma_heap *h, const char *c, uint32_t pos,
                                        uint64_t seq) {
  for (uint64_t hops = 0;; hops++) {
    /* resync: any valid record after the bad one in this chunk */
    for (uint32_t q = pos + 8; q + sizeof(struct pma_rec) <= PMA_CHUNK; q += 8) {
      const struct pma_rec *r = (const struct pma_rec *)(c + q);
      if (rec_valid(h, r, q, seq) && (executed(h, r) || PMA_REC_KIND(r->hdr) == PMA_REC_COMMIT))
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
      while (rec_valid(h, r, pos, seq) && PMA_REC_KIND(r->hdr) != PMA_REC_JUMP) {
        if (executed(h, r) || PMA_REC_KIND(r->hdr) == PMA_REC_COMMIT)
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


/* ------------------------------------------------------------ the plan */

/* One FASE of a slot's log that has not retired. */
struct fase {
  uint64_t seq;
  int committed;         /* its COMMIT record is in the log */
  int rb;                /* rolls back */
  size_t first, n;       /* its DATA and DEP records: chain.it[first .. first+n) */
};

/* What the log of one slot holds beyond its retired FASEs. */
struct chain {
  uint64_t retired;
  struct fase *f;
  size_t nf, capf;
  const struct pma_rec **it;
  size_t nit, capit;
  size_t cf, ci;         /* merge cursor: FASE index, record index in it */
};

struct plan {
  struct chain c[PMA_NSLOTS];
  struct undo {
    const struct pma_rec *r;
    unsigned slot;
  } *order;              /* DATA records to undo, oldest first */
  size_t norder, caporder;
  int resume;            /* a crashed recovery had undone everything already */
};

/* plan_free -- release what plan_make allocated */
static void plan_free(struct plan *p) {
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    free(p->c[s].f);
    free(p->c[s].it);
  }
  free(p->order);
  free(p);
}

/* new_fase -- append FASE seq to chain c */
static struct fase *new_fase(struct chain *c, uint64_t seq) {
  if (grow(&c->f, c->nf, &c->capf, sizeof *c->f))
    return NULL;
  struct fase *f = &c->f[c->nf++];
  memset(f, 0, sizeof *f);
  f->seq = seq;
  f->first = c->nit;
  return f;
}

/* damaged_middle -- the message for a bad record followed by evidence */
static int damaged_middle(struct pma_heap *h, unsigned s, uint64_t seq, const char *c,
                          uint32_t pos, const struct pma_rec *later) {
  pma_err("heap corrupt: undo log of slot %u (FASE %llu) is damaged in the middle: the "
          "record at heap offset %#llx does not check out (expected a record of FASE "
          "%llu), but the later record at heap offset %#llx does and its store has "
          "already happened; rolling back only up to the damage would leave the FASE "
          "half undone",
          s, (unsigned long long)seq, (unsigned long long)(c + pos - h->base),
          (unsigned long long)seq, (unsigned long long)((const char *)later - h->base));
  return -EINVAL;
}

/* read_chain -- the FASEs of slot s that have not retired, with their
 * records (design.md section 4, step 1); <0 on corruption */
static int read_chain(struct pma_heap *h, unsigned s, struct chain *ch) {
  struct pma_slot *sl = &h->slots[s];
  uint64_t retired, head;
  if (pma_unseal(sl->retired_seq, &retired) || pma_unseal(sl->head_seq, &head)) {
    int which = pma_unseal(sl->retired_seq, &retired) != 0;
    pma_err("heap corrupt: log slot %u: %s word %#llx fails its check bits (expected a FASE "
            "number in bits 0..47 sealed by bits 48..63): the slot is damaged",
            s, which ? "retired_seq" : "head_seq",
            (unsigned long long)(which ? sl->retired_seq : sl->head_seq));
    return -EINVAL;
  }
  ch->retired = retired;
  uint64_t h0 = retired + 1, off = sl->first_chunk, chunks = 1;
  if (!off)
    return 0;
  if (!pma_chunk_is_log(h, off)) {
    pma_err("heap corrupt: log slot %u starts at heap offset %#llx, which is not a log chunk",
            s, (unsigned long long)off);
    return -EINVAL;
  }
  const char *c = h->base + off;
  uint32_t pos = sizeof(struct pma_chunk_hdr);
  const struct pma_rec *r0 = (const struct pma_rec *)(c + pos);
  /* The chain starts with FASE retired+1 unless committed FASEs waited for
   * others: then with head_seq, whose FASEs up to retired are skipped. */
  uint64_t seq = h0;
  if (!rec_valid(h, r0, pos, h0) && head && head < h0 && rec_valid(h, r0, pos, head))
    seq = head;
  struct fase *f = NULL;
  for (;;) {
    const struct pma_rec *r = (const struct pma_rec *)(c + pos);
    if (!rec_valid(h, r, pos, seq)) {
      /* The end of the log: a torn tail, a stale record of an older FASE, or
       * never written -- unless a later record of the FASE (or of the
       * pending FASE, if this one retired) checks out and its store has
       * happened, which only a damaged record in the middle explains. */
      uint64_t want = seq < h0 ? h0 : seq;
      const struct pma_rec *later = walk_later(h, c, pos, want);
      if (later)
        return damaged_middle(h, s, want, c, pos, later);
      return 0;
    }
    uint64_t kind = PMA_REC_KIND(r->hdr);
    if (kind == PMA_REC_JUMP) {
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
    if (seq >= h0 && !f && !(f = new_fase(ch, seq)))
      return -ENOMEM;
    if (kind == PMA_REC_COMMIT) {
      if (f)
        f->committed = 1;
      f = NULL;
      seq++;
    } else if (f && PMA_REC_IS_MULTI(r->hdr)) {
      /* its entries, in order, as if they were records of their own */
      for (const struct pma_rec *e = r + 1; e < multi_end(r); e = multi_next(e)) {
        if (grow(&ch->it, ch->nit, &ch->capit, sizeof *ch->it))
          return -ENOMEM;
        ch->it[ch->nit++] = e;
        f->n++;
      }
    } else if (f) {
      if (grow(&ch->it, ch->nit, &ch->capit, sizeof *ch->it))
        return -ENOMEM;
      ch->it[ch->nit++] = r;
      f->n++;
    }
    pos += rec_size(r);
  }
}

/* find_fase -- FASE seq in chain c, or NULL */
static struct fase *find_fase(struct chain *c, uint64_t seq) {
  if (!c->nf || seq < c->f[0].seq || seq > c->f[c->nf - 1].seq)
    return NULL;
  struct fase *f = &c->f[seq - c->f[0].seq];
  return f->seq == seq ? f : NULL;
}

/* dep_of -- the dependency a DEP record names */
static void dep_of(const struct pma_rec *r, struct pma_dep *d) {
  struct pma_dep_data body;
  memcpy(&body, r + 1, sizeof body);
  d->slot = (uint32_t)PMA_REC_OFFSET(r->hdr);
  d->seq = body.seq;
  d->nrec = body.nrec;
}

/* dep_lost -- will the FASE d names be gone after recovery: it neither
 * retired nor committed, or it rolls back */
static int dep_lost(struct plan *p, const struct pma_dep *d) {
  struct chain *c = &p->c[d->slot];
  if (d->seq <= c->retired)
    return 0;
  struct fase *f = find_fase(c, d->seq);
  return !f || !f->committed || f->rb;
}

/* decide -- which FASEs roll back: the incomplete ones, then, until nothing
 * changes, every FASE with a dependency on one that rolls back and every
 * FASE after one that rolls back in the same slot */
static void decide(struct plan *p) {
  for (int changed = 1; changed;) {
    changed = 0;
    for (unsigned s = 0; s < PMA_NSLOTS; s++) {
      struct chain *c = &p->c[s];
      int before = 0;
      for (size_t i = 0; i < c->nf; i++) {
        struct fase *f = &c->f[i];
        int rb = before || !f->committed;
        for (size_t k = 0; !rb && k < f->n; k++) {
          const struct pma_rec *r = c->it[f->first + k];
          struct pma_dep d;
          if (PMA_REC_KIND(r->hdr) != PMA_REC_DEP || PMA_MUTANT(recover_ignores_deps))
            continue;
          dep_of(r, &d);
          rb = dep_lost(p, &d);
        }
        if (rb && !f->rb) {
          f->rb = 1;
          changed = 1;
        }
        before = f->rb;
      }
    }
  }
}

/* first_rb -- index of the first FASE of c that rolls back (c->nf if none) */
static size_t first_rb(struct chain *c) {
  size_t i = 0;
  while (i < c->nf && !c->f[i].rb)
    i++;
  return i;
}

/* passed -- has the merge passed the first nrec records of FASE seq of c,
 * and every record of the FASEs before it in c.  A FASE that left no record
 * (it published a lock before writing, then the crash came) still orders
 * what depends on it after everything its slot wrote before it. */
static int passed(struct chain *c, uint64_t seq, uint64_t nrec) {
  if (!c->nf || seq < c->f[0].seq)
    return 1; /* retired before the chain: nothing of it is undone */
  size_t i = (size_t)(seq - c->f[0].seq);
  if (i >= c->nf)
    return c->cf >= c->nf; /* after the last FASE of the chain */
  if (!c->f[i].rb)
    return 1; /* kept, and so is everything before it */
  return c->cf > i || (c->cf == i && c->ci >= nrec);
}

/* order -- the records of the FASEs that roll back, in an order in which
 * they could have been written: each slot's in log order, and the records
 * after a DEP record after the first nrec records of the FASE it names.
 * Undoing them in reverse restores the oldest saved value of every byte. */
static int order(struct pma_heap *h, struct plan *p) {
  size_t left = 0;
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    struct chain *c = &p->c[s];
    c->cf = first_rb(c);
    c->ci = 0;
    for (size_t i = c->cf; i < c->nf; i++)
      left += c->f[i].n;
  }
  while (left) {
    int moved = 0;
    for (unsigned s = 0; s < PMA_NSLOTS; s++) {
      struct chain *c = &p->c[s];
      while (c->cf < c->nf) {
        struct fase *f = &c->f[c->cf];
        if (c->ci == f->n) {
          c->cf++;
          c->ci = 0;
          continue;
        }
        const struct pma_rec *r = c->it[f->first + c->ci];
        if (PMA_REC_KIND(r->hdr) == PMA_REC_DEP) {
          struct pma_dep d;
          dep_of(r, &d);
          if (!passed(&p->c[d.slot], d.seq, d.nrec))
            break;
        } else {
          if (grow(&p->order, p->norder, &p->caporder, sizeof *p->order))
            return -ENOMEM;
          p->order[p->norder].r = r;
          p->order[p->norder++].slot = s;
        }
        c->ci++;
        left--;
        moved = 1;
      }
    }
    if (!moved) {
      pma_err("heap corrupt: the dependency records of the undo logs form a cycle (no order "
              "of the logged stores satisfies them); %zu records could not be ordered",
              left);
      (void)h;
      return -EINVAL;
    }
  }
  return 0;
}

/* plan_make -- read every log and decide; NULL on corruption (message set) */
static struct plan *plan_make(struct pma_heap *h, int *rc) {
  struct plan *p = calloc(1, sizeof *p);
  if (!p) {
    pma_err("out of memory for recovery");
    *rc = -ENOMEM;
    return NULL;
  }
  uint64_t rec;
  if (pma_unseal(h->hdr->d.recovering, &rec) || rec > 1) {
    pma_err("heap corrupt: the header's recovering word %#llx is neither the sealed 0 nor "
            "the sealed 1",
            (unsigned long long)h->hdr->d.recovering);
    *rc = -EINVAL;
    plan_free(p);
    return NULL;
  }
  p->resume = rec == 1;
  for (unsigned s = 0; s < PMA_NSLOTS; s++)
    if ((*rc = read_chain(h, s, &p->c[s]))) {
      plan_free(p);
      return NULL;
    }
  decide(p);
  if ((*rc = order(h, p))) {
    plan_free(p);
    return NULL;
  }
  return p;
}

/* pma_log_pending -- what recovery would undo for slot s (read only) */
int pma_log_pending(struct pma_heap *h, unsigned s, uint64_t *nrec, uint64_t *bytes) {
  int rc = 0;
  *nrec = *bytes = 0;
  struct plan *p = plan_make(h, &rc);
  if (!p)
    return rc;
  struct chain *c = &p->c[s];
  for (size_t i = first_rb(c); i < c->nf; i++)
    for (size_t k = 0; k < c->f[i].n; k++) {
      const struct pma_rec *r = c->it[c->f[i].first + k];
      if (PMA_REC_KIND(r->hdr) == PMA_REC_DATA) {
        (*nrec)++;
        *bytes += PMA_REC_LEN(r->hdr);
      }
    }
  plan_free(p);
  return 0;
}

/* retire_all -- every slot's log retired up to its last FASE (flushed) */
static void retire_all(struct pma_thread *t, struct pma_heap *h, struct plan *p) {
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    struct chain *c = &p->c[s];
    if (!c->nf)
      continue;
    h->slots[s].retired_seq = pma_seal(c->f[c->nf - 1].seq);
    if (!PMA_MUTANT(recover_retire_unflushed))
      pma_flush(t, &h->slots[s].retired_seq, sizeof h->slots[s].retired_seq);
  }
}

/* set_recovering -- the header's recovering mark, durable */
static void set_recovering(struct pma_thread *t, struct pma_heap *h, uint64_t v) {
  h->hdr->d.recovering = pma_seal(v);
  pma_persist_now(t, &h->hdr->d.recovering, sizeof h->hdr->d.recovering);
}

/* pma_recover -- undo every FASE that must roll back; fills h->rec; 0 or -errno */
int pma_recover(struct pma_heap *h) {
  struct pma_thread *t = pma_self();
  int rc = 0;
  struct plan *p = plan_make(h, &rc);
  if (!p)
    return rc;
  int any = 0;
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    struct chain *c = &p->c[s];
    any |= c->nf != 0;
    int slot_rb = 0;
    for (size_t i = 0; i < c->nf; i++) {
      if (c->f[i].rb) {
        h->rec.fases_rolled_back++;
        h->rec.dependents_rolled_back += c->f[i].committed;
        slot_rb = 1;
      } else {
        h->rec.committed_kept++;
      }
    }
    h->rec.threads_recovered += slot_rb;
  }
  if (!any) {
    if (p->resume) /* the crashed recovery had retired every log already */
      set_recovering(t, h, 0);
    goto out;
  }
#ifdef PMA_MUTANT_BUILD
  if (PMA_MUTANT(recover_retire_first)) {
    retire_all(t, h, p);
    pma_fence(t);
  }
#endif
  if (!p->resume) {
    /* step 2: undo, newest record first: the oldest saved value wins */
    unsigned first_slot = PMA_NSLOTS;
    for (size_t k = p->norder; k-- > 0;) {
      size_t i = PMA_MUTANT(rollback_forward) ? p->norder - 1 - k : k;
      const struct pma_rec *r = p->order[i].r;
      if (PMA_MUTANT(recover_one_slot)) {
        if (first_slot == PMA_NSLOTS)
          first_slot = p->order[i].slot;
        if (p->order[i].slot != first_slot)
          continue;
      }
      uint64_t len = PMA_REC_LEN(r->hdr), off = PMA_REC_OFFSET(r->hdr);
      memcpy(h->base + off, r + 1, len);
      if (!PMA_MUTANT(recover_no_restore_flush))
        pma_flush(t, h->base + off, len);
      h->rec.records_applied++;
      h->rec.bytes_restored += len;
    }
    if (!PMA_MUTANT(recover_no_fence))
      pma_fence(t);
    /* from here on the logs must not be undone again, even partly */
    if (!PMA_MUTANT(recover_no_mark))
      set_recovering(t, h, 1);
  }
  /* step 3: retire every log, then clear the mark */
  if (!PMA_MUTANT(recover_retire_first)) {
    retire_all(t, h, p);
    pma_fence(t);
  }
  set_recovering(t, h, 0);
out:
  plan_free(p);
  return rc;
}
