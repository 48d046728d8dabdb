/*
 * heapcheck.c -- `pmatomic check`: verify every invariant of a heap file
 * without modifying it
 *
 * The file is read through heapfile.c (O_RDONLY, private mapping).  Order:
 * the header (the runtime's own check), the dynamic header, the log slot
 * table, every log chain, the pending FASEs' records; then, on a private
 * copy-on-write image with those FASEs rolled back exactly as the next open
 * would (runtime's pma_recover; the file is never written), the chunk map,
 * every run's block map, the large extents and the root object.  Each problem
 * is printed with what was expected and what was found.  States a crash
 * legitimately leaves behind, which the next open tidies up, are notes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h" /* pma_root_check, the run geometry */
#include "format.h"
#include "heapfile.h"
#include "pmatomic_tool.h"

#define MAX_SHOWN 50 /* problems printed one by one; the rest are counted */

struct ck {
  const char *path;
  struct pma_heap *h;
  unsigned long problems, notes;
  int clean;
};

/* check_usage -- man page of `pmatomic check` */
static void check_usage(FILE *f) {
  fputs("NAME\n"
        "    pmatomic check - verify the integrity of a pmatomic heap file\n"
        "\n"
        "SYNOPSIS\n"
        "    pmatomic check HEAP\n"
        "\n"
        "DESCRIPTION\n"
        "    Reads HEAP and verifies every invariant of the heap format (docs/design.md\n"
        "    sections 2, 4, 5 and 6).  It never modifies the file: HEAP is opened\n"
        "    read-only and mapped privately; pending FASEs are rolled back in a private\n"
        "    copy-on-write image only, to check the heap as the next open will see it.\n"
        "    It may run while the heap is open in another process (the result is then\n"
        "    a snapshot of a moving target).\n"
        "\n"
        "CHECKS\n"
        "    header      magic, version, checksum, file size, geometry, base address\n"
        "                (the runtime's own check); clean flag 0 or 1\n"
        "    log slots   first chunk 0 or the start of a log chunk\n"
        "    log chains  every chunk is a data chunk marked 0x40 with magic PMALOGCK;\n"
        "                no loop; no chunk on two chains\n"
        "    records     the FASEs of each slot that have not retired: records read up\n"
        "                to the first one whose checksum fails; a later record of the\n"
        "                same FASE whose store has happened means the log is damaged\n"
        "                in the middle; retired_seq and head_seq pass their check bits;\n"
        "                the dependency records admit an order of the logged stores\n"
        "    chunk map   every byte 0x00, 0x01..0x20 (run of a size class), 0x40, 0x41,\n"
        "                0x42 (only after 0x41/0x42, or after a free a crash left\n"
        "                unfinished), 0x43\n"
        "    runs        every block state 0, 1 or 2\n"
        "    root        offset and size inside the heap, at the start of an allocated\n"
        "                block that holds root-size bytes\n"
        "    Crash leftovers that the next open tidies up (free-pending blocks and\n"
        "    extents, log chunks on no chain, pending FASEs) and nonzero reserved or\n"
        "    padding bytes, which nothing reads, are printed as notes.\n"
        "\n"
        "OUTPUT\n"
        "    One line per problem, \"HEAP: problem: ... (expected ..., found ...)\",\n"
        "    then a summary line.\n"
        "\n"
        "EXIT STATUS\n"
        "    0   consistent (notes may have been printed)\n"
        "    1   inconsistent, or not a readable pmatomic heap\n"
        "    2   usage error\n",
        f);
}

/* problem -- report one inconsistency */
__attribute__((format(printf, 2, 3))) static void problem(struct ck *c, const char *fmt, ...) {
  if (++c->problems > MAX_SHOWN)
    return;
  va_list ap;
  va_start(ap, fmt);
  printf("%s: problem: ", c->path);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
}

/* note -- report a crash leftover the next open tidies up */
__attribute__((format(printf, 2, 3))) static void note(struct ck *c, const char *fmt, ...) {
  c->notes++;
  va_list ap;
  va_start(ap, fmt);
  printf("%s: note: ", c->path);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
}

/* zero_bytes -- are the n bytes at p all zero; *first = index of the first that is not */
static int zero_bytes(const void *p, size_t n, size_t *first) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) {
      *first = i;
      return 0;
    }
  return 1;
}

/* check_dyn -- the dynamic header */
static void check_dyn(struct ck *c) {
  const struct pma_hdr_dyn *d = &c->h->hdr->d;
  size_t i;
  if (d->clean > 1)
    problem(c, "dynamic header: clean flag is %llu (expected 0 or 1)",
            (unsigned long long)d->clean);
  if (!zero_bytes(d->reserved, sizeof d->reserved, &i))
    note(c, "dynamic header: reserved byte at offset %zu is %#x (expected 0; ignored)",
            PMA_DYN_OFF + offsetof(struct pma_hdr_dyn, reserved) + i, d->reserved[i]);
}

/* chunk_index -- index of the data chunk starting at heap offset off, or -1
 * with a problem describing why off is not one */
static int64_t chunk_index(struct ck *c, const char *what, uint64_t off) {
  struct pma_heap *h = c->h;
  if (off < h->data_off || (off - h->data_off) % PMA_CHUNK ||
      (off - h->data_off) / PMA_CHUNK >= h->nchunks) {
    problem(c, "%s is heap offset %#llx (expected the start of a data chunk: %#llx + k * %u, "
            "below %#llx)",
            what, (unsigned long long)off, (unsigned long long)h->data_off, PMA_CHUNK,
            (unsigned long long)(h->data_off + h->nchunks * PMA_CHUNK));
    return -1;
  }
  return (int64_t)((off - h->data_off) / PMA_CHUNK);
}

/* check_logs -- slot table, chains, pending records; reach[i] = slot + 1 of
 * the chain holding chunk i.  Returns 0 when every log can be read. */
static int check_logs(struct ck *c, uint16_t *reach, unsigned *inuse, unsigned *pending) {
  struct pma_heap *h = c->h;
  int bad = 0;
  for (unsigned s = 0; s < PMA_NSLOTS; s++) {
    const struct pma_slot *sl = &h->slots[s];
    size_t i;
    if (!zero_bytes(sl->reserved, sizeof sl->reserved, &i))
      note(c, "log slot %u: reserved byte %zu is %#x (expected 0; ignored)", s,
              offsetof(struct pma_slot, reserved) + i, sl->reserved[i]);
    if (!sl->first_chunk)
      continue;
    (*inuse)++;
    char what[96];
    uint64_t off = sl->first_chunk, steps = 0;
    int chain_ok = 1;
    snprintf(what, sizeof what, "log slot %u: first chunk", s);
    while (off) {
      int64_t k = chunk_index(c, what, off);
      if (k < 0) {
        chain_ok = 0;
        break;
      }
      if (h->map[k] != PMA_MAP_LOG) {
        problem(c, "%s: chunk %lld has map byte %#x (expected 0x40, log chunk)", what,
                (long long)k, h->map[k]);
        chain_ok = 0;
        break;
      }
      if (memcmp(h->base + off, PMA_LOGCK_MAGIC, 8)) {
        char found[9];
        memcpy(found, h->base + off, 8);
        for (int j = 0; j < 8; j++)
          if (found[j] < 0x20 || found[j] > 0x7e)
            found[j] = '?';
        found[8] = 0;
        problem(c, "%s: chunk %lld has magic \"%s\" (expected \"" PMA_LOGCK_MAGIC "\")", what,
                (long long)k, found);
        chain_ok = 0;
        break;
      }
      if (reach[k]) {
        if (reach[k] == s + 1)
          problem(c, "log slot %u: chain loops back to chunk %lld after %llu chunks "
                  "(expected a chain ending with next = 0)",
                  s, (long long)k, (unsigned long long)steps);
        else
          problem(c, "log slot %u: chunk %lld is also on the chain of log slot %u "
                  "(expected each log chunk on one chain)",
                  s, (long long)k, reach[k] - 1u);
        chain_ok = 0;
        break;
      }
      reach[k] = (uint16_t)(s + 1);
      steps++;
      snprintf(what, sizeof what, "log slot %u: next link of chunk %lld", s, (long long)k);
      off = ((const struct pma_chunk_hdr *)(h->base + off))->next;
    }
    if (!chain_ok) {
      bad = 1;
      continue;
    }
    uint64_t n = 0, bytes = 0;
    if (pma_log_pending(h, s, &n, &bytes) < 0) {
      problem(c, "log slot %u: %s", s, pma_errormsg());
      bad = 1;
    } else if (n) {
      (*pending)++;
      note(c, "log slot %u: FASE %llu is pending (%llu undo records, %llu bytes); the next open "
              "rolls it back",
           s, (unsigned long long)(sl->retired_seq & PMA_SEQ_MAX) + 1, (unsigned long long)n,
           (unsigned long long)bytes);
    }
  }
  return bad;
}

/* check_run -- block map of the run in chunk i (class cls) */
static void check_run(struct ck *c, uint64_t i, unsigned cls, uint64_t *freeing) {
  const uint8_t *bm = (const uint8_t *)pma_chunk_at(c->h, i);
  uint32_t n = pma_run_blocks[cls];
  for (uint32_t k = 0; k < n; k++) {
    if (bm[k] == PMA_BLK_FREEING)
      (*freeing)++;
    else if (bm[k] > PMA_BLK_FREEING)
      problem(c, "chunk %llu (run of %u-byte blocks): block %u has state %u (expected 0 free, "
              "1 allocated or 2 free pending)",
              (unsigned long long)i, pma_class_size[cls], k, bm[k]);
  }
  size_t z;
  if (!zero_bytes(bm + n, pma_run_first[cls] - n, &z))
    note(c, "chunk %llu (run of %u-byte blocks): block map padding byte %zu is %#x "
            "(expected 0; ignored)",
            (unsigned long long)i, pma_class_size[cls], n + z, bm[n + z]);
}

/* check_map -- chunk map values, runs, large extents, unreachable log chunks */
static void check_map(struct ck *c, const uint16_t *reach, int logs_ok) {
  struct pma_heap *h = c->h;
  uint64_t freeing_blocks = 0, freeing_large = 0, orphan_log = 0;
  uint8_t prev = PMA_MAP_FREE;
  int after_freeing = 0; /* a 0x43 precedes, through 0x00 and 0x42 bytes only */
  for (uint64_t i = 0; i < h->nchunks; prev = h->map[i++]) {
    uint8_t m = h->map[i];
    if (m == PMA_MAP_LARGE_FREEING)
      after_freeing = 1;
    else if (m != PMA_MAP_FREE && m != PMA_MAP_LARGE_NEXT)
      after_freeing = 0;
    if (m == PMA_MAP_FREE || m == PMA_MAP_LARGE)
      continue;
    if (m <= PMA_NCLASSES) {
      check_run(c, i, m - 1u, &freeing_blocks);
    } else if (m == PMA_MAP_LOG) {
      if (logs_ok && !reach[i])
        orphan_log++;
    } else if (m == PMA_MAP_LARGE_FREEING) {
      freeing_large++;
    } else if (m == PMA_MAP_LARGE_NEXT) {
      if (prev == PMA_MAP_LARGE || prev == PMA_MAP_LARGE_NEXT || prev == PMA_MAP_LARGE_FREEING)
        continue;
      if (after_freeing || !c->clean)
        note(c, "chunk %llu: map byte 0x42 (large extent, following chunk) after %#x: the tail "
                "of a free a crash interrupted; the next open frees it",
             (unsigned long long)i, prev);
      else
        problem(c, "chunk %llu: map byte 0x42 (large extent, following chunk) after %#x "
                "(expected it only after 0x41 or 0x42)",
                (unsigned long long)i, prev);
    } else {
      problem(c, "chunk %llu: map byte %#x (expected 0x00 free, 0x01..0x%02x run, 0x40 log, "
              "0x41..0x43 large extent)",
              (unsigned long long)i, m, PMA_NCLASSES);
    }
  }
  if (freeing_blocks)
    note(c, "%llu blocks are free pending (state 2): frees committed before a crash; they "
            "read as free", (unsigned long long)freeing_blocks);
  if (freeing_large)
    note(c, "%llu large extents are free pending (0x43); the next open frees them",
         (unsigned long long)freeing_large);
  if (orphan_log)
    note(c, "%llu log chunks are on no slot's chain (a log was growing when the program "
            "crashed); the next open frees them", (unsigned long long)orphan_log);
}

/* check_root -- the root object is an allocated block inside the heap (the
 * runtime's own check, the one pma_open runs) */
static void check_root(struct ck *c) {
  if (pma_root_check(c->h))
    problem(c, "root: %s", pma_errormsg());
}

/* cmd_check -- entry point of `pmatomic check` */
int cmd_check(int argc, char **argv) {
  if (heapfile_help(argc, argv)) {
    check_usage(stdout);
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-') {
    fputs("Usage: pmatomic check HEAP   (pmatomic check --help for details)\n", stderr);
    return 2;
  }
  struct heapfile f;
  if (heapfile_open("check", argv[1], 1, &f))
    return 1;
  struct ck c = {.path = argv[1], .h = &f.h, .clean = f.h.hdr->d.clean == 1};
  uint16_t *reach = calloc(f.h.nchunks, sizeof *reach);
  if (!reach)
    tool_die("out of memory");
  unsigned inuse = 0, pending = 0;
  check_dyn(&c);
  int logs_bad = check_logs(&c, reach, &inuse, &pending);
  if (!logs_bad && pending) {
    /* Check what the next open will see: roll back in the private image. */
    if (pma_recover(&f.h)) {
      problem(&c, "rolling back the pending FASEs: %s", pma_errormsg());
      logs_bad = 1;
    }
  }
  check_map(&c, reach, !logs_bad);
  check_root(&c);
  free(reach);
  heapfile_close(&f);
  if (c.problems > MAX_SHOWN)
    printf("%s: ... %lu more problems not shown\n", c.path, c.problems - MAX_SHOWN);
  if (c.problems) {
    printf("%s: inconsistent: %lu problem%s, %lu note%s\n", c.path, c.problems,
           c.problems == 1 ? "" : "s", c.notes, c.notes == 1 ? "" : "s");
    return 1;
  }
  printf("%s: consistent (%s; %u log slot%s in use, %u pending FASE%s%s)\n", c.path,
         c.clean ? "closed cleanly" : "not closed cleanly", inuse, inuse == 1 ? "" : "s",
         pending, pending == 1 ? "" : "s",
         pending ? ", checked as rolled back" : "");
  return 0;
}
