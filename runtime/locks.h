/*
 * locks.h -- what the lock wrappers of every form share (locks.c, lockforms.c)
 */
#ifndef PMA_LOCKS_H
#define PMA_LOCKS_H

#include "internal.h"

/* Lock kinds: how to reset a leftover in-heap lock and how to release a
 * deferred one.  Stored in the low bits of deferred-list entries. */
enum pma_lock_kind { PMA_LK_MUTEX = 0, PMA_LK_RWLOCK = 1, PMA_LK_SPIN = 2 };

/* pma_lock_first_use -- reset an in-heap lock a crashed process left held,
 * the first time this process locks it */
void pma_lock_first_use(struct pma_thread *t, void *lock, enum pma_lock_kind kind) PMA_HIDDEN;
/* pma_deferred_take -- remove a lock from the deferred list; 1 if it was there */
int pma_deferred_take(struct pma_thread *t, void *lock, enum pma_lock_kind kind) PMA_HIDDEN;
/* pma_deferred_add -- keep a lock held until the FASE commits */
void pma_deferred_add(struct pma_thread *t, void *lock, enum pma_lock_kind kind) PMA_HIDDEN;
/* pma_fase_split -- commit the FASE before a wait releases its mutex */
void pma_fase_split(struct pma_thread *t) PMA_HIDDEN;

#endif /* PMA_LOCKS_H */
