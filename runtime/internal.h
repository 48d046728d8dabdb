/*
 * internal.h -- shared definitions of the pmatomic runtime (libpmatomic_rt):
 * the state of a process with a heap open and the modules' interfaces
 *
 * The on-media format is in format.h (included here), so a reader of heap
 * files needs nothing of this file for the format itself.
 */
#ifndef PMA_INTERNAL_H
#define PMA_INTERNAL_H

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "format.h"
#include "pmatomic.h"
#include "pmatomic_interface.h"

#define PMA_EXPORT __attribute__((visibility("default")))
#define PMA_HIDDEN __attribute__((visibility("hidden")))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define PMA_NOINLINE __attribute__((noinline))
#define PMA_COLD __attribute__((cold, noinline))

#define PMA_DEFAULT_BASE ((uintptr_t)0x300000000000ull) /* of a new heap (heap.c) */
#define PMA_LINE 64u /* cache line: the unit of flushes and of the dirty list */

/* pma_open_opts flag of whole-heap mode only (wholeheap.c), not in
 * pmatomic.h: after recovery, a heap that has no root object gets every
 * block back -- a restarted unmodified program cannot name the previous
 * run's blocks, so they would stay allocated for good (docs/wholeheap.md). */
#define PMA_OPEN_WH_RECLAIM 0x80000000u

/* ------------------------------------------------------------------------ */
/* Volatile state                                                           */
/* ------------------------------------------------------------------------ */

/* The flush layer: chosen once at open by mode; every flush and fence of the
 * protocol goes through it so the crash simulator can stand behind it. */
struct pma_flush_ops {
  void (*flush)(const void *addr, size_t len);        /* write back lines, no ordering */
  void (*fence)(void);                                /* order/complete earlier flushes */
  /* Non-temporal writes: afterwards every byte is either written with
   * non-temporal stores or (partial lines at the edges) stored and flushed;
   * the next fence makes all of them durable.  memmove_nt allows overlap. */
  void (*memmove_nt)(void *dst, const void *src, size_t len);
  void (*memset_nt)(void *dst, int c, size_t len);
};

/* Crash image policies of the simulator (design.md section 7). */
enum pma_sim_policy { PMA_SIM_NONE, PMA_SIM_ALL, PMA_SIM_RANDOM, PMA_SIM_PREFIX };

/* Environment (env.c): parsed once per pma_open. */
/* How a new heap file gets its disk blocks (PMA_PREALLOC, region.c). */
enum pma_prealloc {
  PMA_PREALLOC_AUTO,   /* unset: full for pmem mode or a DAX file, else sparse */
  PMA_PREALLOC_FULL,   /* posix_fallocate: a full disk fails the create */
  PMA_PREALLOC_SPARSE, /* ftruncate: blocks are allocated as pages are first written */
};

struct pma_env {
  int mode_set;
  enum pma_mode mode;
  int base_set;
  uintptr_t base;
  size_t nt_threshold;
  int verbose;
  int stats;
  int sync_per_store;             /* PMA_SYNC_PER_STORE: log every store, no filter */
  uint64_t sim_crash_at;          /* PMA_SIM_CRASH_AT, 0 = never */
  enum pma_sim_policy sim_policy; /* PMA_SIM_POLICY */
  uint64_t sim_seed;              /* PMA_SIM_SEED */
  const char *sim_report;         /* PMA_SIM_REPORT (getenv storage), NULL = none */
  int sim_raise_sig;              /* PMA_SIM_RAISE=<sig>/<k>: signal, 0 = none */
  uint64_t sim_raise_every;       /* ...raised at every k-th flush inside a FASE */
  int no_deps;                    /* PMA_TEST_NO_DEPS: no dependency tracking (tests only) */
  int no_mem_deps;                /* PMA_TEST_NO_MEM_DEPS: none through memory (tests only) */
  uint32_t dirty_cap;             /* PMA_TEST_DIRTY_CAP: a shorter dirty list (tests only) */
  enum pma_prealloc prealloc;     /* PMA_PREALLOC: how a new heap file gets its blocks */
  int test_create_named;          /* PMA_TEST_CREATE: a named temporary, no O_TMPFILE */
  int test_create_kill;           /* PMA_TEST_CREATE: SIGKILL inside the creation */
  uint32_t filter_full;           /* PMA_TEST_FILTER_FULL: a smaller filter (tests only) */
};

struct pma_alloc; /* alloc.c */

/* A dependency: FASE seq of log slot slot, in its first nrec records. */
struct pma_dep {
  uint32_t slot;
  uint64_t seq;
  uint64_t nrec;
};

/* A committed FASE that waits for the FASEs it read from (fase.c). */
struct pma_waiting {
  uint64_t seq;
  struct pma_dep *deps;
  uint32_t ndeps, nfrees;
  uintptr_t *frees; /* deferred frees that take effect at its retire */
  int ok;           /* scratch of the retire cascade (fase.c) */
  struct pma_waiting *next;
};

/* Volatile state of a log slot (section 2 of design.md). */
struct pma_slotv {
  _Atomic uint64_t retired;  /* mirror of the slot's retired_seq */
  _Atomic uint32_t nwait;    /* committed FASEs not yet retired */
  _Atomic uint32_t held;     /* 1 while a thread owns the slot (fase.c) */
  uint64_t next_seq;         /* seq of the slot's next FASE (owner) */
  char *end_chunk;           /* while nwait > 0: where the next FASE appends (owner) */
  uint32_t end_pos;
  uint64_t last_seq, last_nrec; /* the slot's last FASE that waited, its records */
  _Atomic int wanted;        /* a FASE took a dependency through memory on one of ours */
  struct pma_waiting *first, *last; /* oldest first; under fase.c's wait_lock */
};

/* The open heap (one per process). */
struct pma_heap {
  char *path;
  int fd;
  char *base;
  size_t size;
  enum pma_mode mode;
  int media_pmem;          /* mapping is real persistent memory (MAP_SYNC / pmem_is_pmem) */
  int prealloc_full;       /* created by this open with every block reserved (region.c) */
  uint64_t reclaimed_blocks, reclaimed_bytes; /* PMA_OPEN_WH_RECLAIM gave these back */
  struct pma_header *hdr;
  struct pma_slot *slots;
  uint8_t *map;            /* chunk map */
  char *data;              /* first data chunk */
  uint64_t nchunks;
  uint64_t data_off;
  struct pma_recovery_info rec;
  struct pma_env env;
  struct pma_alloc *alloc;
  struct pma_slotv sv[PMA_NSLOTS];
};

/* Hot globals read by the store hooks: [base, base+size) is the heap; size 0
 * when no heap is open. */
struct pma_rt {
  uintptr_t base;
  uintptr_t size;
  int durable;             /* mode is pmem or sim: flushes and fences are real */
  int sim;                 /* the crash simulator is counting events (sim.c) */
  uint32_t epoch;          /* bumped at every open and close */
  size_t nt_threshold;
  uint32_t dirty_cap;      /* PMA_DIRTY_CAP, or PMA_TEST_DIRTY_CAP (tests) */
  uint32_t filter_full;    /* PMA_FILTER_FULL, or PMA_TEST_FILTER_FULL (tests) */
  struct pma_heap *heap;
  struct pma_flush_ops ops;
};
extern struct pma_rt pma_rt PMA_HIDDEN;

/* Filter entry: 8-byte word of the heap -> mask of its bytes already logged in
 * the current FASE.  Valid only when gen equals the thread's current gen. */
struct pma_fent {
  uint64_t word;
  uint32_t gen;
  uint32_t mask;
};
#define PMA_FILTER_BITS 12
#define PMA_FILTER_CAP (1u << PMA_FILTER_BITS)
#define PMA_FILTER_FULL (PMA_FILTER_CAP / 2) /* stop inserting beyond this load */
#define PMA_FILTER_MAXLEN 64u /* longer ranges bypass the word filter... */
#define PMA_BIG_CACHE 4u      /* ...and are checked against the last few long ranges logged */

/* Dirty range: [start, end) in cache lines, absolute addresses. */
struct pma_range {
  uintptr_t start, end;
};
#define PMA_DIRTY_CAP 1024u
/* PMA_MULTI_MAX (pmatomic_interface.h, asserted there against what the pass
 * emits): the most ranges of one multi-range undo record */
_Static_assert(PMA_PASS_MULTI_RANGES <= PMA_MULTI_MAX,
               "a __pma_store_v call of the pass is one undo record");
#define PMA_PEND_MAX 8u   /* allocations whose state byte waits for the next record */
/* PMA_FRESH_NOTE_MAX (pmatomic_interface.h): a fresh block of at least that
 * many bytes is not noted whole for the commit's flush; the pass keeps the
 * hooks of stores into a block it cannot prove smaller, so only its written
 * lines are noted (design.md section 6, "Fresh blocks"). */
#define PMA_NEW_BLOCKS 8u /* blocks of the current FASE whose stores need no undo (a ring) */
#define PMA_BYTES_BATCH 256u /* entries of one pma_log_bytes record (the commit's frees) */

/* Per-thread state.  Lives in static TLS so the hooks reach it with one
 * instruction; the large tables are allocated on the thread's first use. */
struct pma_thread {
  unsigned depth;          /* held locks + pma_begin nesting */
  uint32_t epoch;          /* pma_rt.epoch this state is bound to */
  int registered;
  int logging;             /* the current FASE has a log cursor (seq valid) */
  int wrote;               /* records written in the current FASE */
  int slot;                /* claimed log slot, -1 = none */
  int last_slot;           /* the slot of its last FASE (tried first), -1 = none */
  uint64_t seq;            /* seq of the current FASE = retired + 1 */
  char *chunk;             /* current log chunk */
  uint32_t pos;            /* next record position in chunk */
  uint32_t fgen;           /* filter generation of the current FASE */
  uint32_t fcount;         /* filter entries inserted in this generation */
  uint32_t ndirty;
  uint32_t nbig;           /* long ranges logged in this generation (ring of PMA_BIG_CACHE) */
  struct pma_range big[PMA_BIG_CACHE]; /* heap offsets [start, end) */
  struct pma_fent *filter;
  struct pma_range *dirty;
  uint64_t nrec;           /* DATA and DEP records of the current FASE */
  int at_head;             /* the current FASE's log starts the slot's chain */
  uint32_t chain_pos;      /* with at_head: index of chunk in the chain (0 = first) */
  int trim;                /* the chain grew past pma_log_trim_at(): trim after the retire */
  int published;           /* a lock was released with this FASE uncommitted */
  int named;               /* the FASE named itself in the writer table (memdeps.c) */
  struct pma_dep *deps;    /* FASEs of other slots this one read from */
  uint32_t ndeps, cap_deps;
  uint64_t wait_seq;       /* the FASE just committed waits (0: it retired) */
  uint64_t wait_nrec;      /* ...after this many records */
  struct pma_range newb[PMA_NEW_BLOCKS]; /* the last blocks allocated in this FASE */
  uint32_t nnew;           /* (a ring; hooks.c, pma_new_block) */
  uint8_t *pend[PMA_PEND_MAX]; /* allocation state bytes waiting for their record */
  uint32_t npend;          /* (log.c, pma_log_byte_later) */
  uintptr_t *dfrees;       /* deferred frees (absolute addresses) */
  uint32_t ndfrees, cap_dfrees;
  pid_t tid;
  /* signals.c: runtime sections the thread is in (a handler arriving then
   * is deferred) and the signals deferred, bit sig-1 */
  volatile unsigned in_rt;
  unsigned in_handler; /* program signal handlers running (signals.c) */
  volatile uint64_t sig_pending;
  uint64_t dirty_flushes;  /* early or commit flushes of the dirty list (log.c) */
  struct pma_stats stats;
  struct pma_thread *next, *prev; /* registry */
};

extern __thread struct pma_thread pma_tls __attribute__((tls_model("initial-exec"))) PMA_HIDDEN;

/* pma_self -- the calling thread's state */
static inline struct pma_thread *pma_self(void) { return &pma_tls; }

/* PMA_STAT -- bump a per-thread counter; relaxed so pma_get_stats may read it */
#define PMA_STAT(t, field, n) \
  __atomic_store_n(&(t)->stats.field, (t)->stats.field + (n), __ATOMIC_RELAXED)

/* pma_flush -- flush [addr, addr+len) through the flush table (counted) */
static inline void pma_flush(struct pma_thread *t, const void *addr, size_t len) {
  if (!pma_rt.durable || len == 0)
    return;
  uintptr_t s = (uintptr_t)addr & ~(uintptr_t)(PMA_LINE - 1);
  uintptr_t e = ((uintptr_t)addr + len + PMA_LINE - 1) & ~(uintptr_t)(PMA_LINE - 1);
  PMA_STAT(t, flushes, (e - s) / PMA_LINE);
  pma_rt.ops.flush(addr, len);
}

/* pma_fence -- store fence through the flush table (counted) */
static inline void pma_fence(struct pma_thread *t) {
  if (!pma_rt.durable)
    return;
  PMA_STAT(t, fences, 1);
  pma_rt.ops.fence();
}

/* pma_persist_now -- flush + fence */
static inline void pma_persist_now(struct pma_thread *t, const void *addr, size_t len) {
  pma_flush(t, addr, len);
  pma_fence(t);
}

/* pma_off -- heap offset of an address inside the heap */
static inline uint64_t pma_off(const void *p) { return (uintptr_t)p - pma_rt.base; }
/* pma_ptr -- address of a heap offset */
static inline void *pma_ptr(uint64_t off) { return (void *)(pma_rt.base + off); }

/* ------------------------------------------------------------------------ */
/* Seeded protocol bugs (mutation testing, docs/crashtest.md)               */
/* ------------------------------------------------------------------------ */

/* PMA_MUTANT(name) -- true when the mutant runtime (built with
 * -DPMA_MUTANTS=ON as libpmatomic_rt_mutant) runs with PMA_MUTANT=name.  In
 * the shipped runtime it is the constant 0, so every mutation is dead code
 * that the compiler removes. */
#ifdef PMA_MUTANT_BUILD
#include "mutants.h"
extern int pma_mutant PMA_HIDDEN;
#define PMA_MUTANT(name) unlikely(pma_mutant == PMA_MUT_##name)
int pma_mutant_select(const char *s) PMA_HIDDEN;
#else
#define PMA_MUTANT(name) 0
#endif

/* ------------------------------------------------------------------------ */
/* Module interfaces                                                        */
/* ------------------------------------------------------------------------ */

/* errormsg.c */
void pma_err(const char *fmt, ...) __attribute__((format(printf, 1, 2))) PMA_HIDDEN;
void pma_err_clear(void) PMA_HIDDEN;
_Noreturn void pma_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2))) PMA_HIDDEN;

/* env.c */
int pma_env_load(struct pma_env *env) PMA_HIDDEN;

/* flush.c */
void pma_flush_select(enum pma_mode mode) PMA_HIDDEN;

/* sim.c: the crash simulator */
extern const struct pma_flush_ops pma_sim_ops PMA_HIDDEN;
int pma_sim_open(struct pma_heap *h) PMA_HIDDEN;
void pma_sim_opened(struct pma_heap *h) PMA_HIDDEN;
int pma_sim_close(struct pma_heap *h) PMA_HIDDEN;
void pma_sim_event(void) PMA_HIDDEN;
void pma_sim_store(uintptr_t addr, size_t len) PMA_HIDDEN;
const char *pma_sim_policy_name(enum pma_sim_policy p) PMA_HIDDEN;

/* pma_sim_tick -- one persistence event (FASE begin or commit) if simulating */
static inline void pma_sim_tick(void) {
  if (unlikely(pma_rt.sim))
    pma_sim_event();
}

/* signals.c: a signal handler arriving while its thread is inside the
 * runtime (in_rt > 0) runs when the thread leaves the runtime */
void pma_sig_run_deferred(struct pma_thread *t) PMA_HIDDEN;

/* hooks.c: the ring of recent hook ranges, saved around a signal handler
 * (whose hooks would push out ranges the interrupted code still relies on) */
/* PMA_RECENT_HOOKS (pmatomic_interface.h, asserted there against the pass's
 * PMA_PASS_HOOKS_BETWEEN): hooks.c indexes the ring modulo it */
_Static_assert((PMA_RECENT_HOOKS & (PMA_RECENT_HOOKS - 1)) == 0,
               "the ring of recent hooks wraps by masking");
struct pma_recent_saved {
  struct pma_range recent[PMA_RECENT_HOOKS], fresh;
  uint32_t nrecent;
  uint64_t dirty_flushes;
};
void pma_recent_save(struct pma_thread *t, struct pma_recent_saved *s) PMA_HIDDEN;
void pma_recent_restore(struct pma_thread *t, const struct pma_recent_saved *s) PMA_HIDDEN;

/* pma_rt_enter -- the thread enters a runtime section that changes its log
 * state (nests): a handler that comes now waits for pma_rt_leave */
static inline void pma_rt_enter(struct pma_thread *t) {
  t->in_rt++;
  atomic_signal_fence(memory_order_seq_cst);
}

/* pma_rt_leave -- the end of a runtime section: at the outermost, run the
 * handlers of the signals that came meanwhile */
static inline void pma_rt_leave(struct pma_thread *t) {
  atomic_signal_fence(memory_order_seq_cst);
  t->in_rt--;
  atomic_signal_fence(memory_order_seq_cst);
  if (unlikely(t->sig_pending) && !t->in_rt)
    pma_sig_run_deferred(t);
}

/* heap.c: the PMA_STATS line (pma_close, whole-heap mode's exit) */
void pma_print_stats(FILE *f) PMA_HIDDEN;

/* region.c */
struct pma_geometry {
  uint64_t nchunks, map_off, data_off;
};
int pma_geometry(size_t size, struct pma_geometry *g) PMA_HIDDEN;
int pma_region_open(struct pma_heap *h, const char *path, size_t size, uintptr_t base,
                    unsigned flags) PMA_HIDDEN;
void pma_region_close(struct pma_heap *h) PMA_HIDDEN;
int pma_region_sync(struct pma_heap *h, const void *addr, size_t len) PMA_HIDDEN;

/* region.c: header validation (also used by `pmatomic info`) */
int pma_header_check(const char *path, const struct pma_header *hdr, off_t fsize) PMA_HIDDEN;

/* recover.c */
int pma_recover(struct pma_heap *h) PMA_HIDDEN;
/* records and bytes the pending FASE of slot s would restore; <0 if corrupt */
int pma_log_pending(struct pma_heap *h, unsigned s, uint64_t *nrec, uint64_t *bytes) PMA_HIDDEN;

/* alloc.c, alloc_open.c */
void pma_classes_init(void) PMA_HIDDEN;
/* reclaim: give every block back (the chunks of live log chains stay) */
int pma_alloc_open(struct pma_heap *h, int reclaim) PMA_HIDDEN;
void pma_alloc_close(struct pma_heap *h) PMA_HIDDEN;
/* is heap offset off the start of a chunk the map and its magic call a log chunk */
int pma_chunk_is_log(struct pma_heap *h, uint64_t off) PMA_HIDDEN;
void pma_alloc_commit_frees(struct pma_thread *t) PMA_HIDDEN;
void pma_alloc_finish_frees(struct pma_thread *t) PMA_HIDDEN;
void pma_alloc_free_blocks(const uintptr_t *blocks, uint32_t n) PMA_HIDDEN;
void pma_alloc_persist_used(struct pma_thread *t, struct pma_heap *h) PMA_HIDDEN;

/* log.c */
/* The log's chunks come from the layer that owns the heap's chunks (alloc.c
 * sets its pair at each open): the log never names its allocator. */
struct pma_log_chunks {
  /* heap offset of a new chunk, marked LOG durably; 0 when the heap is full.
   * Only a slot's first chunk (first) may take the heap's reserve. */
  uint64_t (*take)(struct pma_thread *t, int first);
  /* the chunk at heap offset off is durably on no chain: free it */
  void (*give)(struct pma_thread *t, uint64_t off);
};
void pma_log_set_chunks(const struct pma_log_chunks *c) PMA_HIDDEN;
void pma_log_store(struct pma_thread *t, uintptr_t addr, size_t len) PMA_HIDDEN;
int pma_log_store_nofence(struct pma_thread *t, uintptr_t addr, size_t len) PMA_HIDDEN;
int pma_log_store_nt(struct pma_thread *t, uintptr_t addr, size_t len) PMA_HIDDEN;
int pma_log_multi(struct pma_thread *t, const struct pma_range *r, unsigned n) PMA_HIDDEN;
int pma_log_bytes(struct pma_thread *t, const uintptr_t *z, uint32_t n) PMA_HIDDEN;
void pma_log_alloc_later(struct pma_thread *t, uint8_t *z) PMA_HIDDEN;
void pma_log_multi_fenced(struct pma_thread *t, const struct pma_range *r, unsigned n,
                          int unfenced) PMA_HIDDEN;
void pma_log_settle(struct pma_thread *t) PMA_HIDDEN;
void pma_dirty_add(struct pma_thread *t, uintptr_t addr, size_t len) PMA_HIDDEN;
void pma_dirty_flush(struct pma_thread *t) PMA_HIDDEN;
void pma_log_fase_done(struct pma_thread *t) PMA_HIDDEN;
void pma_log_meta(struct pma_thread *t, uint64_t kind, uint64_t field, const void *data,
                  size_t len) PMA_HIDDEN;
char *pma_log_new_chunk(struct pma_thread *t, uint64_t *link) PMA_HIDDEN;
/* chunks a slot's chain keeps after a trim, and the length that triggers one */
uint32_t pma_log_keep(const struct pma_heap *h) PMA_HIDDEN;
/* cut the chain at *first back to pma_log_keep() chunks (every FASE of the
 * slot retired); returns the chunks given back */
uint32_t pma_log_trim(struct pma_thread *t, uint64_t *first) PMA_HIDDEN;

/* fase.c */
void pma_thread_prepare(struct pma_thread *t) PMA_HIDDEN;
void pma_fase_enter(struct pma_thread *t) PMA_HIDDEN;
/* pma_fase_enter_inline -- the body of pma_fase_enter, for the lock
 * wrappers' hot path: one more lock held; 0 -> 1 is a simulator event */
static inline void pma_fase_enter_inline(struct pma_thread *t) {
  if (t->depth == 0)
    pma_sim_tick();
  t->depth++;
}
/* how a FASE level ends (pma_fase_release) */
enum pma_release {
  PMA_RELEASE_UNLOCK,   /* an unlock or pma_end: one level fewer */
  PMA_RELEASE_WAIT,     /* a condition wait gives its mutex up and takes it back */
  PMA_RELEASE_WAIT_ANY, /* a wait whose mutex the runtime does not know: commit at any depth */
};
void pma_fase_release(struct pma_thread *t, void *lock, enum pma_release how) PMA_HIDDEN;
void pma_fase_leave(struct pma_thread *t) PMA_HIDDEN;
void pma_fase_open_log(struct pma_thread *t) PMA_HIDDEN;
void pma_fase_open(struct pma_heap *h) PMA_HIDDEN;
void pma_fase_close(struct pma_heap *h) PMA_HIDDEN;
int pma_threads_in_fase(void) PMA_HIDDEN;
void pma_stats_reset(void) PMA_HIDDEN;

/* locks.c */
void pma_locks_open(void) PMA_HIDDEN;
void pma_locks_close(void) PMA_HIDDEN;

/* deps.c */
extern _Atomic int pma_dep_live PMA_HIDDEN;

/* A lock-address table (deps.c): an open-addressed map from the address of
 * a lock (or other synchronisation object) to a non-NULL value, with
 * lock-free lookups and inserts under the table's mutex, grown by copying
 * into an array twice the size (old arrays stay until pma_ltab_clear:
 * readers may still be probing them).  One implementation, two tables with
 * different keys and lifetimes: deps.c's published locks (any lock, value
 * its publish entry; cleared at pma_deps_close) and locks.c's in-heap
 * objects this process has used (value the object itself; cleared at every
 * open and close of the mapping). */
struct pma_ltab_ent {
  _Atomic uintptr_t key; /* 0 = empty */
  void *val;             /* written before key is published */
};
struct pma_ltab_arr {
  size_t cap, count;
  struct pma_ltab_arr *older;
  struct pma_ltab_ent e[];
};
struct pma_ltab {
  _Atomic(struct pma_ltab_arr *) cur;
  pthread_mutex_t lock;
  const char *what; /* for the out-of-memory message */
};
#define PMA_LTAB_INIT(what) {NULL, PTHREAD_MUTEX_INITIALIZER, what}

/* pma_ltab_find -- the value of a in tb, NULL if absent (lock-free) */
static inline void *pma_ltab_find(struct pma_ltab *tb, uintptr_t a) {
  struct pma_ltab_arr *s = atomic_load_explicit(&tb->cur, memory_order_acquire);
  if (!s)
    return NULL;
  for (size_t i = (size_t)(((a >> 3) * PMA_P1) >> 20) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
    uintptr_t k = atomic_load_explicit(&s->e[i].key, memory_order_acquire);
    if (k == a)
      return s->e[i].val;
    if (k == 0)
      return NULL;
  }
}
/* the value of a, made by make(a, arg) under tb's mutex if a is absent */
void *pma_ltab_add(struct pma_ltab *tb, uintptr_t a, void *(*make)(uintptr_t a, void *arg),
                   void *arg) PMA_HIDDEN;
/* forget every entry (free_vals: free() the values too) */
void pma_ltab_clear(struct pma_ltab *tb, int free_vals) PMA_HIDDEN;
void pma_dep_release_mid(struct pma_thread *t, void *lock) PMA_HIDDEN;
void pma_dep_release_last(struct pma_thread *t, void *lock) PMA_HIDDEN;
void pma_dep_acquired_slow(struct pma_thread *t, void *lock) PMA_HIDDEN;
void pma_deps_open(struct pma_heap *h) PMA_HIDDEN;
void pma_deps_close(struct pma_heap *h) PMA_HIDDEN;

void pma_dep_on(struct pma_thread *t, unsigned slot, uint64_t seq, uint64_t nrec,
                int mem) PMA_HIDDEN;

/* memdeps.c: dependencies through memory.  The heap's granules of 16 bytes
 * hash into PMA_OWN_CAP writer entries. */
#define PMA_OWN_SHIFT 4
#define PMA_OWN_BITS 12
#define PMA_OWN_CAP (1u << PMA_OWN_BITS)
extern int pma_mem_deps PMA_HIDDEN;    /* atomics make dependencies (not PMA_TEST_NO_*DEPS) */
extern int pma_track_loads PMA_HIDDEN; /* load-tracking mode: plain stores name writers */
unsigned pma_own_lock(uintptr_t a, size_t len, unsigned idx[2]) PMA_HIDDEN;
void pma_own_unlock(const unsigned *idx, unsigned n) PMA_HIDDEN;
void pma_own_depend(struct pma_thread *t, unsigned i) PMA_HIDDEN;
void pma_own_set(struct pma_thread *t, unsigned i) PMA_HIDDEN;
void pma_own_range_load(struct pma_thread *t, uintptr_t s, uintptr_t e) PMA_HIDDEN;
void pma_own_range_store(struct pma_thread *t, uintptr_t s, uintptr_t e) PMA_HIDDEN;
void pma_own_open(struct pma_heap *h) PMA_HIDDEN;

/* pma_dep_acquired -- after any successful acquisition of lock */
static inline void pma_dep_acquired(struct pma_thread *t, void *lock) {
  if (unlikely(atomic_load_explicit(&pma_dep_live, memory_order_relaxed)))
    pma_dep_acquired_slow(t, lock);
}

/* pma_thread_ready -- make sure t is registered and bound to the open heap */
static inline void pma_thread_ready(struct pma_thread *t) {
  if (unlikely(!t->registered || t->epoch != pma_rt.epoch))
    pma_thread_prepare(t);
}

#endif /* PMA_INTERNAL_H */
