/*
 * locks.h -- what the lock wrappers of every form share (locks.c, lockforms.c)
 */
#ifndef PMA_LOCKS_H
#define PMA_LOCKS_H

#include "internal.h"

/* Kinds of in-heap synchronisation objects: how to reset what a crashed
 * process left in one (locks.c, lock_reset). */
enum pma_lock_kind {
  PMA_LK_MUTEX = 0,   /* pthread_mutex_t, C11 mtx_t */
  PMA_LK_RWLOCK = 1,  /* pthread_rwlock_t */
  PMA_LK_SPIN = 2,    /* pthread_spinlock_t */
  PMA_LK_COND = 3,    /* pthread_cond_t, C11 cnd_t */
  PMA_LK_BARRIER = 4, /* pthread_barrier_t */
  PMA_LK_SEM = 5,     /* sem_t */
};

/* pma_fase_enter_inline -- the body of pma_fase_enter (fase.c), for the lock
 * wrappers' hot path: one more lock held; 0 -> 1 is a simulator event */
static inline void pma_fase_enter_inline(struct pma_thread *t) {
  if (t->depth == 0)
    pma_sim_tick();
  t->depth++;
}

/* pma_lock_first_use -- reset an in-heap synchronisation object a crashed
 * process left held (or waited on), the first time this process uses it */
void pma_lock_first_use(struct pma_thread *t, void *lock, enum pma_lock_kind kind) PMA_HIDDEN;
/* pma_lock_entered -- after a successful acquisition: depth, dependencies */
void pma_lock_entered(struct pma_thread *t, void *lock) PMA_HIDDEN;
/* pma_wait_release -- before a condition wait releases mutex: commit (the
 * only lock held) or publish it (others held) */
void pma_wait_release(struct pma_thread *t, void *mutex) PMA_HIDDEN;
/* pma_wait_returned -- after the wait re-acquired mutex */
void pma_wait_returned(struct pma_thread *t, void *mutex) PMA_HIDDEN;

#endif /* PMA_LOCKS_H */
