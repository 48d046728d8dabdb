; Every lock form the runtime tracks is rewritten to its wrapper, with the
; original's signature (clockid parameters included).
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefix=GONE

; CHECK-LABEL: define void @rwlocks(
; CHECK-NEXT:    call i32 @__pma_rwlock_rdlock(ptr %rw)
; CHECK-NEXT:    call i32 @__pma_rwlock_tryrdlock(ptr %rw)
; CHECK-NEXT:    call i32 @__pma_rwlock_timedrdlock(ptr %rw, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_rwlock_clockrdlock(ptr %rw, i32 1, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_rwlock_wrlock(ptr %rw)
; CHECK-NEXT:    call i32 @__pma_rwlock_trywrlock(ptr %rw)
; CHECK-NEXT:    call i32 @__pma_rwlock_timedwrlock(ptr %rw, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_rwlock_clockwrlock(ptr %rw, i32 1, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_rwlock_unlock(ptr %rw)
define void @rwlocks(ptr %rw, ptr %ts) {
  call i32 @pthread_rwlock_rdlock(ptr %rw)
  call i32 @pthread_rwlock_tryrdlock(ptr %rw)
  call i32 @pthread_rwlock_timedrdlock(ptr %rw, ptr %ts)
  call i32 @pthread_rwlock_clockrdlock(ptr %rw, i32 1, ptr %ts)
  call i32 @pthread_rwlock_wrlock(ptr %rw)
  call i32 @pthread_rwlock_trywrlock(ptr %rw)
  call i32 @pthread_rwlock_timedwrlock(ptr %rw, ptr %ts)
  call i32 @pthread_rwlock_clockwrlock(ptr %rw, i32 1, ptr %ts)
  call i32 @pthread_rwlock_unlock(ptr %rw)
  ret void
}

; CHECK-LABEL: define void @spins_and_clocks(
; CHECK-NEXT:    call i32 @__pma_spin_lock(ptr %s)
; CHECK-NEXT:    call i32 @__pma_spin_trylock(ptr %s)
; CHECK-NEXT:    call i32 @__pma_spin_unlock(ptr %s)
; CHECK-NEXT:    call i32 @__pma_mutex_clocklock(ptr %m, i32 1, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_cond_clockwait(ptr %c, ptr %m, i32 1, ptr %ts)
define void @spins_and_clocks(ptr %s, ptr %m, ptr %c, ptr %ts) {
  call i32 @pthread_spin_lock(ptr %s)
  call i32 @pthread_spin_trylock(ptr %s)
  call i32 @pthread_spin_unlock(ptr %s)
  call i32 @pthread_mutex_clocklock(ptr %m, i32 1, ptr %ts)
  call i32 @pthread_cond_clockwait(ptr %c, ptr %m, i32 1, ptr %ts)
  ret void
}

; C11 <threads.h>
; CHECK-LABEL: define void @c11(
; CHECK-NEXT:    call i32 @__pma_mtx_lock(ptr %m)
; CHECK-NEXT:    call i32 @__pma_mtx_trylock(ptr %m)
; CHECK-NEXT:    call i32 @__pma_mtx_timedlock(ptr %m, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_cnd_wait(ptr %c, ptr %m)
; CHECK-NEXT:    call i32 @__pma_cnd_timedwait(ptr %c, ptr %m, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_mtx_unlock(ptr %m)
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    call i32 @mtx_init(ptr %m, i32 0)
; CHECK-NEXT:    call i32 @__pma_cnd_signal(ptr %c)
define void @c11(ptr %m, ptr %c, ptr %ts) {
  call i32 @mtx_lock(ptr %m)
  call i32 @mtx_trylock(ptr %m)
  call i32 @mtx_timedlock(ptr %m, ptr %ts)
  call i32 @cnd_wait(ptr %c, ptr %m)
  call i32 @cnd_timedwait(ptr %c, ptr %m, ptr %ts)
  call i32 @mtx_unlock(ptr %m)
  call i32 @mtx_init(ptr %m, i32 0)
  call i32 @cnd_signal(ptr %c)
  ret void
}

; GONE-NOT: call {{.*}}@pthread_rwlock_{{(rd|wr|tryrd|trywr|timedrd|timedwr|clockrd|clockwr|un)lock}}(
; GONE-NOT: call {{.*}}@pthread_spin_{{(lock|trylock|unlock)}}(
; GONE-NOT: call {{.*}}@mtx_{{(lock|trylock|timedlock|unlock)}}(

declare i32 @pthread_rwlock_rdlock(ptr)
declare i32 @pthread_rwlock_tryrdlock(ptr)
declare i32 @pthread_rwlock_timedrdlock(ptr, ptr)
declare i32 @pthread_rwlock_clockrdlock(ptr, i32, ptr)
declare i32 @pthread_rwlock_wrlock(ptr)
declare i32 @pthread_rwlock_trywrlock(ptr)
declare i32 @pthread_rwlock_timedwrlock(ptr, ptr)
declare i32 @pthread_rwlock_clockwrlock(ptr, i32, ptr)
declare i32 @pthread_rwlock_unlock(ptr)
declare i32 @pthread_spin_lock(ptr)
declare i32 @pthread_spin_trylock(ptr)
declare i32 @pthread_spin_unlock(ptr)
declare i32 @pthread_mutex_clocklock(ptr, i32, ptr)
declare i32 @pthread_cond_clockwait(ptr, ptr, i32, ptr)
declare i32 @mtx_lock(ptr)
declare i32 @mtx_trylock(ptr)
declare i32 @mtx_timedlock(ptr, ptr)
declare i32 @mtx_unlock(ptr)
declare i32 @cnd_wait(ptr, ptr)
declare i32 @cnd_timedwait(ptr, ptr, ptr)
declare i32 @mtx_init(ptr, i32)
declare i32 @cnd_signal(ptr)
