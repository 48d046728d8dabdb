/*
 * lockforms.c -- wrappers for the lock forms beside pthread mutexes:
 * rwlocks, spinlocks, clock-based mutex and condition waits, and C11
 * <threads.h> mutexes and condition variables (design.md section 1); and
 * the calls on condition variables, barriers and semaphores that only reset
 * an in-heap object a crashed process left in use (they delimit no FASE)
 *
 * Same rules as the mutex wrappers in locks.c: each returns exactly what the
 * wrapped call returns; a successful acquisition adds one to the FASE depth
 * and records a dependency if the lock's last releaser has not retired; the
 * outermost release commits the FASE before the lock is released; a write
 * lock (or spinlock, or C11 mutex) released while other locks are held is
 * published (deps.c).  A *read* lock is never published: readers publish
 * nothing, so a writer that takes the lock next cannot see data of ours that
 * a rollback could take back (writing shared data under a read lock alone is
 * a data race with or without pmatomic).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
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
static inline int took(struct pma_thread *t, void *lock, int rc, int success) {
  if (rc == success)
    pma_lock_entered(t, lock);
  return rc;
}

/* release -- the common unlock rule; real_unlock does the actual release.
 * publish: whether a reader of the lock after us could see our data. */
static int release(struct pma_thread *t, void *lock, int publish, int (*real_unlock)(void *)) {
  if (t->depth == 0) /* taken by uninstrumented code */
    return real_unlock(lock);
  pma_rt_enter(t); /* a handler that comes meanwhile waits (signals.c) */
  pma_fase_release(t, publish ? lock : NULL, PMA_RELEASE_UNLOCK);
  int rc = real_unlock(lock);
  pma_rt_leave(t);
  return rc;
}

/* ------------------------------------------------------------ mutexes */

/* __pma_mutex_clocklock -- pthread_mutex_clocklock; depth grows on success */
PMA_EXPORT int __pma_mutex_clocklock(void *mutex, int clockid, const struct timespec *abstime) {
  struct pma_thread *t = pma_self();
  pma_lock_first_use(t, mutex, PMA_LK_MUTEX);
  int rc = pthread_mutex_clocklock(mutex, clockid, abstime);
  if (rc == EOWNERDEAD)
    pma_lock_entered(t, mutex);
  return took(t, mutex, rc, 0);
}

/* __pma_cond_clockwait -- pthread_cond_clockwait: commit or publish first */
PMA_EXPORT int __pma_cond_clockwait(void *cond, void *mutex, int clockid,
                                    const struct timespec *abstime) {
  struct pma_thread *t = pma_self();
  pma_lock_first_use(t, cond, PMA_LK_COND);
  pma_wait_release(t, mutex);
  int rc = pthread_cond_clockwait(cond, mutex, clockid, abstime);
  pma_wait_returned(t, mutex);
  return rc;
}

/* __pma_before_wait -- inserted before condition waits the pass cannot
 * rewrite (std::condition_variable::wait lives in libstdc++.so): the mutex
 * is unknown here, so the FASE commits whatever the depth (the locks still
 * held start a new one); design.md section 1 says what that leaves out */
PMA_EXPORT void __pma_before_wait(void) {
  struct pma_thread *t = pma_self();
  if (t->depth) {
    pma_rt_enter(t);
    pma_fase_release(t, NULL, PMA_RELEASE_WAIT_ANY);
    pma_rt_leave(t);
  }
}

/* __pma_cond_use -- inserted before the calls of std::condition_variable
 * members compiled into libstdc++.so (wait, notify_one, notify_all, the
 * destructor) with the object, whose first member is its pthread_cond_t:
 * the lazy reset, so that a wait compiled there is known to the set before
 * an inline wait_for resets the condition variable under it */
PMA_EXPORT void __pma_cond_use(void *cond) { pma_lock_first_use(pma_self(), cond, PMA_LK_COND); }

/* USE -- define wrapper NAME(obj, ...) for a call that only needs the lazy
 * reset of obj (an object of KIND) before CALL: condition signals,
 * barriers, semaphores, destroys.  None of them starts or ends a FASE. */
#define USE(RET, NAME, KIND, CALL, ...)                                         \
  PMA_EXPORT RET NAME(void *obj, ##__VA_ARGS__) {                               \
    pma_lock_first_use(pma_self(), obj, KIND);                                 \
    return CALL;                                                               \
  }

/* A dead waiter's references keep glibc's signal waiting for its group to
 * drain (__condvar_quiesce_and_switch_g1) and destroy for the references to
 * drop: both hang unless the condition variable is reset first. */
USE(int, __pma_cond_signal, PMA_LK_COND, pthread_cond_signal(obj))
USE(int, __pma_cond_broadcast, PMA_LK_COND, pthread_cond_broadcast(obj))
USE(int, __pma_cond_destroy, PMA_LK_COND, pthread_cond_destroy(obj))
/* destroy of a mutex a dead thread held would say EBUSY */
USE(int, __pma_mutex_destroy, PMA_LK_MUTEX, pthread_mutex_destroy(obj))

/* Barriers: dead arrivals would complete the next round early (and leave
 * the later arrivals waiting for a round that never fills); destroy would
 * wait for them to leave. */
USE(int, __pma_barrier_wait, PMA_LK_BARRIER, pthread_barrier_wait(obj))
USE(int, __pma_barrier_destroy, PMA_LK_BARRIER, pthread_barrier_destroy(obj))

/* Semaphores: the reset clears the waiter count the dead waiters left
 * (every later post would make a futex wake call for them); the value
 * stays as the crash left it (design.md section 1). */
USE(int, __pma_sem_wait, PMA_LK_SEM, sem_wait(obj))
USE(int, __pma_sem_trywait, PMA_LK_SEM, sem_trywait(obj))
USE(int, __pma_sem_timedwait, PMA_LK_SEM, sem_timedwait(obj, abstime),
    const struct timespec *abstime)
USE(int, __pma_sem_clockwait, PMA_LK_SEM, sem_clockwait(obj, clockid, abstime), int clockid,
    const struct timespec *abstime)
USE(int, __pma_sem_post, PMA_LK_SEM, sem_post(obj))

/* ------------------------------------------------------------ rwlocks */

/* rw_unlock -- pthread_rwlock_unlock as an int (*)(void *) */
static int rw_unlock(void *rw) { return pthread_rwlock_unlock(rw); }

/* ACQUIRE -- define wrapper NAME(lock, ...) for one acquiring call: reset
 * the lock if a crash left it held, make CALL, and enter the FASE when CALL
 * returns OK */
#define ACQUIRE(NAME, KIND, OK, CALL, ...)                                      \
  PMA_EXPORT int NAME(void *lock, ##__VA_ARGS__) {                             \
    struct pma_thread *t = pma_self();                                         \
    pma_lock_first_use(t, lock, KIND);                                         \
    return took(t, lock, CALL, OK);                                            \
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

/* __pma_rwlock_unlock -- a write release is published, a read release is
 * not (see the top of this file) */
PMA_EXPORT int __pma_rwlock_unlock(void *rw) {
  struct pma_thread *t = pma_self();
  pthread_rwlock_t *l = rw;
  int writer = t->depth && __atomic_load_n(&l->__data.__cur_writer, __ATOMIC_RELAXED) == my_tid(t);
  return release(t, rw, writer, rw_unlock);
}

/* ---------------------------------------------------------- spinlocks */

/* spin_unlock -- pthread_spin_unlock as an int (*)(void *) */
static int spin_unlock(void *s) { return pthread_spin_unlock(s); }

ACQUIRE(__pma_spin_lock, PMA_LK_SPIN, 0, pthread_spin_lock(lock))
ACQUIRE(__pma_spin_trylock, PMA_LK_SPIN, 0, pthread_spin_trylock(lock))

/* __pma_spin_unlock -- inner release published, outermost commits */
PMA_EXPORT int __pma_spin_unlock(void *s) { return release(pma_self(), s, 1, spin_unlock); }

/* ------------------------------------------------------- C11 threads.h */

/* glibc's mtx_t is a pthread_mutex_t: the lazy reset treats it as one. */
_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread mutex");

/* mtx_unlock_fn -- mtx_unlock as an int (*)(void *) */
static int mtx_unlock_fn(void *m) { return mtx_unlock(m); }

ACQUIRE(__pma_mtx_lock, PMA_LK_MUTEX, thrd_success, mtx_lock(lock))
ACQUIRE(__pma_mtx_trylock, PMA_LK_MUTEX, thrd_success, mtx_trylock(lock))
ACQUIRE(__pma_mtx_timedlock, PMA_LK_MUTEX, thrd_success, mtx_timedlock(lock, abstime),
        const struct timespec *abstime)

/* __pma_mtx_unlock -- C11 mtx_unlock: inner release published */
PMA_EXPORT int __pma_mtx_unlock(void *m) { return release(pma_self(), m, 1, mtx_unlock_fn); }

/* C11 condition variables are glibc condition variables */
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t is a pthread condition variable");
USE(int, __pma_cnd_signal, PMA_LK_COND, cnd_signal(obj))
USE(int, __pma_cnd_broadcast, PMA_LK_COND, cnd_broadcast(obj))

/* __pma_cnd_destroy -- C11 cnd_destroy (void) after the lazy reset */
PMA_EXPORT void __pma_cnd_destroy(void *c) {
  pma_lock_first_use(pma_self(), c, PMA_LK_COND);
  cnd_destroy(c);
}

/* __pma_cnd_wait -- C11 cnd_wait: commit or publish first */
PMA_EXPORT int __pma_cnd_wait(void *c, void *m) {
  struct pma_thread *t = pma_self();
  pma_lock_first_use(t, c, PMA_LK_COND);
  pma_wait_release(t, m);
  int rc = cnd_wait(c, m);
  pma_wait_returned(t, m);
  return rc;
}

/* __pma_cnd_timedwait -- C11 cnd_timedwait: commit or publish first */
PMA_EXPORT int __pma_cnd_timedwait(void *c, void *m, const struct timespec *abstime) {
  struct pma_thread *t = pma_self();
  pma_lock_first_use(t, c, PMA_LK_COND);
  pma_wait_release(t, m);
  int rc = cnd_timedwait(c, m, abstime);
  pma_wait_returned(t, m);
  return rc;
}
