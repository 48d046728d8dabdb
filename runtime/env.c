/*
 * env.c -- every PMA_* environment variable, parsed in one place
 *
 * The variables are testing and tuning knobs; they are read at each
 * pma_open() (not cached across opens) so a test can change them between
 * opens.  A malformed value makes pma_open() fail with a message rather than
 * being silently ignored.
 */
#include <errno.h>
#include <signal.h>
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

  /* PMA_PREALLOC=full|sparse: how a heap file being created gets its blocks.
   * full: posix_fallocate reserves them all, so a full disk fails the create
   * instead of a later store; sparse: ftruncate only, blocks are allocated as
   * pages are first written (a full disk then SIGBUSes the writing thread).
   * Unset: full in pmem mode or when the new file is on a DAX file system,
   * sparse otherwise (region.c, design.md section 5). */
  env->prealloc = PMA_PREALLOC_AUTO;
  if ((s = getenv("PMA_PREALLOC")) && *s) {
    if (!strcmp(s, "full"))
      env->prealloc = PMA_PREALLOC_FULL;
    else if (!strcmp(s, "sparse"))
      env->prealloc = PMA_PREALLOC_SPARSE;
    else {
      pma_err("PMA_PREALLOC: expected full or sparse, found \"%s\"", s);
      return -EINVAL;
    }
  }

  /* PMA_VERBOSE=1: print what pma_open found and recovered to stderr. */
  env->verbose = parse_bool(getenv("PMA_VERBOSE"));

  /* PMA_STATS=1: print the pma_get_stats() counters to stderr at pma_close. */
  env->stats = parse_bool(getenv("PMA_STATS"));

  /* PMA_SYNC_PER_STORE=0|1: the per-store synchronous baseline of the
   * benchmarks (docs/performance.md, configuration (d)): every hook call
   * inside a FASE writes a record of its exact range, flushed and fenced
   * before the store, with no per-FASE filter.  Build the program with
   * -fplugin-arg-pmatomic-no-opt for a true per-store baseline. */
  if ((s = getenv("PMA_SYNC_PER_STORE")) && *s) {
    if (strcmp(s, "0") && strcmp(s, "1")) {
      pma_err("PMA_SYNC_PER_STORE: expected 0 or 1, found \"%s\"", s);
      return -EINVAL;
    }
    env->sync_per_store = s[0] == '1';
  }

  /* The crash simulator's knobs (design.md section 7); they matter only in
   * sim mode but are checked in every mode, so a typo never goes unnoticed. */

  /* PMA_SIM_CRASH_AT=<k>: lose power when persistence event k (counted from 1
   * in the process) happens, before it takes effect: write the crash image to
   * the heap file and exit with status 86.  0 or unset: never. */
  if ((s = getenv("PMA_SIM_CRASH_AT")) && *s && parse_u64("PMA_SIM_CRASH_AT", s, &env->sim_crash_at))
    return -EINVAL;

  /* PMA_SIM_POLICY=none|all|random|prefix (default none): which unflushed
   * words the cache wrote back by itself when the power failed. */
  env->sim_policy = PMA_SIM_NONE;
  if ((s = getenv("PMA_SIM_POLICY")) && *s) {
    int found = 0;
    for (int p = PMA_SIM_NONE; p <= PMA_SIM_PREFIX; p++)
      if (!strcmp(s, pma_sim_policy_name((enum pma_sim_policy)p))) {
        env->sim_policy = (enum pma_sim_policy)p;
        found = 1;
      }
    if (!found) {
      pma_err("PMA_SIM_POLICY: expected none, all, random or prefix, found \"%s\"", s);
      return -EINVAL;
    }
  }

  /* PMA_SIM_SEED=<n> (default 1): seed of the random and prefix policies. */
  env->sim_seed = 1;
  if ((s = getenv("PMA_SIM_SEED")) && *s && parse_u64("PMA_SIM_SEED", s, &env->sim_seed))
    return -EINVAL;

  /* PMA_SIM_REPORT=<path>: write the simulator's one-line report there at
   * crash, pma_close and exit. */
  if ((s = getenv("PMA_SIM_REPORT")) && *s)
    env->sim_report = s;

  /* PMA_SIM_RAISE=<sig>/<k>: the simulator raises signal sig on a thread at
   * every k-th cache flush it makes inside a FASE, from inside the runtime
   * (the flush of an undo record before the record counts as written, of a
   * commit...): the program's handler then comes at chosen points inside
   * the runtime's work (design.md section 1, "Signal handlers"). */
  if ((s = getenv("PMA_SIM_RAISE")) && *s) {
    char *end;
    long sig = strtol(s, &end, 10);
    uint64_t k = 0;
    if (*end != '/' || sig < 1 || sig >= NSIG || parse_u64("PMA_SIM_RAISE", end + 1, &k) || !k) {
      pma_err("PMA_SIM_RAISE: expected <signal number>/<k> (k >= 1), found \"%s\"", s);
      return -EINVAL;
    }
    env->sim_raise_sig = (int)sig;
    env->sim_raise_every = k;
  }

  /* PMA_TEST_NO_DEPS=1: TESTS ONLY -- no dependency tracking: a lock released
   * in the middle of a FASE is just released, so another thread may commit
   * what it read from a FASE that later rolls back.  The crash tests use it
   * to show that they catch exactly that. */
  env->no_deps = parse_bool(getenv("PMA_TEST_NO_DEPS"));

  /* PMA_TEST_NO_MEM_DEPS=1: TESTS ONLY -- no dependencies through memory:
   * atomics (and, in the load-tracking mode, plain loads) of a FASE link it
   * to nobody, so a crash can keep a FASE that read an atomic from one it
   * rolls back.  Lock dependencies stay (PMA_TEST_NO_DEPS switches off both). */
  env->no_mem_deps = parse_bool(getenv("PMA_TEST_NO_MEM_DEPS"));

  /* PMA_TEST_DIRTY_CAP=<n>: TESTS ONLY -- the per-thread dirty list holds n
   * ranges (64..1024, default 1024) before it is flushed early, so crash
   * tests reach the early-flush paths in a few stores.  Not fewer than 64:
   * after an early flush the hooks note again up to 33 recent ranges
   * (hooks.c) plus a batch's 8, and that must not overflow the list again. */
  env->dirty_cap = PMA_DIRTY_CAP;
  if ((s = getenv("PMA_TEST_DIRTY_CAP")) && *s) {
    uint64_t v;
    if (parse_u64("PMA_TEST_DIRTY_CAP", s, &v))
      return -EINVAL;
    if (v < 64 || v > PMA_DIRTY_CAP) {
      pma_err("PMA_TEST_DIRTY_CAP: expected 64..%u ranges, found %llu", PMA_DIRTY_CAP,
              (unsigned long long)v);
      return -EINVAL;
    }
    env->dirty_cap = (uint32_t)v;
  }

  /* PMA_TEST_CREATE=named|kill|named-kill: TESTS ONLY -- how a heap file is
   * created (region.c): "named" builds it under a named temporary, as on a
   * file system without O_TMPFILE; "kill" SIGKILLs the process once the new
   * file is sized, before it gets its name (a creation killed part-way). */
  if ((s = getenv("PMA_TEST_CREATE")) && *s) {
    if (!strcmp(s, "named") || !strcmp(s, "named-kill"))
      env->test_create_named = 1;
    if (!strcmp(s, "kill") || !strcmp(s, "named-kill"))
      env->test_create_kill = 1;
    if (!env->test_create_named && !env->test_create_kill) {
      pma_err("PMA_TEST_CREATE: expected named, kill or named-kill, found \"%s\"", s);
      return -EINVAL;
    }
  }

  /* PMA_TEST_FILTER_FULL=<n>: TESTS ONLY -- the per-FASE filter stops
   * inserting words after n (16..2048, default 2048), so crash tests reach
   * the full-filter paths (every store logged again) in a few stores. */
  env->filter_full = PMA_FILTER_FULL;
  if ((s = getenv("PMA_TEST_FILTER_FULL")) && *s) {
    uint64_t v;
    if (parse_u64("PMA_TEST_FILTER_FULL", s, &v))
      return -EINVAL;
    if (v < 16 || v > PMA_FILTER_FULL) {
      pma_err("PMA_TEST_FILTER_FULL: expected 16..%u words, found %llu", PMA_FILTER_FULL,
              (unsigned long long)v);
      return -EINVAL;
    }
    env->filter_full = (uint32_t)v;
  }

#ifdef PMA_MUTANT_BUILD
  /* PMA_MUTANT=<n>|<name>: mutant runtime only (libpmatomic_rt_mutant, built
   * with -DPMA_MUTANTS=ON): run with seeded protocol bug n (runtime/mutants.h).
   * 0 or unset: none.  The shipped runtime does not read it. */
  if (pma_mutant_select(getenv("PMA_MUTANT")))
    return -EINVAL;
#endif
  return 0;
}
