/*
 * heap.c -- the public open/close/sync API: ties region, recovery, allocator,
 * flush layer and environment together
 *
 * One heap per process: the store hooks compare against a single global
 * range (pma_rt), which is what keeps their fast path to one compare.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"
#include "internal.h"

struct pma_rt pma_rt = {.dirty_cap = PMA_DIRTY_CAP, .filter_full = PMA_FILTER_FULL};

/* open/close are rare and must not interleave */
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;

/* pma_mode_name -- "process", "pmem", "sim" ("default" before resolution) */
PMA_EXPORT const char *pma_mode_name(enum pma_mode m) {
  switch (m) {
  case PMA_MODE_DEFAULT:
    return "default";
  case PMA_MODE_PROCESS:
    return "process";
  case PMA_MODE_PMEM:
    return "pmem";
  case PMA_MODE_SIM:
    return "sim";
  }
  return "unknown";
}

/* pma_print_stats -- the PMA_STATS line: pma_get_stats() to f */
void pma_print_stats(FILE *f) {
  struct pma_stats s;
  pma_get_stats(&s);
  fprintf(f,
          "pmatomic stats: fases %llu, log_records %llu, log_bytes %llu, filtered_stores %llu, "
          "flushes %llu, fences %llu, nt_bytes %llu, dep_records %llu, fases_waited %llu, "
          "multi_records %llu, signals_deferred %llu\n",
          (unsigned long long)s.fases, (unsigned long long)s.log_records,
          (unsigned long long)s.log_bytes, (unsigned long long)s.filtered_stores,
          (unsigned long long)s.flushes, (unsigned long long)s.fences,
          (unsigned long long)s.nt_bytes, (unsigned long long)s.dep_records,
          (unsigned long long)s.fases_waited, (unsigned long long)s.multi_records,
          (unsigned long long)s.signals_deferred);
}

/* heap_free -- release a heap object that never became (or no longer is) open
 * (in sim mode the media image, what the protocol made durable, becomes the
 * file first) */
static void heap_free(struct pma_heap *h) {
  pma_sim_close(h);
  pma_alloc_close(h);
  pma_region_close(h);
  free(h->path);
  free(h);
}

/* pma_open_ex -- pma_open with explicit options (opts may be NULL) */
PMA_EXPORT pma_heap *pma_open_ex(const char *path, size_t size, const struct pma_open_opts *opts) {
  static const struct pma_open_opts none;
  if (!opts)
    opts = &none;
  if (!path || !*path) {
    pma_err("pma_open: no path given");
    return NULL;
  }
  if (opts->mode > PMA_MODE_SIM) {
    pma_err("pma_open: mode %d is not a pma_mode (expected 0..3)", (int)opts->mode);
    return NULL;
  }
  if ((opts->flags & PMA_OPEN_NOCREATE) && (opts->flags & PMA_OPEN_CREATE_ONLY)) {
    pma_err("pma_open: PMA_OPEN_NOCREATE and PMA_OPEN_CREATE_ONLY exclude each other");
    return NULL;
  }
  const unsigned known = PMA_OPEN_NOCREATE | PMA_OPEN_CREATE_ONLY | PMA_OPEN_WH_RECLAIM;
  if (opts->flags & ~known) {
    pma_err("pma_open: unknown flags %#x", opts->flags & ~known);
    return NULL;
  }
  if (opts->base & (PMA_CHUNK - 1)) {
    pma_err("pma_open: base %#lx is not 64 KiB aligned", (unsigned long)opts->base);
    return NULL;
  }

  if (pma_fork_refuse("pma_open", NULL))
    return NULL;
  pma_fork_watch();
  pthread_mutex_lock(&open_lock);
  if (pma_rt.heap) {
    pma_err("pma_open(%s): a heap is already open in this process (%s); pmatomic supports one "
            "open heap per process",
            path, pma_rt.heap->path);
    pthread_mutex_unlock(&open_lock);
    return NULL;
  }
  struct pma_heap *h = calloc(1, sizeof *h);
  if (!h || !(h->path = strdup(path))) {
    free(h);
    pma_err("pma_open: out of memory");
    pthread_mutex_unlock(&open_lock);
    return NULL;
  }
  h->fd = -1;
  if (pma_env_load(&h->env))
    goto fail;
  enum pma_mode mode = h->env.mode_set ? h->env.mode : opts->mode;
  uintptr_t base = h->env.base_set ? h->env.base : opts->base ? opts->base : PMA_DEFAULT_BASE;
  h->mode = mode; /* sim: region.c maps the working copy privately */
  if (pma_region_open(h, path, size, base, opts->flags))
    goto fail;
  if (mode == PMA_MODE_DEFAULT)
    mode = h->media_pmem ? PMA_MODE_PMEM : PMA_MODE_PROCESS;
  h->mode = mode;

  /* Hooks stay off (size 0) until recovery and the allocator are done. */
  pma_flush_select(mode);
  if (mode == PMA_MODE_SIM && pma_sim_open(h)) /* before recovery: it has crash points too */
    goto fail;
  pma_rt.nt_threshold = h->env.nt_threshold;
  pma_rt.dirty_cap = h->env.dirty_cap;
  pma_rt.filter_full = h->env.filter_full;
  pma_rt.base = (uintptr_t)h->base;
  pma_rt.epoch++;
  h->rec.was_clean = h->hdr->d.clean == 1;
  if (pma_recover(h))
    goto fail;
  /* after recovery: the root it leaves decides (a program that anchors its
   * data in the root finds it again, an unmodified one has none) */
  int reclaim = (opts->flags & PMA_OPEN_WH_RECLAIM) && !h->hdr->d.root_off;
  if (pma_alloc_open(h, reclaim))
    goto fail;
  pma_locks_open();
  pma_fase_open(h);
  pma_deps_open(h);
  struct pma_thread *t = pma_self();
  h->hdr->d.clean = 0;
  h->hdr->d.open_count++;
  pma_persist_now(t, &h->hdr->d, 4 * sizeof(uint64_t)); /* fences the allocator's clean-ups too */
  pma_stats_reset();
  pma_sim_opened(h);
  pma_rt.heap = h;
  __atomic_store_n(&pma_rt.size, (uintptr_t)h->size, __ATOMIC_RELEASE);

  if (h->env.verbose)
    fprintf(stderr,
            "pmatomic: opened %s (%s mode, %zu bytes at %p, %s%s): rolled back %llu FASEs "
            "(%llu records, %llu bytes) from %llu thread logs\n",
            path, pma_mode_name(mode), h->size, (void *)h->base,
            h->rec.created ? (h->prealloc_full ? "created, blocks reserved" : "created, sparse")
            : h->rec.was_clean ? "closed cleanly" : "not closed cleanly",
            h->media_pmem ? ", persistent memory" : "",
            (unsigned long long)h->rec.fases_rolled_back,
            (unsigned long long)h->rec.records_applied, (unsigned long long)h->rec.bytes_restored,
            (unsigned long long)h->rec.threads_recovered);
  pthread_mutex_unlock(&open_lock);
  pma_err_clear();
  return h;

fail:
  heap_free(h);
  pthread_mutex_unlock(&open_lock);
  return NULL;
}

/* pma_open -- create the heap file if absent (size bytes), else map it and recover */
PMA_EXPORT pma_heap *pma_open(const char *path, size_t size) {
  return pma_open_ex(path, size, NULL);
}

/* pma_close -- make everything durable, mark the heap clean, unmap; 0 or -errno */
PMA_EXPORT int pma_close(pma_heap *h) {
  if (pma_fork_refuse("pma_close", h))
    return -EPERM;
  pthread_mutex_lock(&open_lock);
  if (!h || h != pma_rt.heap) {
    pma_err("pma_close: %p is not the open heap", (void *)h);
    pthread_mutex_unlock(&open_lock);
    return -EINVAL;
  }
  struct pma_thread *t = pma_self();
  if (t->depth) {
    pma_err("pma_close: the calling thread is inside a FASE (depth %u); end it first", t->depth);
    pthread_mutex_unlock(&open_lock);
    return -EBUSY;
  }
  int others = pma_threads_in_fase();
  if (others) {
    pma_err("pma_close: %d other thread(s) are inside a FASE", others);
    pthread_mutex_unlock(&open_lock);
    return -EBUSY;
  }
  if (h->env.stats)
    pma_print_stats(stderr);

  int rc = 0;
  pma_thread_ready(t);
  pma_fase_close(h);
  pma_deps_close(h);
  for (unsigned s = 0; s < PMA_NSLOTS; s++) /* every FASE retired: trim the logs */
    if (h->slots[s].first_chunk)
      pma_log_trim(t, &h->slots[s].first_chunk);
#ifdef PMA_MUTANT_BUILD
  if (PMA_MUTANT(close_clean_first)) {
    h->hdr->d.clean = 1;
    pma_persist_now(t, &h->hdr->d.clean, sizeof h->hdr->d.clean);
  }
#endif
  if (pma_rt.durable) {
    t->ndirty = 0; /* the whole used heap is flushed below */
    pma_alloc_persist_used(t, h);
    pma_fence(t);
  }
  if (!h->media_pmem)
    rc = pma_region_sync(h, h->base, h->size);
  h->hdr->d.clean = 1;
  pma_persist_now(t, &h->hdr->d.clean, sizeof h->hdr->d.clean);
  if (!h->media_pmem && !rc)
    rc = pma_region_sync(h, &h->hdr->d, sizeof h->hdr->d);
  int src = pma_sim_close(h); /* sim: the media becomes the file */
  if (!rc)
    rc = src;

  __atomic_store_n(&pma_rt.size, 0, __ATOMIC_RELEASE);
  pma_rt.heap = NULL;
  pma_rt.epoch++;
  pma_locks_close();
  heap_free(h);
  pthread_mutex_unlock(&open_lock);
  return rc;
}

/* pma_sync -- make every store of the calling thread durable now */
PMA_EXPORT void pma_sync(void) {
  struct pma_heap *h = pma_rt.heap;
  if (!h)
    return;
  struct pma_thread *t = pma_self();
  pma_rt_enter(t); /* the dirty list: a handler that comes meanwhile waits */
  pma_thread_ready(t);
  if (pma_rt.durable && t->ndirty) {
    pma_dirty_flush(t);
    if (!PMA_MUTANT(sync_no_fence))
      pma_fence(t);
  }
  pma_rt_leave(t);
  if (!h->media_pmem)
    pma_region_sync(h, h->base, h->size);
}

/* pma_persist -- make [addr, addr+len) durable now */
PMA_EXPORT void pma_persist(const void *addr, size_t len) {
  struct pma_heap *h = pma_rt.heap;
  if (!h || !len)
    return;
  uintptr_t s = (uintptr_t)addr, e = s + len, b = (uintptr_t)h->base;
  if (e < s)
    e = UINTPTR_MAX;
  if (s < b)
    s = b;
  if (e > b + h->size)
    e = b + h->size;
  if (s >= e)
    return;
  struct pma_thread *t = pma_self();
  if (PMA_MUTANT(persist_no_fence))
    pma_flush(t, (void *)s, e - s);
  else
    pma_persist_now(t, (void *)s, e - s);
  if (!h->media_pmem)
    pma_region_sync(h, (void *)s, e - s);
}

/* pma_is_heap -- nonzero if [addr, addr+len) lies inside the open heap */
PMA_EXPORT int pma_is_heap(const void *addr, size_t len) {
  uintptr_t a = (uintptr_t)addr, b = pma_rt.base, size = pma_rt.size;
  return a - b < size && len <= size - (a - b);
}

/* pma_heap_current -- the heap open in this process, or NULL */
PMA_EXPORT pma_heap *pma_heap_current(void) { return pma_rt.heap; }

/* pma_recovery -- what the last pma_open of h found */
PMA_EXPORT const struct pma_recovery_info *pma_recovery(const pma_heap *h) {
  static const struct pma_recovery_info none;
  return h ? &h->rec : &none;
}

/* pma_mode_of -- the durability mode in effect */
PMA_EXPORT enum pma_mode pma_mode_of(const pma_heap *h) {
  return h ? h->mode : PMA_MODE_DEFAULT;
}
