/*
 * pmdk_common.h -- the PMDK (libpmemobj) ports of the benchmarks, configuration (e)
 *
 * Same driver (../common.h), same operation mix and locking as the pmatomic
 * programs; every critical section is one libpmemobj transaction that
 * snapshots (TX_ADD) what it modifies and allocates/frees with
 * pmemobj_tx_alloc/pmemobj_tx_free.  Locks are ordinary pthread mutexes in
 * volatile memory (PMEMmutex would add a pool-run-id check per lock).
 * Persistent links are direct pointers rather than PMEMoids: valid within
 * one run (the benchmark never reopens), and slightly in PMDK's favour (no
 * OID translation per dereference).
 * Run with PMEM_IS_PMEM_FORCE=1 on /dev/shm so libpmem uses the same
 * clwb/sfence instructions as pmatomic's pmem mode.
 */
#ifndef PMDK_COMMON_H
#define PMDK_COMMON_H
#define BENCH_NO_PMA
#include "../common.h"
#include <libpmemobj.h>
#include <unistd.h>

static PMEMobjpool *pop;

/* pmdk_open -- create the pool (removing a leftover), return the root */
static inline void *pmdk_open(const char *path, size_t pool_size, size_t root_size) {
  unlink(path);
  pop = pmemobj_create(path, "pmatomic-bench", pool_size, 0666);
  if (!pop) {
    fprintf(stderr, "pmemobj_create(%s): %s\n", path, pmemobj_errormsg());
    return NULL;
  }
  return pmemobj_direct(pmemobj_root(pop, root_size));
}

/* pmdk_alloc -- transactional allocation (inside TX_BEGIN) */
static inline void *pmdk_alloc(size_t size) { return pmemobj_direct(pmemobj_tx_alloc(size, 1)); }
static inline void pmdk_free(void *p) { pmemobj_tx_free(pmemobj_oid(p)); }
#define ADD(field) pmemobj_tx_add_range_direct(&(field), sizeof(field))
#define ADDN(ptr, n) pmemobj_tx_add_range_direct((ptr), (n))

static inline void pmdk_stats(struct pma_stats *s) { memset(s, 0, sizeof *s); }
static inline void pmdk_close(void) {
  if (pop)
    pmemobj_close(pop);
}
#define BENCH_PMDK_DEFAULTS .stats = pmdk_stats, .finish = pmdk_close
#endif
