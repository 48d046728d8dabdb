/*
 * locks.h -- what the lock wrappers of every form share (locks.c, lockforms.c)
 */
#ifndef PMA_LOCKS_H
#define PMA_LOCKS_H

#include "internal.h"

/* Lock kinds: how to reset a leftover in-heap lock. */
enum pma_lock_kind { PMA_LK_MUTEX = 0, PMA_LK_RWLOCK = 1, PMA_LK_SPIN = 2 };

/* pma_fase_enter_inline -- the body of pma_fase_enter (fase.c), for the lock
 * wrappers' hot path: one more lock held; 0 -> 1 is a simulator event */
static inline void pma_fase_enter_inline(struct pma_thread *t) {
  if (t->depth == 0)
    pma_sim_tick();
  t->depth++;
}

/* pma_lock_first_use -- reset an in-heap lock a crashed process left held,
 * the first time this process locks it */
void pma_lock_first_use(struct pma_thread *t, void *lock, enum pma_lock_kind kind) PMA_HIDDEN;
/* pma_lock_entered -- after a successful acquisition: depth, dependencies */
void pma_lock_entered(struct pma_thread *t, void *lock) PMA_HIDDEN;
/* pma_wait_release -- before a condition wait releases mutex: commit (the
 * only lock held) or publish it (others held) */
void pma_wait_release(struct pma_thread *t, void *mutex) PMA_HIDDEN;
/* pma_wait_returned -- after the wait re-acquired mutex */
void pma_wait_returned(struct pma_thread *t, void *mutex) PMA_HIDDEN;

#endif /* PMA_LOCKS_H */
