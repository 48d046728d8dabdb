/*
 * locks.c -- the wrappers of every lock form the pass substitutes (pthread
 * mutexes, rwlocks, spinlocks, condition waits, C11 <threads.h> mutexes and
 * condition variables), and the lazy reset of the locks and other
 * synchronisation objects (condition variables, barriers, semaphores) that
 * live in the heap (design.md section 1)
 *
 * Every form follows the same rules, written once below: each wrapper
 * returns exactly what the wrapped call returns; a successful acquisition
 * (ACQUIRE) adds one to the FASE depth and records a dependency if the
 * lock's last releaser has not retired; every release (release, and a
 * condition wait's wait_release) goes through the FASE's one release rule,
 * pma_fase_release (fase.c), before the real unlock: the outermost release
 * commits the FASE, an inner one publishes the lock (deps.c).  A *read* lock
 * is never published: readers publish nothing, so a writer that takes the
 * lock next cannot see data of ours that a rollback could take back
 * (writing shared data under a read lock alone is a data race with or
 * without pmatomic).  The calls on condition variables, barriers and
 * semaphores that delimit no FASE (USE) only reset an in-heap object a
 * crashed process left in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pmatomic_interface.h"

/* Kinds of in-heap synchronisation objects: how to reset what a crashed
 * process left in one (lock_reset). */
enum pma_lock_kind {
  PMA_LK_MUTEX = 0,   /* pthread_mutex_t, C11 mtx_t */
  PMA_LK_RWLOCK = 1,  /* pthread_rwlock_t */
  PMA_LK_SPIN = 2,    /* pthread_spinlock_t */
  PMA_LK_COND = 3,    /* pthread_cond_t, C11 cnd_t */
  PMA_LK_BARRIER = 4, /* pthread_barrier_t */
  PMA_LK_SEM = 5,     /* sem_t */
};

/* The lazy reset writes glibc's mutex fields by name; pin the layout the
 * design relies on (x86-64 glibc: 40-byte mutex, __list at 24). */
#if defined(__x86_64__)
_Static_assert(sizeof(pthread_mutex_t) == 40, "glibc x86-64 pthread_mutex_t is 40 bytes");
_Static_assert(offsetof(struct __pthread_mutex_s, __lock) == 0, "glibc mutex __lock");
_Static_assert(offsetof(struct __pthread_mutex_s, __count) == 4, "glibc mutex __count");
_Static_assert(offsetof(struct __pthread_mutex_s, __owner) == 8, "glibc mutex __owner");
_Static_assert(offsetof(struct __pthread_mutex_s, __nusers) == 12, "glibc mutex __nusers");
_Static_assert(offsetof(struct __pthread_mutex_s, __kind) == 16, "glibc mutex __kind");
_Static_assert(offsetof(struct __pthread_mutex_s, __list) == 24, "glibc mutex __list");
_Static_assert(sizeof(pthread_cond_t) == 48, "glibc x86-64 pthread_cond_t is 48 bytes");
_Static_assert(offsetof(struct __pthread_cond_s, __g_refs) == 16, "glibc cond __g_refs");
_Static_assert(offsetof(struct __pthread_cond_s, __wrefs) == 36, "glibc cond __wrefs");
_Static_assert(offsetof(struct __pthread_cond_s, __g_signals) == 40, "glibc cond __g_signals");
_Static_assert(sizeof(pthread_barrier_t) == 32, "glibc x86-64 pthread_barrier_t is 32 bytes");
_Static_assert(sizeof(sem_t) == 32, "glibc x86-64 sem_t is 32 bytes");
#endif

/* COND_FLAGS -- the bits of glibc's __wrefs that pthread_cond_init sets
 * (bit 0 process-shared, bit 1 CLOCK_MONOTONIC); the rest of __wrefs is the
 * waiter reference count and destroy's wake-request bit, and every other
 * field is waiter state (sequence, groups, signals), all 0 after init. */
#define COND_FLAGS 3u

/* glibc's struct pthread_barrier (nptl/pthreadP.h, glibc >= 2.23), which
 * pthread_barrier_t hides: IN counts arrivals, CURRENT_ROUND and OUT the
 * rounds completed and the threads that left; COUNT and SHARED are set by
 * pthread_barrier_init and kept. */
struct glibc_barrier {
  unsigned int in, current_round, count;
  int shared;
  unsigned int out;
};
_Static_assert(sizeof(struct glibc_barrier) <= sizeof(pthread_barrier_t), "barrier layout");

/* glibc's struct new_sem with 64-bit atomics (nptl/semaphoreP.h): the value
 * in the low 32 bits of DATA, the number of waiters in the high 32. */
struct glibc_sem {
  uint64_t data;
  int private_;
  int pad;
};
#define SEM_VALUE_MASK 0xffffffffull
_Static_assert(sizeof(struct glibc_sem) <= sizeof(sem_t), "sem_t layout");

/* glibc __kind bits: low 2 bits the type, then robust (16) and PI (32). */
#define KIND_TYPE(k) ((k) & 3)
#define KIND_ROBUST 16
#define KIND_PI 32

/* ------------------------------------------------ in-heap objects used */

/* Addresses of in-heap mutexes (and other synchronisation objects, see
 * lock_reset) this process has used, so they cannot hold leftovers of a
 * crashed process: a lock-address table (deps.c) whose values are the
 * objects themselves. */
static struct pma_ltab seen = PMA_LTAB_INIT("in-heap synchronisation object");

/* SPIN_UNLOCKED -- the value of a free pthread_spinlock_t: glibc's x86
 * spinlock takes the lock by decrementing 1 to 0, the generic one by
 * exchanging 0 for 1 */
#if defined(__x86_64__) || defined(__i386__)
#define SPIN_UNLOCKED 1
#else
#define SPIN_UNLOCKED 0
#endif

/* lock_reset -- clear the state a crashed process left in an in-heap
 * synchronisation object, keeping what its init set: a mutex keeps its kind,
 * an rwlock its flags (preference, process-shared), a condition variable its
 * clock and process-shared bits, a barrier its count and process-shared flag,
 * a semaphore its value (design.md section 1 says why).  Not logged: like
 * any store outside a FASE it becomes durable by the thread's next commit,
 * and until then a crash leaves a state the next process resets again. */
static void lock_reset(struct pma_thread *t, void *lock, enum pma_lock_kind kind) {
  size_t len;
  switch (kind) {
  case PMA_LK_MUTEX: {
    pthread_mutex_t *m = lock;
    m->__data.__lock = 0;
    m->__data.__count = 0;
    m->__data.__owner = 0;
    m->__data.__nusers = 0;
#if defined(__x86_64__)
    m->__data.__list.__prev = NULL;
    m->__data.__list.__next = NULL;
#endif
    len = sizeof *m;
    break;
  }
  case PMA_LK_RWLOCK: {
    pthread_rwlock_t *rw = lock;
    rw->__data.__readers = 0;
    rw->__data.__writers = 0;
    rw->__data.__wrphase_futex = 0;
    rw->__data.__writers_futex = 0;
    rw->__data.__cur_writer = 0;
    len = sizeof *rw;
    break;
  }
  case PMA_LK_SPIN:
    *(volatile int *)lock = SPIN_UNLOCKED;
    len = sizeof(pthread_spinlock_t);
    break;
  case PMA_LK_COND: {
    pthread_cond_t *c = lock;
    unsigned int flags = c->__data.__wrefs & COND_FLAGS;
    memset(c, 0, sizeof *c);
    c->__data.__wrefs = flags;
    len = sizeof *c;
    break;
  }
  case PMA_LK_BARRIER: {
    struct glibc_barrier *b = lock;
    b->in = 0;
    b->current_round = 0;
    b->out = 0;
    len = sizeof(pthread_barrier_t);
    break;
  }
  case PMA_LK_SEM: {
    struct glibc_sem *s = lock;
    s->data &= SEM_VALUE_MASK;
    len = sizeof(sem_t);
    break;
  }
  default:
    pma_fatal("lock_reset: unknown kind %d", (int)kind);
  }
  if (pma_rt.durable) {
    pma_thread_ready(t);
    pma_dirty_add(t, (uintptr_t)lock, len);
  }
}

/* cond_is_idle -- is c as pthread_cond_init leaves it */
static int cond_is_idle(const pthread_cond_t *c) {
  pthread_cond_t idle;
  memset(&idle, 0, sizeof idle);
  idle.__data.__wrefs = __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) & COND_FLAGS;
  return memcmp(c, &idle, sizeof idle) == 0;
}

/* lock_is_held -- does an in-heap object hold any state lock_reset clears.
 * Not just the lock word: a power failure persists the words of a lock
 * independently, so a crash image can show a mutex with __lock 0 but an
 * __owner (glibc then aborts in pthread_mutex_lock: "Assertion
 * `mutex->__data.__owner == 0' failed"), found by the crash simulator.  A
 * condition variable or barrier that was merely used counts as held too:
 * its sequence counters are not 0, and resetting it loses nothing because
 * no thread of this process uses it yet. */
static int lock_is_held(void *lock, enum pma_lock_kind kind) {
  switch (kind) {
  case PMA_LK_MUTEX: {
    pthread_mutex_t *m = lock;
    int dirty = __atomic_load_n(&m->__data.__lock, __ATOMIC_RELAXED) != 0 ||
                m->__data.__count != 0 || m->__data.__owner != 0 || m->__data.__nusers != 0;
#if defined(__x86_64__)
    dirty |= m->__data.__list.__prev != NULL || m->__data.__list.__next != NULL;
#endif
    return dirty;
  }
  case PMA_LK_RWLOCK: {
    pthread_rwlock_t *rw = lock;
    return __atomic_load_n(&rw->__data.__readers, __ATOMIC_RELAXED) != 0 ||
           __atomic_load_n(&rw->__data.__cur_writer, __ATOMIC_RELAXED) != 0 ||
           rw->__data.__writers != 0 || rw->__data.__wrphase_futex != 0 ||
           rw->__data.__writers_futex != 0;
  }
  case PMA_LK_SPIN:
    return __atomic_load_n((int *)lock, __ATOMIC_RELAXED) != SPIN_UNLOCKED;
  case PMA_LK_COND:
    return !cond_is_idle(lock);
  case PMA_LK_BARRIER: {
    struct glibc_barrier *b = lock;
    return __atomic_load_n(&b->in, __ATOMIC_RELAXED) != 0 || b->current_round != 0 || b->out != 0;
  }
  case PMA_LK_SEM:
    return (__atomic_load_n(&((struct glibc_sem *)lock)->data, __ATOMIC_RELAXED) >> 32) != 0;
  }
  return 0;
}

/* A first use: the object's thread and kind, for reset_if_held. */
struct first {
  struct pma_thread *t;
  enum pma_lock_kind kind;
};

/* reset_if_held -- make of an object's entry in seen: the lazy reset, under
 * the table's mutex so that no other thread uses the object half reset */
static void *reset_if_held(uintptr_t a, void *arg) {
  struct first *f = arg;
  if (lock_is_held((void *)a, f->kind))
    lock_reset(f->t, (void *)a, f->kind);
  return (void *)a;
}

/* first_lock -- first use of in-heap lock m by this process */
static PMA_NOINLINE void first_lock(struct pma_thread *t, void *m, enum pma_lock_kind kind) {
  struct first f = {t, kind};
  pma_ltab_add(&seen, (uintptr_t)m, reset_if_held, &f);
}

/* first_use -- lazy reset hook of every call on a synchronisation object
 * (any kind): one range check for an object outside the heap, one probe of
 * the set for a known one */
static inline __attribute__((always_inline)) void first_use(struct pma_thread *t, void *m,
                                                            enum pma_lock_kind kind) {
  if (likely((uintptr_t)m - pma_rt.base >= pma_rt.size))
    return;
  if (likely(pma_ltab_find(&seen, (uintptr_t)m)))
    return;
  pma_rt_enter(t); /* holds the table's mutex: a handler that comes meanwhile waits */
  first_lock(t, m, kind);
  pma_rt_leave(t);
}

/* pma_locks_open / pma_locks_close -- the set is per heap mapping */
void pma_locks_open(void) { pma_locks_close(); }

/* pma_locks_close -- forget every in-heap object (no lock may be held now) */
void pma_locks_close(void) { pma_ltab_clear(&seen, 0); }

/* ------------------------------------------------- the rules of every form */

/* my_tid -- the calling thread's kernel id, cached */
static inline pid_t my_tid(struct pma_thread *t) {
  if (!t->tid)
    t->tid = gettid();
  return t->tid;
}

/* entered -- a lock call acquired lock: the FASE begins or grows, and if a
 * FASE that has not retired released the lock, t depends on it */
static inline void entered(struct pma_thread *t, void *lock) {
  pma_rt_enter(t); /* a handler that comes meanwhile waits (signals.c) */
  pma_fase_enter_inline(t);
  pma_dep_acquired(t, lock);
  pma_rt_leave(t);
}

/* Success of an acquiring call: 0, also EOWNERDEAD for a mutex (the caller
 * owns a robust mutex whose owner died), thrd_success for C11. */
#define OK_ZERO(rc) ((rc) == 0)
#define OK_MUTEX(rc) ((rc) == 0 || (rc) == EOWNERDEAD)
#define OK_C11(rc) ((rc) == thrd_success)

/* ACQUIRE -- define wrapper NAME(lock, ...) for one acquiring call of any
 * form: reset the lock if a crash left it held, make CALL, and enter the
 * FASE when OK(CALL's result) -- so trylock and timed forms change the
 * depth only when they acquire */
#define ACQUIRE(NAME, KIND, OK, CALL, ...)                                      \
  PMA_EXPORT int NAME(void *lock, ##__VA_ARGS__) {                             \
    struct pma_thread *t = pma_self();                                         \
    first_use(t, lock, KIND);                                                  \
    int rc = CALL;                                                             \
    if (OK(rc))                                                                \
      entered(t, lock);                                                        \
    return rc;                                                                 \
  }

/* release -- every unlock wrapper: the FASE's release rule (fase.c), then
 * the real unlock, in one runtime section.  publish: whether a thread that
 * takes the lock after us could read our data through it. */
static inline __attribute__((always_inline)) int release(struct pma_thread *t, void *lock,
                                                         int publish,
                                                         int (*real_unlock)(void *)) {
  if (t->depth == 0) /* taken by uninstrumented code */
    return real_unlock(lock);
  pma_rt_enter(t); /* a handler that comes meanwhile waits (signals.c) */
  pma_fase_release(t, publish ? lock : NULL, PMA_RELEASE_UNLOCK);
  int rc = real_unlock(lock);
  pma_rt_leave(t);
  return rc;
}

/* wait_release -- a condition wait is about to release mutex: the release
 * rule with the depth kept (the wait takes the mutex back).  The only lock
 * held: the FASE commits first, so that the threads that get the mutex
 * meanwhile see only committed data, and the locks held when the wait
 * returns start a new FASE.  Other locks held: a release in the middle of
 * the FASE, published like an inner unlock. */
static inline void wait_release(struct pma_thread *t, void *mutex) {
  if (t->depth == 0)
    return;
  pma_rt_enter(t); /* a handler that comes meanwhile waits (signals.c) */
  pma_fase_release(t, mutex, PMA_RELEASE_WAIT);
  pma_rt_leave(t);
}

/* wait_returned -- the wait took mutex back: an acquisition */
static inline void wait_returned(struct pma_thread *t, void *mutex) {
  if (t->depth) {
    pma_rt_enter(t);
    pma_dep_acquired(t, mutex);
    pma_rt_leave(t);
  }
}

/* WAIT -- define condition-wait wrapper NAME(cond, mutex, ...) around CALL */
#define WAIT(NAME, CALL, ...)                                                   \
  PMA_EXPORT int NAME(void *cond, void *mutex, ##__VA_ARGS__) {                \
    struct pma_thread *t = pma_self();                                         \
    first_use(t, cond, PMA_LK_COND);                                           \
    wait_release(t, mutex);                                                    \
    int rc = CALL;                                                             \
    wait_returned(t, mutex);                                                   \
    return rc;                                                                 \
  }

/* USE -- define wrapper NAME(obj, ...) for a call that only needs the lazy
 * reset of obj (an object of KIND) before CALL: condition signals,
 * barriers, semaphores, destroys.  None of them starts or ends a FASE. */
#define USE(RET, NAME, KIND, CALL, ...)                                         \
  PMA_EXPORT RET NAME(void *obj, ##__VA_ARGS__) {                               \
    first_use(pma_self(), obj, KIND);                                          \
    return CALL;                                                               \
  }

/* ------------------------------------------------------------ mutexes */

/* owned_check -- for mutex kinds where glibc checks the owner on unlock:
 * 1 if the calling thread owns m, 0 if unlock must fail (EPERM); always 1
 * for normal mutexes, whose unlock glibc does not check */
static int owned_check(struct pma_thread *t, pthread_mutex_t *m) {
  int k = m->__data.__kind;
  if (KIND_TYPE(k) != PTHREAD_MUTEX_RECURSIVE_NP && KIND_TYPE(k) != PTHREAD_MUTEX_ERRORCHECK_NP &&
      !(k & (KIND_ROBUST | KIND_PI)))
    return 1;
  return (m->__data.__owner & 0x3fffffff) == my_tid(t);
}

ACQUIRE(__pma_mutex_lock, PMA_LK_MUTEX, OK_MUTEX, pthread_mutex_lock(lock))
ACQUIRE(__pma_mutex_trylock, PMA_LK_MUTEX, OK_MUTEX, pthread_mutex_trylock(lock))
ACQUIRE(__pma_mutex_timedlock, PMA_LK_MUTEX, OK_MUTEX, pthread_mutex_timedlock(lock, abstime),
        const struct timespec *abstime)
ACQUIRE(__pma_mutex_clocklock, PMA_LK_MUTEX, OK_MUTEX,
        pthread_mutex_clocklock(lock, clockid, abstime), int clockid,
        const struct timespec *abstime)

/* mutex_unlock -- pthread_mutex_unlock as an int (*)(void *) */
static int mutex_unlock(void *m) { return pthread_mutex_unlock(m); }

/* __pma_mutex_unlock -- inner release: publish the mutex (the FASE goes on);
 * outermost: commit, then release.  A recursive mutex counts once per lock. */
PMA_EXPORT int __pma_mutex_unlock(void *mutex) {
  struct pma_thread *t = pma_self();
  if (t->depth && !owned_check(t, mutex))
    return pthread_mutex_unlock(mutex); /* EPERM, like the real call */
  return release(t, mutex, 1, mutex_unlock);
}

/* destroy of a mutex a dead thread held would say EBUSY */
USE(int, __pma_mutex_destroy, PMA_LK_MUTEX, pthread_mutex_destroy(obj))

/* ------------------------------------------------ condition variables */

WAIT(__pma_cond_wait, pthread_cond_wait(cond, mutex))
WAIT(__pma_cond_timedwait, pthread_cond_timedwait(cond, mutex, abstime),
     const struct timespec *abstime)
WAIT(__pma_cond_clockwait, pthread_cond_clockwait(cond, mutex, clockid, abstime), int clockid,
     const struct timespec *abstime)

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
PMA_EXPORT void __pma_cond_use(void *cond) { first_use(pma_self(), cond, PMA_LK_COND); }

/* A dead waiter's references keep glibc's signal waiting for its group to
 * drain (__condvar_quiesce_and_switch_g1) and destroy for the references to
 * drop: both hang unless the condition variable is reset first. */
USE(int, __pma_cond_signal, PMA_LK_COND, pthread_cond_signal(obj))
USE(int, __pma_cond_broadcast, PMA_LK_COND, pthread_cond_broadcast(obj))
USE(int, __pma_cond_destroy, PMA_LK_COND, pthread_cond_destroy(obj))

/* ------------------------------------------------------------ rwlocks */

/* rwlocks: read and write acquisitions both count as a lock held */
ACQUIRE(__pma_rwlock_rdlock, PMA_LK_RWLOCK, OK_ZERO, pthread_rwlock_rdlock(lock))
ACQUIRE(__pma_rwlock_tryrdlock, PMA_LK_RWLOCK, OK_ZERO, pthread_rwlock_tryrdlock(lock))
ACQUIRE(__pma_rwlock_timedrdlock, PMA_LK_RWLOCK, OK_ZERO,
        pthread_rwlock_timedrdlock(lock, abstime), const struct timespec *abstime)
ACQUIRE(__pma_rwlock_clockrdlock, PMA_LK_RWLOCK, OK_ZERO,
        pthread_rwlock_clockrdlock(lock, clockid, abstime), int clockid,
        const struct timespec *abstime)
ACQUIRE(__pma_rwlock_wrlock, PMA_LK_RWLOCK, OK_ZERO, pthread_rwlock_wrlock(lock))
ACQUIRE(__pma_rwlock_trywrlock, PMA_LK_RWLOCK, OK_ZERO, pthread_rwlock_trywrlock(lock))
ACQUIRE(__pma_rwlock_timedwrlock, PMA_LK_RWLOCK, OK_ZERO,
        pthread_rwlock_timedwrlock(lock, abstime), const struct timespec *abstime)
ACQUIRE(__pma_rwlock_clockwrlock, PMA_LK_RWLOCK, OK_ZERO,
        pthread_rwlock_clockwrlock(lock, clockid, abstime), int clockid,
        const struct timespec *abstime)

/* rw_unlock -- pthread_rwlock_unlock as an int (*)(void *) */
static int rw_unlock(void *rw) { return pthread_rwlock_unlock(rw); }

/* __pma_rwlock_unlock -- a write release is published, a read release is
 * not (see the top of this file) */
PMA_EXPORT int __pma_rwlock_unlock(void *rw) {
  struct pma_thread *t = pma_self();
  pthread_rwlock_t *l = rw;
  int writer = t->depth && __atomic_load_n(&l->__data.__cur_writer, __ATOMIC_RELAXED) == my_tid(t);
  return release(t, rw, writer, rw_unlock);
}

/* ---------------------------------------------------------- spinlocks */

ACQUIRE(__pma_spin_lock, PMA_LK_SPIN, OK_ZERO, pthread_spin_lock(lock))
ACQUIRE(__pma_spin_trylock, PMA_LK_SPIN, OK_ZERO, pthread_spin_trylock(lock))

/* spin_unlock -- pthread_spin_unlock as an int (*)(void *) */
static int spin_unlock(void *s) { return pthread_spin_unlock(s); }

/* __pma_spin_unlock -- inner release published, outermost commits */
PMA_EXPORT int __pma_spin_unlock(void *s) { return release(pma_self(), s, 1, spin_unlock); }

/* ------------------------------------------------------- C11 threads.h */

/* glibc's mtx_t is a pthread_mutex_t: the lazy reset treats it as one. */
_Static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t), "mtx_t is a pthread mutex");

ACQUIRE(__pma_mtx_lock, PMA_LK_MUTEX, OK_C11, mtx_lock(lock))
ACQUIRE(__pma_mtx_trylock, PMA_LK_MUTEX, OK_C11, mtx_trylock(lock))
ACQUIRE(__pma_mtx_timedlock, PMA_LK_MUTEX, OK_C11, mtx_timedlock(lock, abstime),
        const struct timespec *abstime)

/* mtx_unlock_fn -- mtx_unlock as an int (*)(void *) */
static int mtx_unlock_fn(void *m) { return mtx_unlock(m); }

/* __pma_mtx_unlock -- C11 mtx_unlock: inner release published */
PMA_EXPORT int __pma_mtx_unlock(void *m) { return release(pma_self(), m, 1, mtx_unlock_fn); }

/* C11 condition variables are glibc condition variables */
_Static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t), "cnd_t is a pthread condition variable");
WAIT(__pma_cnd_wait, cnd_wait(cond, mutex))
WAIT(__pma_cnd_timedwait, cnd_timedwait(cond, mutex, abstime), const struct timespec *abstime)
USE(int, __pma_cnd_signal, PMA_LK_COND, cnd_signal(obj))
USE(int, __pma_cnd_broadcast, PMA_LK_COND, cnd_broadcast(obj))

/* __pma_cnd_destroy -- C11 cnd_destroy (void) after the lazy reset */
PMA_EXPORT void __pma_cnd_destroy(void *c) {
  first_use(pma_self(), c, PMA_LK_COND);
  cnd_destroy(c);
}

/* ------------------------------------------------ barriers, semaphores */

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
