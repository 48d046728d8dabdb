/*
 * alloc_open.c -- rebuild the allocator's volatile state at open (after
 * recovery) and flush the used part of the heap at close
 *
 * The open-time pass also applies design.md section 6's clean-ups, all of
 * them idempotent single-byte writes: free-pending states (2, 0x43) become
 * free, orphan 0x42 bytes and unreachable log chunks are freed, empty runs go
 * back to the free chunks.  Anything else unexpected is corruption: the open
 * fails with a message instead of handing out blocks from a broken map.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"

const uint32_t pma_class_size[PMA_NCLASSES] = {
    16,   32,   48,   64,   80,   96,   112,  128,  160,  192,  224,
    256,  320,  384,  448,  512,  640,  768,  896,  1024, 1280, 1536,
    1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192};
uint32_t pma_run_first[PMA_NCLASSES];
uint32_t pma_run_blocks[PMA_NCLASSES];
uint64_t pma_class_recip[PMA_NCLASSES];
uint32_t pma_cache_cap[PMA_NCLASSES];

/* pma_classes_init -- derive the run geometry of every class */
void pma_classes_init(void) {
  for (unsigned c = 0; c < PMA_NCLASSES; c++) {
    uint32_t sz = pma_class_size[c], n = PMA_CHUNK / sz;
    while (((n + 63) & ~63u) + n * sz > PMA_CHUNK)
      n--;
    pma_run_first[c] = (n + 63) & ~63u;
    pma_run_blocks[c] = n;
    pma_class_recip[c] = ((1ull << 48) + sz - 1) / sz;
    /* a thread caches 8 KiB worth of a class, 4..64 blocks (alloc.c) */
    uint32_t cap = 8192 / sz;
    pma_cache_cap[c] = cap < 4 ? 4 : cap > PMA_CACHE_MAX ? PMA_CACHE_MAX : cap;
  }
}

/* pma_run_avail_new -- zeroed avail bitmap of a run of class cls */
uint64_t *pma_run_avail_new(unsigned cls) {
  uint64_t *b = calloc(run_words(cls), sizeof *b);
  if (!b)
    pma_fatal("out of memory for the free-block bitmap of a run (%u bytes)",
              (unsigned)(run_words(cls) * sizeof *b));
  return b;
}

/* pma_chunk_is_log -- is heap offset off the start of a valid log chunk */
int pma_chunk_is_log(struct pma_heap *h, uint64_t off) {
  if (off < h->data_off || (off - h->data_off) % PMA_CHUNK)
    return 0;
  uint64_t i = (off - h->data_off) / PMA_CHUNK;
  return i < h->nchunks && h->map[i] == PMA_MAP_LOG &&
         !memcmp(h->base + off, PMA_LOGCK_MAGIC, 8);
}

/* mark_log_chains -- reach[i] = 1 for every chunk some slot's chain uses */
static int mark_log_chains(struct pma_heap *h, uint8_t *reach) {
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    uint64_t off = h->slots[s].first_chunk, steps = 0;
    while (off) {
      if (!pma_chunk_is_log(h, off) || ++steps > h->nchunks) {
        pma_err("heap corrupt: log chain of slot %u reaches heap offset %#llx, which is not a "
                "log chunk (or the chain loops)",
                s, (unsigned long long)off);
        return -EINVAL;
      }
      uint64_t i = (off - h->data_off) / PMA_CHUNK;
      if (reach[i]) {
        pma_err("heap corrupt: log chunk %llu is on two chains (slot %u)",
                (unsigned long long)i, s);
        return -EINVAL;
      }
      reach[i] = 1;
      off = ((struct pma_chunk_hdr *)(h->base + off))->next;
    }
  }
  return 0;
}

/* trim_chains -- recovery has retired every FASE: cut each chain after its
 * first pma_log_keep() chunks (log.c), the shorter chains durable (one
 * fence for all), and clear reach[] for the cut chunks, which the caller
 * then frees as unreachable */
static void trim_chains(struct pma_thread *t, struct pma_heap *h, uint8_t *reach) {
  uint32_t keep = pma_log_keep(h);
  int cut_any = 0;
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    uint64_t off = h->slots[s].first_chunk;
    for (uint32_t i = 1; off && i < keep; i++)
      off = ((struct pma_chunk_hdr *)(h->base + off))->next;
    if (!off)
      continue;
    struct pma_chunk_hdr *last = (struct pma_chunk_hdr *)(h->base + off);
    uint64_t cut = last->next;
    if (!cut)
      continue;
    last->next = 0;
    pma_flush(t, &last->next, sizeof last->next);
    cut_any = 1;
    for (; cut; cut = ((struct pma_chunk_hdr *)(h->base + cut))->next)
      reach[(cut - h->data_off) / PMA_CHUNK] = 0; /* validated by mark_log_chains */
  }
  if (cut_any)
    pma_fence(t); /* before the cut chunks' map bytes are freed */
}

/* set_map -- durable-enough write of one map byte (flushed; pma_open's header
 * update fences it) */
static void set_map(struct pma_thread *t, struct pma_heap *h, uint64_t i, uint8_t v) {
  h->map[i] = v;
  pma_flush(t, &h->map[i], 1);
}

/* scan_run -- normalise run i of class c and set avail[] (zeroed) to its
 * free blocks; returns their count or -1 */
static int64_t scan_run(struct pma_thread *t, struct pma_heap *h, uint64_t i, unsigned c,
                        uint64_t *avail) {
  uint8_t *bm = (uint8_t *)pma_chunk_at(h, i);
  uint32_t n = pma_run_blocks[c], nfree = 0;
  for (uint32_t k = 0; k < n; k++) {
    if (bm[k] == PMA_BLK_FREEING) {
      bm[k] = PMA_BLK_FREE;
      pma_flush(t, &bm[k], 1);
    }
    if (bm[k] == PMA_BLK_FREE) {
      nfree++;
      avail[k / 64] |= 1ull << (k % 64);
    } else if (bm[k] != PMA_BLK_USED) {
      pma_err("heap corrupt: block %u of the %u-byte run in chunk %llu has state %u "
              "(expected 0, 1 or 2)",
              k, pma_class_size[c], (unsigned long long)i, bm[k]);
      return -1;
    }
  }
  return nfree;
}

/* pma_root_check -- the root is an allocated block inside the heap, or none */
int pma_root_check(struct pma_heap *h) {
  uint64_t off = h->hdr->d.root_off, size = h->hdr->d.root_size;
  const char *why = NULL;
  unsigned long long room = 0;
  if (!off) {
    if (!size)
      return 0;
    why = "no root offset but a root size (expected size 0)";
  } else if (off < h->data_off || off >= h->data_off + h->nchunks * PMA_CHUNK || !size ||
             size > h->size - off) {
    why = "not a range inside the data chunks";
  } else {
    uint64_t i = (off - h->data_off) / PMA_CHUNK, in = (off - h->data_off) % PMA_CHUNK;
    uint8_t m = h->map[i];
    if (m >= 1 && m <= PMA_NCLASSES) {
      unsigned c = m - 1u;
      uint32_t first = pma_run_first[c], sz = pma_class_size[c];
      const uint8_t *bm = (const uint8_t *)pma_chunk_at(h, i);
      room = sz;
      if (in < first || (in - first) % sz || (in - first) / sz >= pma_run_blocks[c])
        why = "not the start of a block of its run";
      else if (bm[(in - first) / sz] != PMA_BLK_USED)
        why = "a block that is not allocated (state expected 1)";
    } else if (m == PMA_MAP_LARGE) {
      uint64_t n = 1;
      while (i + n < h->nchunks && h->map[i + n] == PMA_MAP_LARGE_NEXT)
        n++;
      room = n * PMA_CHUNK;
      if (in)
        why = "inside a large extent, not at its start";
    } else {
      why = "in a chunk that holds no allocated block";
    }
    if (!why && size > room)
      why = "larger than its block";
  }
  if (!why)
    return 0;
  if (room)
    pma_err("heap corrupt: the root object (heap offset %#llx, %llu bytes) is %s (block of %llu "
            "bytes)",
            (unsigned long long)off, (unsigned long long)size, why, room);
  else
    pma_err("heap corrupt: the root object (heap offset %#llx, %llu bytes) is %s",
            (unsigned long long)off, (unsigned long long)size, why);
  return -EINVAL;
}

/* maps_valid -- every chunk map byte and run block state is one the format
 * knows, and the root is an allocated block: checked before the clean-up pass
 * writes anything, so a refused heap is left as recovery left it */
static int maps_valid(struct pma_heap *h) {
  for (uint64_t i = 0; i < h->nchunks; i++) {
    uint8_t m = h->map[i];
    if (m > PMA_NCLASSES && (m < PMA_MAP_LOG || m > PMA_MAP_LARGE_FREEING)) {
      pma_err("heap corrupt: chunk map byte %llu is %#x (expected 0, 0x01..0x%02x, 0x40..0x43)",
              (unsigned long long)i, m, PMA_NCLASSES);
      return -EINVAL;
    }
    if (m == PMA_MAP_FREE || m > PMA_NCLASSES)
      continue;
    const uint8_t *bm = (const uint8_t *)pma_chunk_at(h, i);
    for (uint32_t k = 0; k < pma_run_blocks[m - 1]; k++)
      if (bm[k] > PMA_BLK_FREEING) {
        pma_err("heap corrupt: block %u of the %u-byte run in chunk %llu has state %u "
                "(expected 0, 1 or 2)",
                k, pma_class_size[m - 1], (unsigned long long)i, bm[k]);
        return -EINVAL;
      }
  }
  return pma_root_check(h);
}

/* reclaim_chunk -- PMA_OPEN_WH_RECLAIM: free chunk i (a run, a large extent
 * or a leftover of one) whatever it holds; returns the chunks it covered.
 * Single map-byte writes, flushed, fenced with pma_open's header update: any
 * subset of them that a crash keeps is a valid map (an extent whose head is
 * freed and tail is not leaves 0x42 bytes after 0x00, which the next open
 * frees), and the next restart reclaims the rest. */
static uint64_t reclaim_chunk(struct pma_thread *t, struct pma_heap *h, uint64_t i) {
  uint8_t m = h->map[i];
  uint64_t n = 1;
  if (m >= 1 && m <= PMA_NCLASSES) {
    const uint8_t *bm = (const uint8_t *)pma_chunk_at(h, i);
    for (uint32_t k = 0; k < pma_run_blocks[m - 1]; k++)
      if (bm[k] == PMA_BLK_USED) {
        h->reclaimed_blocks++;
        h->reclaimed_bytes += pma_class_size[m - 1];
      }
  } else {
    while (i + n < h->nchunks && h->map[i + n] == PMA_MAP_LARGE_NEXT)
      n++;
    if (m == PMA_MAP_LARGE) {
      h->reclaimed_blocks++;
      h->reclaimed_bytes += n * PMA_CHUNK;
    }
  }
  for (uint64_t k = n; k-- > 0;) { /* tail first: a kept prefix stays an extent */
    set_map(t, h, i + k, PMA_MAP_FREE);
    bit_set(h->alloc, i + k, 1);
  }
  return n;
}

/* pma_alloc_open -- build the volatile allocator from the durable maps
 * (reclaim: with every block given back first, section 6 of design.md) */
int pma_alloc_open(struct pma_heap *h, int reclaim) {
  pma_classes_init();
  pma_log_set_chunks(&pma_alloc_log_chunks); /* the log takes chunks from here */
  struct pma_thread *t = pma_self();
  struct pma_alloc *a = calloc(1, sizeof *a);
  uint8_t *reach = calloc(h->nchunks, 1);
  if (a) {
    a->free_bits = calloc((h->nchunks + 63) / 64, sizeof(uint64_t));
    a->vc = calloc(h->nchunks, sizeof *a->vc);
  }
  if (!a || !reach || !a->free_bits || !a->vc) {
    pma_err("out of memory for the allocator state of a %zu-byte heap", h->size);
    goto fail;
  }
  pthread_mutex_init(&a->lock, NULL);
  pthread_mutex_init(&a->chunk_lock, NULL);
  for (unsigned c = 0; c < PMA_NCLASSES; c++)
    a->partial[c] = -1;
  h->alloc = a;
  if (mark_log_chains(h, reach) || maps_valid(h))
    goto fail;
  if (reclaim && h->hdr->d.clean) {
    /* a crash part-way must not leave a heap marked clean with the
     * leftovers of a free (pmatomic check accepts those only after a crash) */
    h->hdr->d.clean = 0;
    pma_persist_now(t, &h->hdr->d.clean, sizeof h->hdr->d.clean);
    pma_region_sync(h, &h->hdr->d, sizeof h->hdr->d);
  }
  trim_chains(t, h, reach);

  for (uint64_t i = 0; i < h->nchunks; i++) {
    uint8_t m = h->map[i];
    if (reclaim && m != PMA_MAP_FREE && m != PMA_MAP_LOG) {
      i += reclaim_chunk(t, h, i) - 1;
      continue;
    }
    if (m == PMA_MAP_FREE) {
      bit_set(a, i, 1);
    } else if (m <= PMA_NCLASSES) {
      a->vc[i].avail = pma_run_avail_new(m - 1u);
      int64_t nfree = scan_run(t, h, i, m - 1u, a->vc[i].avail);
      if (nfree < 0)
        goto fail;
      if (nfree == pma_run_blocks[m - 1]) { /* empty run: back to the free chunks */
        set_map(t, h, i, PMA_MAP_FREE);
        bit_set(a, i, 1);
        free(a->vc[i].avail);
        a->vc[i].avail = NULL;
      } else {
        a->vc[i].nfree = (uint32_t)nfree;
        if (nfree)
          list_push(a, m - 1u, (int32_t)i);
      }
    } else if (m == PMA_MAP_LOG) {
      if (!reach[i]) { /* claimed but never linked: crash during log growth */
        set_map(t, h, i, PMA_MAP_FREE);
        bit_set(a, i, 1);
      }
    } else if (m == PMA_MAP_LARGE) {
      uint64_t n = 1;
      while (i + n < h->nchunks && h->map[i + n] == PMA_MAP_LARGE_NEXT)
        n++;
      a->vc[i].len = (uint32_t)n;
      i += n - 1;
    } else if (m == PMA_MAP_LARGE_FREEING || m == PMA_MAP_LARGE_NEXT) {
      /* a committed free that did not finish, or the tail of one */
      set_map(t, h, i, PMA_MAP_FREE);
      bit_set(a, i, 1);
      while (i + 1 < h->nchunks && h->map[i + 1] == PMA_MAP_LARGE_NEXT) {
        set_map(t, h, ++i, PMA_MAP_FREE);
        bit_set(a, i, 1);
      }
    } else {
      pma_err("heap corrupt: chunk map byte %llu is %#x (expected 0, 0x01..0x%02x, 0x40..0x43)",
              (unsigned long long)i, m, PMA_NCLASSES);
      goto fail;
    }
  }
  for (uint64_t w = 0; w < (h->nchunks + 63) / 64; w++)
    a->nfree += (uint64_t)__builtin_popcountll(a->free_bits[w]);
  /* No fence: the clean-ups are idempotent (redone by the next open if lost),
   * and pma_open's header update right after fences them with it.  (A mutant
   * without this fence survived every crash test.) */
  free(reach);
  return 0;

fail:
  free(reach);
  pma_alloc_close(h);
  return -EINVAL;
}

/* pma_alloc_close -- drop the volatile allocator state */
void pma_alloc_close(struct pma_heap *h) {
  struct pma_alloc *a = h->alloc;
  if (!a)
    return;
  free(a->free_bits);
  if (a->vc)
    for (uint64_t i = 0; i < h->nchunks; i++)
      free(a->vc[i].avail);
  free(a->vc);
  free(a);
  h->alloc = NULL;
}

/* pma_alloc_persist_used -- flush the metadata and every chunk in use (no
 * fence); cheaper than the whole mapping for a mostly empty heap */
void pma_alloc_persist_used(struct pma_thread *t, struct pma_heap *h) {
  pma_flush(t, h->base, h->data_off);
  uint64_t i = 0;
  while (i < h->nchunks) {
    if (h->map[i] == PMA_MAP_FREE) {
      i++;
      continue;
    }
    uint64_t s = i;
    while (i < h->nchunks && h->map[i] != PMA_MAP_FREE)
      i++;
    pma_flush(t, pma_chunk_at(h, s), (i - s) * PMA_CHUNK);
  }
}
