/*
 * pmatomic_interface.h -- entry points inserted by the pmatomic LLVM pass
 *
 * Rule: every function declared here is called by code the pass inserts, not
 * by hand-written code.  Programs use pmatomic.h.  The pass and this header
 * must agree; test/pass/ checks the names and signatures.
 *
 * Store hooks run *before* the store they protect: inside a FASE they save the
 * old bytes of [addr, addr+size) in the thread's undo log; outside a FASE they
 * only note the line for a later flush.  Addresses outside the heap return at
 * once (the runtime's range check is the final word on what is persistent).
 * Sizes are always in bytes.
 */
#ifndef PMATOMIC_INTERFACE_H
#define PMATOMIC_INTERFACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Store hooks by access size: the pass picks index log2(size). */
void __pma_store1(void *addr);
void __pma_store2(void *addr);
void __pma_store4(void *addr);
void __pma_store8(void *addr);
void __pma_store16(void *addr);
/* Any other size (vectors, aggregates, memset/memcpy/memmove, libc writers). */
void __pma_store_n(void *addr, size_t size);

/* One hook for several stores of a basic block (pass/LogOpt.cpp): n ranges,
 * in the order the stores write them, with no FASE boundary in between.
 * Inside a FASE the ranges whose bytes are not yet logged go into one
 * multi-range undo record, made durable with one fence.  PMA_SPAN_NT in len
 * marks the destination of a memcpy/memmove/memset that still calls
 * __pma_memcpy & co. (which finds its bytes logged): skipped when that call
 * will write non-temporally and log for itself. */
struct __pma_span {
  void *addr;
  size_t len;
};
#define PMA_SPAN_NT ((size_t)1 << 63)
void __pma_store_v(const struct __pma_span *v, size_t n);

/* The pass builds the __pma_store_v argument array itself, word by word (a
 * word is a size_t, the target's intptr): these say where each field sits,
 * and the asserts below break the build of either side if the struct drifts. */
#define PMA_SPAN_WORDS 2u     /* sizeof(struct __pma_span) in words */
#define PMA_SPAN_ADDR_WORD 0u /* word index of addr */
#define PMA_SPAN_LEN_WORD 1u  /* word index of len */

/* The bounds the pass and the runtime hold each other to (a drift is a silent
 * durability bug, so each is checked at compile time, here and on each side):
 * - PMA_MULTI_MAX: the most ranges the runtime logs in one multi-range undo
 *   record (more are split into groups); PMA_PASS_MULTI_RANGES: the most one
 *   __pma_store_v call of the pass carries.
 * - PMA_RECENT_HOOKS: the runtime's per-thread ring of the ranges of the
 *   latest hook calls, noted again when the dirty list overflows and is
 *   flushed early (runtime/hooks.c); PMA_PASS_HOOKS_BETWEEN: the most hook
 *   calls the pass lets run between a hook and a write that relies on its
 *   range being noted, on each of the two legs of a covered batch (batch hook
 *   -> covering store, covering store -> elided store; pass/LogOpt.cpp).  A
 *   multi-range call notes one ring entry per range, so up to
 *   PMA_PASS_MULTI_RANGES - 1 entries follow the one a write relies on, and
 *   that plus 3 * PMA_PASS_HOOKS_BETWEEN entries must fit in the ring. */
#define PMA_MULTI_MAX 16u
#define PMA_PASS_MULTI_RANGES 8u
#define PMA_RECENT_HOOKS 32u
#define PMA_PASS_HOOKS_BETWEEN 8u

#ifdef __cplusplus
#define PMA_INTERFACE_ASSERT(c, m) static_assert(c, m)
#else
#define PMA_INTERFACE_ASSERT(c, m) _Static_assert(c, m)
#endif
PMA_INTERFACE_ASSERT(sizeof(void *) == sizeof(size_t),
                     "a span word holds a pointer and a size_t alike");
PMA_INTERFACE_ASSERT(sizeof(struct __pma_span) == PMA_SPAN_WORDS * sizeof(size_t),
                     "struct __pma_span is PMA_SPAN_WORDS words");
PMA_INTERFACE_ASSERT(offsetof(struct __pma_span, addr) ==
                         PMA_SPAN_ADDR_WORD * sizeof(size_t),
                     "struct __pma_span: addr at word PMA_SPAN_ADDR_WORD");
PMA_INTERFACE_ASSERT(offsetof(struct __pma_span, len) ==
                         PMA_SPAN_LEN_WORD * sizeof(size_t),
                     "struct __pma_span: len at word PMA_SPAN_LEN_WORD");
PMA_INTERFACE_ASSERT(PMA_SPAN_NT == (size_t)1 << (8 * sizeof(size_t) - 1),
                     "PMA_SPAN_NT is the sign bit of len (the pass sets it so)");
PMA_INTERFACE_ASSERT(PMA_PASS_MULTI_RANGES <= PMA_MULTI_MAX,
                     "a __pma_store_v call of the pass fits one undo record");
PMA_INTERFACE_ASSERT((PMA_RECENT_HOOKS & (PMA_RECENT_HOOKS - 1)) == 0,
                     "the ring of recent hooks is indexed modulo a power of 2");
PMA_INTERFACE_ASSERT(PMA_PASS_MULTI_RANGES - 1 + 3 * PMA_PASS_HOOKS_BETWEEN <
                         PMA_RECENT_HOOKS,
                     "the ring of recent hooks outlasts the hooks the pass "
                     "lets run between a hook and a write relying on it");

/* A block from pma_malloc, pma_calloc or pma_realloc shorter than this is
 * noted whole for the commit's flush, so the pass may leave writes into it
 * in the allocating function without a hook (fresh-block elision); a larger
 * one is not, and the pass elides nothing into a block it cannot prove
 * shorter (pass/PmAtomic.h static_asserts its FreshNotedMax against it). */
#define PMA_FRESH_NOTE_MAX 65536u

/* Replacements of memcpy/memmove/memset (the intrinsics and the libc calls)
 * whose length is not a constant below 1024: same arguments and return value
 * as the libc functions.  In pmem and sim modes, inside a FASE, a write of at
 * least PMA_NT_THRESHOLD bytes that lies in the heap is logged, then written
 * with non-temporal stores that the commit's fence drains; anything else is
 * __pma_store_n(dst, n) followed by the libc function. */
void *__pma_memcpy(void *dst, const void *src, size_t n);
void *__pma_memmove(void *dst, const void *src, size_t n);
void *__pma_memset(void *dst, int c, size_t n);

/* libc string writers whose length is known only at run time. */
void __pma_store_strcpy(char *dst, const char *src);          /* strcpy, stpcpy */
void __pma_store_strcat(char *dst, const char *src);          /* strcat */
void __pma_store_strncat(char *dst, const char *src, size_t n); /* strncat */
/* Their wchar_t forms (lengths in elements of 4 bytes). */
void __pma_store_wcscpy(wchar_t *dst, const wchar_t *src);          /* wcscpy, wcpcpy */
void __pma_store_wcscat(wchar_t *dst, const wchar_t *src);          /* wcscat */
void __pma_store_wcsncat(wchar_t *dst, const wchar_t *src, size_t n); /* wcsncat */

/* Atomics (design.md section 1, "Atomics and racy reads"): an atomic store,
 * atomicrmw or cmpxchg gets __pma_atomic_begin(addr, size) before it -- which
 * logs like a store hook, links the FASE to the unretired FASE that last
 * wrote those bytes with an atomic, and keeps them locked against other
 * atomic writers -- and __pma_atomic_end() right after it.  An atomic load
 * gets __pma_atomic_load(addr, size) after it, which links the FASE to that
 * writer.  Outside a FASE they cost a range check. */
void __pma_atomic_begin(void *addr, size_t size);
void __pma_atomic_end(void);
void __pma_atomic_load(void *addr, size_t size);

/* The load-tracking mode (-fplugin-arg-pmatomic-track-loads) for programs
 * whose FASEs read data other FASEs wrote without a lock or atomic between
 * them: every plain load that may read the heap gets __pma_load(addr, size)
 * after it, and each module compiled so runs __pma_track_loads_init() as a
 * constructor, which makes the store hooks name their FASE as the writer. */
void __pma_load(void *addr, size_t size);
void __pma_track_loads_init(void);

/* Lock wrappers: same signatures and return values as the functions they
 * replace (the mutex is passed as void * so this header needs no
 * <pthread.h>); they track the FASE depth of the calling thread and commit the
 * FASE at the outermost release, before the lock is released. */
struct timespec;
int __pma_mutex_lock(void *mutex);
int __pma_mutex_trylock(void *mutex);
int __pma_mutex_timedlock(void *mutex, const struct timespec *abstime);
int __pma_mutex_unlock(void *mutex);

/* Condition waits release the mutex while waiting: the wrappers commit the
 * FASE (and release the mutexes whose release was deferred) before calling
 * pthread_cond_wait/timedwait; the depth is unchanged, so the locks still
 * held after the wait form a new FASE. */
int __pma_cond_wait(void *cond, void *mutex);
int __pma_cond_timedwait(void *cond, void *mutex, const struct timespec *abstime);
/* Inserted before calls of condition waits compiled elsewhere (C++
 * std::condition_variable::wait in libstdc++.so): commits the FASE. */
void __pma_before_wait(void);
int __pma_mutex_clocklock(void *mutex, int clockid, const struct timespec *abstime);
int __pma_cond_clockwait(void *cond, void *mutex, int clockid, const struct timespec *abstime);

/* rwlocks: a read lock counts as a lock held, but its release in the middle
 * of a FASE is not deferred (readers publish nothing); a write release is. */
int __pma_rwlock_rdlock(void *rwlock);
int __pma_rwlock_tryrdlock(void *rwlock);
int __pma_rwlock_timedrdlock(void *rwlock, const struct timespec *abstime);
int __pma_rwlock_clockrdlock(void *rwlock, int clockid, const struct timespec *abstime);
int __pma_rwlock_wrlock(void *rwlock);
int __pma_rwlock_trywrlock(void *rwlock);
int __pma_rwlock_timedwrlock(void *rwlock, const struct timespec *abstime);
int __pma_rwlock_clockwrlock(void *rwlock, int clockid, const struct timespec *abstime);
int __pma_rwlock_unlock(void *rwlock);

/* spinlocks */
int __pma_spin_lock(void *lock);
int __pma_spin_trylock(void *lock);
int __pma_spin_unlock(void *lock);

/* C11 <threads.h>: return thrd_success etc. like the originals */
int __pma_mtx_lock(void *mtx);
int __pma_mtx_trylock(void *mtx);
int __pma_mtx_timedlock(void *mtx, const struct timespec *abstime);
int __pma_mtx_unlock(void *mtx);
int __pma_cnd_wait(void *cnd, void *mtx);
int __pma_cnd_timedwait(void *cnd, void *mtx, const struct timespec *abstime);
int __pma_cnd_signal(void *cnd);
int __pma_cnd_broadcast(void *cnd);
void __pma_cnd_destroy(void *cnd);

/* Calls on in-heap synchronisation objects that delimit no FASE but must
 * reset what a crashed process left in the object on its first use in this
 * process (dead waiters of a condition variable, barrier or semaphore; a
 * mutex destroyed without being locked): the wrappers do the reset, then
 * the call (design.md section 1). */
int __pma_cond_signal(void *cond);
int __pma_cond_broadcast(void *cond);
int __pma_cond_destroy(void *cond);
/* Inserted before calls of std::condition_variable members compiled into
 * libstdc++.so (wait, notify_one, notify_all, the destructor). */
void __pma_cond_use(void *cond);
int __pma_mutex_destroy(void *mutex);
int __pma_barrier_wait(void *barrier);
int __pma_barrier_destroy(void *barrier);
int __pma_sem_wait(void *sem);
int __pma_sem_trywait(void *sem);
int __pma_sem_timedwait(void *sem, const struct timespec *abstime);
int __pma_sem_clockwait(void *sem, int clockid, const struct timespec *abstime);
int __pma_sem_post(void *sem);

#ifdef __cplusplus
}
#endif
#endif /* PMATOMIC_INTERFACE_H */
