/*
 * env.c -- every PMA_* environment variable, parsed in one place
 *
 * The variables are testing and tuning knobs; they are read at each
 * pma_open() (not cached across opens) so a test can change them between
 * opens.  A malformed value makes pma_open() fail with a message rather than
 * being silently ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PMA_NT_THRESHOLD_DEFAULT 1024u

/* parse_u64 -- strict unsigned parse (any base strtoull accepts); 0 on success */
static int parse_u64(const char *name, const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *end != '\0' || s[0] == '-') {
    pma_err("%s: expected an unsigned number, found \"%s\"", name, s);
    return -EINVAL;
  }
  *out = v;
  return 0;
}

/* parse_bool -- "0"/"" = off, anything else = on */
static int parse_bool(const char *s) { return s && s[0] != '\0' && strcmp(s, "0") != 0; }

/* pma_env_load -- read all PMA_* variables into env; 0 or -EINVAL (message set) */
int pma_env_load(struct pma_env *env) {
  memset(env, 0, sizeof *env);
  const char *s;

  /* PMA_MODE=process|pmem|sim: durability mode; overrides pma_open_opts.mode
   * and the automatic choice (pmem if the mapping is persistent memory). */
  if ((s = getenv("PMA_MODE")) && *s) {
    env->mode_set = 1;
    if (!strcmp(s, "process"))
      env->mode = PMA_MODE_PROCESS;
    else if (!strcmp(s, "pmem"))
      env->mode = PMA_MODE_PMEM;
    else if (!strcmp(s, "sim"))
      env->mode = PMA_MODE_SIM;
    else {
      pma_err("PMA_MODE: expected process, pmem or sim, found \"%s\"", s);
      return -EINVAL;
    }
  }

  /* PMA_BASE=<address>: mapping address for NEW heaps (an existing heap is
   * always mapped where its header says); overrides pma_open_opts.base.
   * Must be 64 KiB aligned. */
  if ((s = getenv("PMA_BASE")) && *s) {
    uint64_t v;
    if (parse_u64("PMA_BASE", s, &v))
      return -EINVAL;
    if (v == 0 || (v & (PMA_CHUNK - 1))) {
      pma_err("PMA_BASE: expected a nonzero 64 KiB-aligned address, found %#llx",
              (unsigned long long)v);
      return -EINVAL;
    }
    env->base_set = 1;
    env->base = (uintptr_t)v;
  }

  /* PMA_NT_THRESHOLD=<bytes> (default 1024): undo-log data of a single store
   * range at least this long is written with non-temporal stores (it is never
   * read again unless we crash, so it should not evict the program's lines).
   * 0 disables non-temporal log writes. */
  env->nt_threshold = PMA_NT_THRESHOLD_DEFAULT;
  if ((s = getenv("PMA_NT_THRESHOLD")) && *s) {
    uint64_t v;
    if (parse_u64("PMA_NT_THRESHOLD", s, &v))
      return -EINVAL;
    env->nt_threshold = v ? (size_t)v : SIZE_MAX;
  }

  /* PMA_VERBOSE=1: print what pma_open found and recovered to stderr. */
  env->verbose = parse_bool(getenv("PMA_VERBOSE"));

  /* PMA_STATS=1: print the pma_get_stats() counters to stderr at pma_close. */
  env->stats = parse_bool(getenv("PMA_STATS"));
  return 0;
}
