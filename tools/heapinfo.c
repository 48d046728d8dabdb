/*
 * heapinfo.c -- `pmatomic info` (read-only description of a heap file) and
 * `pmatomic recover` (run recovery without the application)
 *
 * info never writes: it reads the file through heapfile.c (header validated
 * with the runtime's own check, private read-only mapping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h" /* pma_run_blocks, pma_class_size, pma_chunk_at */
#include "format.h"
#include "heapfile.h"
#include "pmatomic_tool.h"

/* info_usage -- help of `pmatomic info` */
static void info_usage(FILE *f) {
  fputs("Usage: pmatomic info HEAP\n"
        "\n"
        "Describe a pmatomic heap file without modifying it: format version, size,\n"
        "base address, whether it was closed cleanly, the root object, how its chunks\n"
        "are used, bytes allocated, and the thread logs with the FASEs pending in them\n"
        "(work that the next open will roll back).\n"
        "\n"
        "Exit status: 0 described; 1 the file is not a valid heap (the message says\n"
        "what was expected and what was found); 2 usage error.\n",
        f);
}

/* recover_usage -- help of `pmatomic recover` */
static void recover_usage(FILE *f) {
  fputs("Usage: pmatomic recover HEAP\n"
        "\n"
        "Open HEAP the way an application would, which rolls back every FASE a crash\n"
        "left incomplete, report what was rolled back, and close it cleanly.  The\n"
        "durability mode follows PMA_MODE (default: pmem on persistent memory, else\n"
        "process).  The heap must not be open in another process.\n"
        "\n"
        "Exit status: 0 recovered (or nothing to do); 1 the heap was refused (the\n"
        "message says why; the file is left as it was); 2 usage error.\n",
        f);
}

/* human -- bytes as a short human-readable string */
static const char *human(uint64_t v, char *buf, size_t n) {
  if (v >= (1ull << 30))
    snprintf(buf, n, "%.1f GiB", (double)v / (1ull << 30));
  else if (v >= (1ull << 20))
    snprintf(buf, n, "%.1f MiB", (double)v / (1ull << 20));
  else if (v >= 1024)
    snprintf(buf, n, "%.1f KiB", (double)v / 1024);
  else
    snprintf(buf, n, "%llu B", (unsigned long long)v);
  return buf;
}

/* cmd_info -- entry point of `pmatomic info` */
int cmd_info(int argc, char **argv) {
  if (heapfile_help(argc, argv)) {
    info_usage(stdout);
    return 0;
  }
  if (argc != 2) {
    info_usage(stderr);
    return 2;
  }
  const char *path = argv[1];
  struct heapfile f;
  if (heapfile_open("info", path, 0, &f))
    return 1;
  const struct pma_hdr_static *s = &f.hdr.s;
  const struct pma_hdr_dyn *d = &f.h.hdr->d;
  struct pma_heap h = f.h;
  char b1[32], b2[32];
  time_t ct = (time_t)s->ctime;
  char when[64];
  struct tm tm;
  if (gmtime_r(&ct, &tm)) /* any 64-bit value can be in the file: gmtime fails on some */
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  else
    snprintf(when, sizeof when, "(not a valid time: %llu)", (unsigned long long)s->ctime);
  printf("heap:          %s\n", path);
  printf("format:        version %u\n", s->version);
  printf("size:          %llu bytes (%s), %llu data chunks of %u KiB\n",
         (unsigned long long)s->heap_size, human(s->heap_size, b1, sizeof b1),
         (unsigned long long)s->nchunks, PMA_CHUNK / 1024);
  printf("base address:  %#llx\n", (unsigned long long)s->base);
  printf("uuid:          ");
  for (int i = 0; i < 16; i++)
    printf("%02x%s", s->uuid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
  printf("\ncreated:       %s\n", when);
  printf("state:         %s\n", d->clean == 1 ? "closed cleanly"
                                                  : "not closed cleanly (open now, or crashed)");
  printf("opened:        %llu times\n", (unsigned long long)d->open_count);
  if (d->root_off)
    printf("root:          offset %#llx, %llu bytes\n", (unsigned long long)d->root_off,
           (unsigned long long)d->root_size);
  else
    printf("root:          none\n");

  uint64_t nfree = 0, nruns = 0, nlarge = 0, nlog = 0, nbad = 0, blocks = 0, small = 0, large = 0;
  for (uint64_t i = 0; i < s->nchunks; i++) {
    uint8_t m = h.map[i];
    if (m == PMA_MAP_FREE || m == PMA_MAP_LARGE_FREEING) {
      nfree++;
    } else if (m <= PMA_MAP_RUN_MAX && m - 1u < PMA_NCLASSES) {
      unsigned c = m - 1u;
      const uint8_t *bm = (const uint8_t *)pma_chunk_at(&h, i);
      nruns++;
      for (uint32_t b = 0; b < pma_run_blocks[c]; b++)
        if (bm[b] == PMA_BLK_USED) {
          blocks++;
          small += pma_class_size[c];
        }
    } else if (m == PMA_MAP_LARGE) {
      nlarge++;
      large += PMA_CHUNK;
      while (i + 1 < s->nchunks && h.map[i + 1] == PMA_MAP_LARGE_NEXT) {
        large += PMA_CHUNK;
        i++;
      }
    } else if (m == PMA_MAP_LOG) {
      nlog++;
    } else {
      nbad++;
    }
  }
  printf("chunks:        %llu free, %llu small-object runs, %llu large extents, %llu log%s\n",
         (unsigned long long)nfree, (unsigned long long)nruns, (unsigned long long)nlarge,
         (unsigned long long)nlog, nbad ? "" : "");
  if (nbad)
    printf("               %llu chunks with an unknown map value (run `pmatomic check`)\n",
           (unsigned long long)nbad);
  printf("in use:        %s in %llu small blocks, %s in large extents\n",
         human(small, b1, sizeof b1), (unsigned long long)blocks, human(large, b2, sizeof b2));

  unsigned used = 0, pending = 0;
  uint64_t precs = 0, pbytes = 0, held = 0;
  int corrupt = 0;
  for (unsigned i = 0; i < PMA_NSLOTS; i++) {
    if (!h.slots[i].first_chunk)
      continue;
    used++;
    /* the chunks its chain holds (design.md section 2: trimmed after a
     * large FASE, and at open and close) */
    uint64_t off = h.slots[i].first_chunk, nch = 0;
    while (off && nch <= s->nchunks && pma_chunk_is_log(&h, off)) {
      nch++;
      off = ((const struct pma_chunk_hdr *)(h.base + off))->next;
    }
    held += nch * PMA_CHUNK;
    printf("thread log %u: %llu chunks (%s)%s\n", i, (unsigned long long)nch,
           human(nch * PMA_CHUNK, b1, sizeof b1),
           off ? ", then a link that is not a log chunk (run `pmatomic check`)" : "");
    uint64_t n = 0, bytes = 0;
    int rc = pma_log_pending(&h, i, &n, &bytes);
    if (rc < 0) {
      printf("thread log %u: %s\n", i, pma_errormsg());
      corrupt = 1;
    } else if (n) {
      pending++;
      precs += n;
      pbytes += bytes;
      printf("thread log %u: FASE %llu pending: %llu undo records, %llu bytes to restore\n", i,
             (unsigned long long)(h.slots[i].retired_seq & PMA_SEQ_MAX) + 1, (unsigned long long)n,
             (unsigned long long)bytes);
    }
  }
  printf("thread logs:   %u in use, %u with a pending FASE (%llu records, %llu bytes), %s of log "
         "chunks\n",
         used, pending, (unsigned long long)precs, (unsigned long long)pbytes,
         human(held, b1, sizeof b1));
  heapfile_close(&f);
  return corrupt;
}

/* cmd_recover -- entry point of `pmatomic recover` */
int cmd_recover(int argc, char **argv) {
  if (heapfile_help(argc, argv)) {
    recover_usage(stdout);
    return 0;
  }
  if (argc != 2) {
    recover_usage(stderr);
    return 2;
  }
  struct pma_open_opts o = {.flags = PMA_OPEN_NOCREATE};
  pma_heap *h = pma_open_ex(argv[1], 0, &o);
  if (!h) {
    fprintf(stderr, "pmatomic recover: %s\n", pma_errormsg());
    return 1;
  }
  const struct pma_recovery_info *r = pma_recovery(h);
  if (r->was_clean && !r->fases_rolled_back)
    printf("%s: closed cleanly, nothing to recover\n", argv[1]);
  else
    printf("%s: rolled back %llu FASEs from %llu thread logs (%llu undo records, %llu bytes restored)\n",
           argv[1], (unsigned long long)r->fases_rolled_back,
           (unsigned long long)r->threads_recovered, (unsigned long long)r->records_applied,
           (unsigned long long)r->bytes_restored);
  int rc = pma_close(h);
  if (rc) {
    fprintf(stderr, "pmatomic recover: closing: %s\n", pma_errormsg());
    return 1;
  }
  return 0;
}
