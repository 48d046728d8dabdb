/*
 * unit.h -- helpers of the unit tests of runtime internals (test/unit)
 *
 * The tests link the static runtime, whose hidden functions (recover.c's
 * pma_recover, log.c's pma_log_store_nofence, ...) and state (pma_tls,
 * pma_rt) they call and read directly.  A heap image is built by hand in
 * memory from format.h and the runtime's own checksum functions: log slots,
 * log chunks and undo records exactly as the writer lays them out, so a test
 * states a log (who wrote what, in which order, what reached the media) and
 * asserts what recovery makes of it, with no timing and no crash involved.
 */
#ifndef PMA_UNIT_H
#define PMA_UNIT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "internal.h"

/* CHECK -- fail the test (exit 1) with the condition and its line */
#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);   \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

#define UNIT_HEAP_SIZE (1u << 20) /* 14 data chunks */

/* A heap image in memory, with the view of it the runtime's readers take. */
struct img {
  char *base;
  struct pma_heap h;
};

/* img_new -- a fresh heap image of UNIT_HEAP_SIZE bytes: valid header (not
 * closed cleanly), empty slots, every chunk free */
static inline void img_new(struct img *m) {
  struct pma_geometry g;
  CHECK(pma_geometry(UNIT_HEAP_SIZE, &g) == 0);
  m->base = aligned_alloc(PMA_CHUNK, UNIT_HEAP_SIZE);
  CHECK(m->base);
  memset(m->base, 0, UNIT_HEAP_SIZE);
  struct pma_header *hdr = (struct pma_header *)m->base;
  memcpy(hdr->s.magic, PMA_MAGIC, 8);
  hdr->s.version = PMA_FORMAT_VERSION;
  hdr->s.hdr_size = PMA_HDR_SIZE;
  hdr->s.heap_size = UNIT_HEAP_SIZE;
  hdr->s.base = PMA_DEFAULT_BASE;
  hdr->s.chunk_size = PMA_CHUNK;
  hdr->s.nchunks = g.nchunks;
  hdr->s.slot_off = PMA_SLOT_OFF;
  hdr->s.nslots = PMA_NSLOTS;
  hdr->s.slot_size = PMA_SLOT_SIZE;
  hdr->s.map_off = g.map_off;
  hdr->s.data_off = g.data_off;
  hdr->s.ctime = 1;
  hdr->s.checksum = pma_hdr_checksum(&hdr->s);
  hdr->d.clean = 0; /* a crash left it */
  hdr->d.open_count = 1;
  memset(&m->h, 0, sizeof m->h);
  m->h.fd = -1;
  m->h.base = m->base;
  m->h.size = UNIT_HEAP_SIZE;
  m->h.hdr = hdr;
  m->h.slots = (struct pma_slot *)(m->base + PMA_SLOT_OFF);
  m->h.map = (uint8_t *)m->base + g.map_off;
  m->h.data = m->base + g.data_off;
  m->h.nchunks = g.nchunks;
  m->h.data_off = g.data_off;
}

/* img_free -- release the image */
static inline void img_free(struct img *m) { free(m->base); }

/* img_chunk -- heap offset of data chunk i */
static inline uint64_t img_chunk(struct img *m, unsigned i) {
  CHECK(i < m->h.nchunks);
  return m->h.data_off + (uint64_t)i * PMA_CHUNK;
}

/* img_at -- address of heap offset off in the image */
static inline char *img_at(struct img *m, uint64_t off) { return m->base + off; }

/* img_write -- the image as the heap file path (created or replaced) */
static inline void img_write(struct img *m, const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(pwrite(fd, m->base, UNIT_HEAP_SIZE, 0) == (ssize_t)UNIT_HEAP_SIZE);
  CHECK(close(fd) == 0);
}

/* The log of one slot being written: a cursor like the runtime's own. */
struct wlog {
  struct img *m;
  unsigned slot;
  uint64_t seq;  /* FASE whose records are being written */
  uint64_t nrec; /* its DATA and DEP records so far */
  char *chunk;
  uint32_t pos;
};

/* wlog_start -- the chain of slot starts at data chunk ci (marked LOG), its
 * first FASE is seq; retired is the slot's retired_seq */
static inline void wlog_start(struct wlog *w, struct img *m, unsigned slot, unsigned ci,
                              uint64_t retired, uint64_t seq) {
  uint64_t off = img_chunk(m, ci);
  m->h.map[ci] = PMA_MAP_LOG;
  struct pma_chunk_hdr *c = (struct pma_chunk_hdr *)img_at(m, off);
  memcpy(c->magic, PMA_LOGCK_MAGIC, 8);
  c->next = 0;
  m->h.slots[slot].first_chunk = off;
  m->h.slots[slot].retired_seq = pma_seal(retired);
  w->m = m;
  w->slot = slot;
  w->seq = seq;
  w->nrec = 0;
  w->chunk = (char *)c;
  w->pos = sizeof *c;
}

/* wlog_rec -- append a record of kind with data[len] (checksummed for the
 * current FASE); its address */
static inline struct pma_rec *wlog_rec(struct wlog *w, uint64_t kind, uint64_t field,
                                       const void *data, size_t len) {
  size_t size = sizeof(struct pma_rec) + ((len + 7) & ~(size_t)7);
  CHECK(w->pos + size <= PMA_REC_LIMIT);
  struct pma_rec *r = (struct pma_rec *)(w->chunk + w->pos);
  memset(r, 0, size);
  r->hdr = PMA_REC_HDR(field, len, kind);
  if (len)
    memcpy(r + 1, data, len);
  r->check = pma_rec_check(w->seq, r->hdr, r + 1, len);
  w->pos += (uint32_t)size;
  if (kind == PMA_REC_DATA || kind == PMA_REC_DEP)
    w->nrec++;
  return r;
}

/* wlog_store -- the current FASE stores len bytes of val at heap offset off:
 * the undo record of the old bytes, then the store itself */
static inline struct pma_rec *wlog_store(struct wlog *w, uint64_t off, const void *val,
                                         size_t len) {
  struct pma_rec *r = wlog_rec(w, PMA_REC_DATA, off, img_at(w->m, off), len);
  memcpy(img_at(w->m, off), val, len);
  return r;
}

/* wlog_dep -- the current FASE read what FASE seq of slot wrote in its first
 * nrec records (it acquired a lock that FASE released) */
static inline void wlog_dep(struct wlog *w, unsigned slot, uint64_t seq, uint64_t nrec) {
  struct pma_dep_data d = {.seq = seq, .nrec = nrec};
  wlog_rec(w, PMA_REC_DEP, slot, &d, sizeof d);
}

/* wlog_commit -- the current FASE commits to wait; the next one follows */
static inline void wlog_commit(struct wlog *w) {
  wlog_rec(w, PMA_REC_COMMIT, 0, NULL, 0);
  w->seq++;
  w->nrec = 0;
}

/* unit_recover -- run recovery (the open's step, without the open) on m */
static inline int unit_recover(struct img *m) {
  memset(&m->h.rec, 0, sizeof m->h.rec);
  return pma_recover(&m->h);
}

/* retired_of -- the FASE number the sealed retired_seq of slot s holds */
static inline uint64_t retired_of(struct img *m, unsigned s) {
  uint64_t v;
  CHECK(pma_unseal(m->h.slots[s].retired_seq, &v) == 0);
  return v;
}

#endif /* PMA_UNIT_H */
