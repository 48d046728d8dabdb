/*
 * lockforms.c -- wrappers for the lock forms beside pthread mutexes:
 * rwlocks, spinlocks, clock-based mutex and condition waits, and C11
 * <threads.h> mutexes and condition variables (design.md section 1)
 *
 * Same rules as the mutex wrappers in locks.c: each returns exactly what the
 * wrapped call returns; a successful acquisition adds one to the FASE depth;
 * the outermost release commits the FASE before the lock is released; a
 * write lock (or spinlock, or C11 mutex) released while other locks are held
 * stays held until the commit (deferred release).  A *read* lock released in
 * the middle of a FASE is released at once: readers publish nothing, so a
 * writer that takes the lock next cannot see data of ours that a rollback
 * could take back (writing shared data under a read lock alone is a data race
 * with or without pmatomic).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "locks.h"
#include "pmatomic_interface.h"

/* my_tid -- the calling thread's kernel id, cached */
static inline pid_t my_tid(struct pma_thread *t) {
  if (!t->tid)
    t->tid = gettid();
  return t->tid;
}

/* took -- after an acquiring call: enter the FASE if it succeeded */
static inline int took(struct pma_thread *t, int rc, int success) {
  if (rc == success)
    pma_fase_enter(t);
  return rc;
}

/* reenter -- a lock on our own deferred list is still ours: take it back */
static inline int reenter(struct pma_thread *t, void *lock, enum pma_lock_kind kind) {
  if (likely(!t->ndlocks) || !pma_deferred_take(t, lock, kind))
    return 0;
  t->depth++;
  return 1;
}

/* release -- the common unlock rule; real_unlock does the actual release.
 * deferrable: whether an inner release must wait for the commit. */
static int release(struct pma_thread *t, void *lock, enum pma_lock_kind kind, int deferrable,
                   int (*real_unlock)(void *), int ok) {
  if (t->depth == 0) /* taken by uninstrumented code */
    return real_unlock(lock);
  if (t->depth > 1) {
    t->depth--;
    if (!deferrable)
      return real_unlock(lock);
    pma_deferred_add(t, lock, kind);
    return ok;
  }
  pma_fase_commit(t);
  pma_locks_release_deferred(t);
  t->depth = 0;
  return real_unlock(lock);
}

/* ------------------------------------------------------------ mutexes */

/* __pma_mutex_clocklock -- pthread_mutex_clocklock; depth grows on success */
PMA_EXPORT int __pma_mutex_clocklock(void *mutex, int clockid, const struct timespec *abstime) {
  struct pma_thread *t = pma_self();
  if (reenter(t, mutex, PMA_LK_MUTEX))
    return 0;
  pma_lock_first_use(t, mutex, PMA_LK_MUTEX);
  int rc = pthread_mutex_clocklock(mutex, clockid, abstime);
  if (rc == EOWNERDEAD)
    pma_fase_enter(t);
  return took(t, rc, 0);
}

/* __pma_cond_clockwait -- pthread_cond_clockwait that commits the FASE first */
PMA_EXPORT int __pma_cond_clockwait(void *cond, void *mutex, int clockid,
                                    const struct timespec *abstime) {
  pma_fase_split(pma_self());
  return pthread_cond_clockwait(cond, mutex, clockid, abstime);
}

/* __pma_before_wait -- inserted before condition waits the pass cannot
 * rewrite (std::condition_variable::wait lives in libstdc++.so) */
PMA_EXPORT void __pma_before_wait(void) { pma_fase_split(pma_self()); }

/* ------------------------------------------------------------ rwlocks */

/* rw_unlock -- pthread_rwlock_unlock as an int (*)(void *) */
static int rw_unlock(void *rw) { return pthread_rwlock_unlock(rw); }

/* ACQUIRE -- define wrapper NAME(lock, ...) for one acquiring call: a lock on
 * our own deferred list is taken back at once; otherwise reset it if a crash
 * left it held, make CALL, and enter the FASE when CALL returns OK */
#define ACQUIRE(NAME, KIND, OK, CALL, ...)                                      \
  PMA_EXPORT int NAME(void *lock, ##__VA_ARGS__) {                             \
    struct pma_thread *t = pma_self();                                         \
    if (reenter(t, lock, KIND))                                                \
      return OK;                                                               \
    pma_lock_first_use(t, lock, KIND);                                         \
    return took(t, CALL, OK);                                                  \
  }

/* rwlocks: read and write acquisitions both count as a lock held */
ACQUIRE(__pma_rwlock_rdlock, PMA_LK_RWLOCK, 0, pthread_rwlock_rdlock(lock))
ACQUIRE(__pma_rwlock_tryrdlock, PMA_LK_RWLOCK, 0, pthread_rwlock_tryrdlock(lock))
ACQUIRE(__pma_rwlock_timedrdlock, PMA_LK_RWLOCK, 0, pthread_rwlock_timedrdlock(lock, abstime),
        const struct timespec *abstime)
ACQUIRE(__pma_rwlock_clockrdlock, PMA_LK_RWLOCK, 0,
        pthread_rwlock_clockrdlock(lock, clockid, abstime), int clockid,
        const struct timespec *abstime)
ACQUIRE(__pma_rwlock_wrlock, PMA_LK_RWLOCK, 0, pthread_rwlock_wrlock(lock))
ACQUIRE(__pma_rwlock_trywrlock, PMA_LK_RWLOCK, 0, pthread_rwlock_trywrlock(lock))
ACQUIRE(__pma_rwlock_timedwrlock, PMA_LK_RWLOCK, 0, pthread_rwlock_timedwrlock(lock, abstime),
        const struct timespec *abstime)
ACQUIRE(__pma_rwlock_clockwrlock, PMA_LK_RWLOCK, 0,
        pthread_rwlock_clockwrlock(lock, clockid, abstime), int clockid,
        const struct timespec *abstime)

/* __pma_rwlock_unlock -- a write release in the middle of a FASE is
 * deferred, a read release is not (see the top of this file) */
PMA_EXPORT int __pma_rwlock_unlock(void *rw) {
  struct pma_thread *t = pma_self();
  pthread_rwlock_t *l = rw;
  int writer = t->depth > 1 &&
               __atomic_load_n(&l->__data.__cur_writer, __ATOMIC_RELAXED) == my_tid(t);
  return release(t, rw, PMA_LK_RWLOCK, writer, rw_unlock, 0);
}

/* ---------------------------------------------------------- spinlocks */

/* spin_unlock -- pthread_spin_unlock as an int (*)(void *) */
static int spin_unlock(void *s) { return pthread_spin_unlock(s); }

ACQUIRE(__pma_spin_lock, PMA_LK_SPIN, 0, pthread_spin_lock(lock))
ACQUIRE(__pma_spin_trylock, PMA_LK_SPIN, 0, pthread_spin_trylock(lock))

/* __pma_spin_unlock -- inner release deferred, outermost commits */
PMA_EXPORT int __pma_spin_unlock(void *s) {
  return release(pma_self(), s, PMA_LK_SPIN, 1, spin_unlock, 0);
}

/* ------------------------------------------------------- C11 threads.h */

/* glibc's mtx_t is a pthread_mutex_t: the deferred list and the lazy reset
 * treat it as one. */
_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread mutex");

/* mtx_unlock_fn -- mtx_unlock as an int (*)(void *) */
static int mtx_unlock_fn(void *m) { return mtx_unlock(m); }

ACQUIRE(__pma_mtx_lock, PMA_LK_MUTEX, thrd_success, mtx_lock(lock))
ACQUIRE(__pma_mtx_trylock, PMA_LK_MUTEX, thrd_success, mtx_trylock(lock))
ACQUIRE(__pma_mtx_timedlock, PMA_LK_MUTEX, thrd_success, mtx_timedlock(lock, abstime),
        const struct timespec *abstime)

/* __pma_mtx_unlock -- C11 mtx_unlock: inner release deferred */
PMA_EXPORT int __pma_mtx_unlock(void *m) {
  return release(pma_self(), m, PMA_LK_MUTEX, 1, mtx_unlock_fn, thrd_success);
}

/* __pma_cnd_wait -- C11 cnd_wait that commits the FASE first */
PMA_EXPORT int __pma_cnd_wait(void *c, void *m) {
  pma_fase_split(pma_self());
  return cnd_wait(c, m);
}

/* __pma_cnd_timedwait -- C11 cnd_timedwait that commits the FASE first */
PMA_EXPORT int __pma_cnd_timedwait(void *c, void *m, const struct timespec *abstime) {
  pma_fase_split(pma_self());
  return cnd_timedwait(c, m, abstime);
}
