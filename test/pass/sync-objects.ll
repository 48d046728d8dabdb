; Calls on condition variables, barriers and semaphores (and mutex destroy)
; go to wrappers that reset an in-heap object a crashed process left in use
; on its first use (design.md section 1); initialisation stays.  The
; std::condition_variable members compiled into libstdc++.so get a
; __pma_cond_use(this) in front (the wait also its __pma_before_wait).
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefix=GONE

; CHECK-LABEL: define void @conds(
; CHECK-NEXT:    call void @__pma_store_n(ptr %c, i64 48)
; CHECK-NEXT:    call i32 @pthread_cond_init(ptr %c, ptr null)
; CHECK-NEXT:    call i32 @__pma_cond_signal(ptr %c)
; CHECK-NEXT:    call i32 @__pma_cond_broadcast(ptr %c)
; CHECK-NEXT:    call void @__pma_store_n(ptr %c, i64 48)
; CHECK-NEXT:    call i32 @__pma_cond_destroy(ptr %c)
; CHECK-NEXT:    call i32 @__pma_cnd_signal(ptr %c)
; CHECK-NEXT:    call i32 @__pma_cnd_broadcast(ptr %c)
; CHECK-NEXT:    call void @__pma_store_n(ptr %c, i64 48)
; CHECK-NEXT:    call void @__pma_cnd_destroy(ptr %c)
define void @conds(ptr %c) {
  call i32 @pthread_cond_init(ptr %c, ptr null)
  call i32 @pthread_cond_signal(ptr %c)
  call i32 @pthread_cond_broadcast(ptr %c)
  call i32 @pthread_cond_destroy(ptr %c)
  call i32 @cnd_signal(ptr %c)
  call i32 @cnd_broadcast(ptr %c)
  call void @cnd_destroy(ptr %c)
  ret void
}

; CHECK-LABEL: define void @barriers_sems(
; CHECK-NEXT:    call void @__pma_store_n(ptr %b, i64 32)
; CHECK-NEXT:    call i32 @pthread_barrier_init(ptr %b, ptr null, i32 3)
; CHECK-NEXT:    call i32 @__pma_barrier_wait(ptr %b)
; CHECK-NEXT:    call void @__pma_store_n(ptr %b, i64 32)
; CHECK-NEXT:    call i32 @__pma_barrier_destroy(ptr %b)
; CHECK-NEXT:    call void @__pma_store_n(ptr %s, i64 32)
; CHECK-NEXT:    call i32 @sem_init(ptr %s, i32 0, i32 1)
; CHECK-NEXT:    call i32 @__pma_sem_wait(ptr %s)
; CHECK-NEXT:    call i32 @__pma_sem_trywait(ptr %s)
; CHECK-NEXT:    call i32 @__pma_sem_timedwait(ptr %s, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_sem_clockwait(ptr %s, i32 1, ptr %ts)
; CHECK-NEXT:    call i32 @__pma_sem_post(ptr %s)
; CHECK-NEXT:    call i32 @sem_getvalue(ptr %s, ptr %v)
define void @barriers_sems(ptr %b, ptr %s, ptr %ts, ptr %v) {
  call i32 @pthread_barrier_init(ptr %b, ptr null, i32 3)
  call i32 @pthread_barrier_wait(ptr %b)
  call i32 @pthread_barrier_destroy(ptr %b)
  call i32 @sem_init(ptr %s, i32 0, i32 1)
  call i32 @sem_wait(ptr %s)
  call i32 @sem_trywait(ptr %s)
  call i32 @sem_timedwait(ptr %s, ptr %ts)
  call i32 @sem_clockwait(ptr %s, i32 1, ptr %ts)
  call i32 @sem_post(ptr %s)
  call i32 @sem_getvalue(ptr %s, ptr %v)
  ret void
}

; CHECK-LABEL: define void @cxx(
; CHECK-NEXT:    call void @__pma_cond_use(ptr %cv)
; CHECK-NEXT:    call void @_ZNSt18condition_variable10notify_oneEv(ptr %cv)
; CHECK-NEXT:    call void @__pma_cond_use(ptr %cv)
; CHECK-NEXT:    call void @_ZNSt18condition_variable10notify_allEv(ptr %cv)
; CHECK-NEXT:    call void @__pma_before_wait()
; CHECK-NEXT:    call void @__pma_cond_use(ptr %cv)
; CHECK-NEXT:    call void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(ptr %cv, ptr %lk)
; CHECK-NEXT:    call void @__pma_cond_use(ptr %cv)
; CHECK-NEXT:    call void @_ZNSt18condition_variableD1Ev(ptr %cv)
define void @cxx(ptr %cv, ptr %lk) {
  call void @_ZNSt18condition_variable10notify_oneEv(ptr %cv)
  call void @_ZNSt18condition_variable10notify_allEv(ptr %cv)
  call void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(ptr %cv, ptr %lk)
  call void @_ZNSt18condition_variableD1Ev(ptr %cv)
  ret void
}

; GONE-NOT: @{{(pthread_cond_(signal|broadcast|destroy)|cnd_(signal|broadcast|destroy)|pthread_barrier_(wait|destroy)|sem_(wait|trywait|timedwait|clockwait|post))\(}}

declare i32 @pthread_cond_init(ptr, ptr)
declare i32 @pthread_cond_signal(ptr)
declare i32 @pthread_cond_broadcast(ptr)
declare i32 @pthread_cond_destroy(ptr)
declare i32 @cnd_signal(ptr)
declare i32 @cnd_broadcast(ptr)
declare void @cnd_destroy(ptr)
declare i32 @pthread_barrier_init(ptr, ptr, i32)
declare i32 @pthread_barrier_wait(ptr)
declare i32 @pthread_barrier_destroy(ptr)
declare i32 @sem_init(ptr, i32, i32)
declare i32 @sem_wait(ptr)
declare i32 @sem_trywait(ptr)
declare i32 @sem_timedwait(ptr, ptr)
declare i32 @sem_clockwait(ptr, i32, ptr)
declare i32 @sem_post(ptr)
declare i32 @sem_getvalue(ptr, ptr)
declare void @_ZNSt18condition_variable10notify_oneEv(ptr)
declare void @_ZNSt18condition_variable10notify_allEv(ptr)
declare void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(ptr, ptr)
declare void @_ZNSt18condition_variableD1Ev(ptr)
