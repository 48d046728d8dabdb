/*
 * pmatomic.h -- public API of the pmatomic runtime (libpmatomic_rt)
 *
 * A program keeps its data in a persistent heap opened with pma_open().
 * Compiled with the pmatomic Clang plugin, every critical section of the
 * program (from the first lock acquired to the last one released) becomes a
 * failure-atomic section (FASE): after a crash, reopening the heap rolls back
 * every FASE that had not committed, so each critical section is either fully
 * applied or not at all.  pma_begin()/pma_end() mark a FASE in code that takes
 * no lock.
 *
 * Errors: functions that can fail return NULL or a negative errno-style code
 * and leave a message for the calling thread in pma_errormsg().
 */
#ifndef PMATOMIC_H
#define PMATOMIC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PMA_FORMAT_VERSION 3

typedef struct pma_heap pma_heap;

/* Durability mode, chosen at open (PMA_MODE overrides the flag). */
enum pma_mode {
  PMA_MODE_DEFAULT = 0, /* pmem if the file is on persistent memory, else process */
  PMA_MODE_PROCESS = 1, /* survives process crashes; no cache flushes */
  PMA_MODE_PMEM = 2,    /* flush + fence protocol: survives power failure on NVM */
  PMA_MODE_SIM = 3,     /* pmem protocol against the crash simulator's media image */
};

/* Options for pma_open_ex(); zero-initialise and set what you need. */
struct pma_open_opts {
  enum pma_mode mode;   /* PMA_MODE_DEFAULT unless set */
  uintptr_t base;       /* mapping address for a new heap; 0 = default */
  unsigned flags;       /* PMA_OPEN_* */
};
#define PMA_OPEN_NOCREATE 0x1u /* fail if the file does not exist */
#define PMA_OPEN_CREATE_ONLY 0x2u /* fail if the file already exists */

/* What the last pma_open() found and did. */
struct pma_recovery_info {
  int was_clean;                 /* 1: closed cleanly, nothing to do */
  int created;                   /* 1: the file was created by this open */
  uint64_t fases_rolled_back;    /* incomplete FASEs undone */
  uint64_t records_applied;      /* undo records applied */
  uint64_t bytes_restored;       /* bytes written back by rollback */
  uint64_t threads_recovered;    /* thread logs that held an incomplete FASE */
  uint64_t dependents_rolled_back; /* of fases_rolled_back: FASEs that had committed
                                    * but read from a FASE that had not */
  uint64_t committed_kept;       /* committed FASEs whose logs waited for others,
                                  * kept because those committed too */
};

/* pma_open -- create the heap file if absent (size bytes), else map it and recover */
pma_heap *pma_open(const char *path, size_t size);
/* pma_open_ex -- pma_open with explicit options (opts may be NULL) */
pma_heap *pma_open_ex(const char *path, size_t size, const struct pma_open_opts *opts);
/* pma_close -- make everything durable, mark the heap clean, unmap; 0 or -errno */
int pma_close(pma_heap *h);

/* pma_root -- the root object: allocated and zeroed on first call; grown if size is larger */
void *pma_root(pma_heap *h, size_t size);
/* pma_root_size -- size of the root object, 0 if none */
size_t pma_root_size(const pma_heap *h);

/* Allocation inside the heap.  Inside a FASE the allocation or free is part of
 * the FASE (rolled back with it; a free takes effect at commit).  Outside a
 * FASE each call is its own small FASE. */
void *pma_malloc(size_t size);
void *pma_calloc(size_t nmemb, size_t size);
void *pma_realloc(void *ptr, size_t size);
void pma_free(void *ptr);
/* pma_usable_size -- bytes usable in a block returned by pma_malloc */
size_t pma_usable_size(const void *ptr);

/* pma_begin / pma_end -- explicit FASE; nests with lock-delimited FASEs */
void pma_begin(void);
void pma_end(void);
/* pma_in_fase -- nonzero when the calling thread is inside a FASE */
int pma_in_fase(void);

/* pma_persist -- make [addr, addr+len) durable now (stores outside FASEs) */
void pma_persist(const void *addr, size_t len);
/* pma_sync -- make every store of the calling thread durable now */
void pma_sync(void);
/* pma_wait_durable -- wait until the calling thread's committed FASEs have
 * retired: a FASE that read from one not yet committed (a lock released in
 * the middle of a FASE) commits at once but stays undoable until then.  Call
 * it holding no lock, before output that must not outlive the data (a reply
 * to a client).  timeout_ms < 0: no limit.  0, -ETIMEDOUT, or -EBUSY when
 * called inside a FASE. */
int pma_wait_durable(long timeout_ms);

/* pma_is_heap -- nonzero if [addr, addr+len) lies inside the open heap */
int pma_is_heap(const void *addr, size_t len);
/* pma_heap_current -- the heap open in this process, or NULL */
pma_heap *pma_heap_current(void);

/* What the heap's blocks hold, counted from the allocator's durable maps. */
struct pma_usage {
  uint64_t small_blocks; /* allocated blocks of the small size classes */
  uint64_t small_bytes;  /* ...their sizes (the class sizes) */
  uint64_t large_extents; /* allocated extents of whole chunks */
  uint64_t large_bytes;
};
/* pma_usage -- count the allocated blocks of the open heap h; 0, or -1 with
 * pma_errormsg set.  A snapshot: exact while no other thread allocates or
 * frees (blocks freed by a FASE that has not retired still count). */
int pma_usage(const pma_heap *h, struct pma_usage *out);

/* pma_recovery -- what the last pma_open of h found (never NULL for an open heap) */
const struct pma_recovery_info *pma_recovery(const pma_heap *h);
/* pma_mode_of -- the durability mode in effect */
enum pma_mode pma_mode_of(const pma_heap *h);
/* pma_mode_name -- "process", "pmem", "sim" */
const char *pma_mode_name(enum pma_mode m);

/* pma_errormsg -- last error message of the calling thread ("" if none) */
const char *pma_errormsg(void);

/* Counters of the calling process since the heap was opened. */
struct pma_stats {
  uint64_t fases;            /* committed FASEs */
  uint64_t log_records;      /* undo records written */
  uint64_t log_bytes;        /* bytes of old data logged */
  uint64_t filtered_stores;  /* stores whose bytes were already logged in the FASE */
  uint64_t flushes;          /* cache lines flushed */
  uint64_t fences;           /* store fences */
  uint64_t nt_bytes;         /* bytes written with non-temporal stores */
  uint64_t dep_records;      /* dependencies recorded (a lock released by an
                              * uncommitted FASE was acquired) */
  uint64_t fases_waited;     /* commits whose log had to wait for other FASEs */
  uint64_t multi_records;    /* records saving several ranges under one fence
                              * (also counted in log_records) */
  uint64_t signals_deferred; /* signal handlers run late: the signal came while
                              * its thread was inside the runtime */
};
/* pma_get_stats -- counters summed over all threads */
void pma_get_stats(struct pma_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* PMATOMIC_H */
