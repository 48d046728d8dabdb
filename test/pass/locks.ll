; pthread_mutex_lock/trylock/timedlock/unlock become the runtime's
; __pma_mutex_* wrappers: direct calls, invokes and address-taken uses alike.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefix=GONE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; A table of callbacks holding the functions' addresses.
; CHECK: @ops = global [2 x ptr] [ptr @__pma_mutex_lock, ptr @__pma_mutex_unlock]
@ops = global [2 x ptr] [ptr @pthread_mutex_lock, ptr @pthread_mutex_unlock]

; CHECK-LABEL: define i32 @lock_unlock(
; CHECK-NEXT:    %r1 = call i32 @__pma_mutex_lock(ptr %m)
; CHECK-NEXT:    %r2 = call i32 @__pma_mutex_unlock(ptr %m)
define i32 @lock_unlock(ptr %m) {
  %r1 = call i32 @pthread_mutex_lock(ptr %m)
  %r2 = call i32 @pthread_mutex_unlock(ptr %m)
  ret i32 %r2
}

; CHECK-LABEL: define i32 @try(
; CHECK-NEXT:    %r = call i32 @__pma_mutex_trylock(ptr %m)
define i32 @try(ptr %m) {
  %r = call i32 @pthread_mutex_trylock(ptr %m)
  ret i32 %r
}

; CHECK-LABEL: define i32 @timed(
; CHECK-NEXT:    %r = call i32 @__pma_mutex_timedlock(ptr %m, ptr %ts)
define i32 @timed(ptr %m, ptr %ts) {
  %r = call i32 @pthread_mutex_timedlock(ptr %m, ptr %ts)
  ret i32 %r
}

; CHECK-LABEL: define i32 @invoked(
; CHECK:         %r = invoke i32 @__pma_mutex_lock(ptr %m)
define i32 @invoked(ptr %m) personality ptr @__gxx_personality_v0 {
entry:
  %r = invoke i32 @pthread_mutex_lock(ptr %m)
          to label %ok unwind label %lp
ok:
  ret i32 %r
lp:
  %e = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %e
}

; Passing the function as a value.
; CHECK-LABEL: define void @as_callback(
; CHECK-NEXT:    call void @run_with(ptr @__pma_mutex_lock, ptr %m)
define void @as_callback(ptr %m) {
  call void @run_with(ptr @pthread_mutex_lock, ptr %m)
  ret void
}

; Condition waits release the mutex inside the call: rewritten.
; CHECK-LABEL: define void @cond_waits(
; CHECK-NEXT:    call i32 @__pma_cond_wait(ptr %c, ptr %m)
; CHECK-NEXT:    call i32 @__pma_cond_timedwait(ptr %c, ptr %m, ptr %ts)
define void @cond_waits(ptr %m, ptr %c, ptr %ts) {
  call i32 @pthread_cond_wait(ptr %c, ptr %m)
  call i32 @pthread_cond_timedwait(ptr %c, ptr %m, ptr %ts)
  ret void
}

; Initialisation and lock attributes stay; signalling and destruction go
; to wrappers that only do the lazy reset (sync-objects.ll); init and
; destroy write their object, so it is logged (libc-sync-init.ll).
; CHECK-LABEL: define void @untouched(
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    call i32 @pthread_mutex_init(ptr %m, ptr null)
; CHECK-NEXT:    call i32 @__pma_cond_signal(ptr %c)
; CHECK-NEXT:    call void @__pma_store_n(ptr %rw, i64 56)
; CHECK-NEXT:    call i32 @pthread_rwlock_init(ptr %rw, ptr null)
; CHECK-NEXT:    call void @__pma_store4(ptr %s)
; CHECK-NEXT:    call i32 @pthread_spin_init(ptr %s, i32 0)
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    call i32 @__pma_mutex_destroy(ptr %m)
define void @untouched(ptr %m, ptr %c, ptr %ts, ptr %rw, ptr %s) {
  call i32 @pthread_mutex_init(ptr %m, ptr null)
  call i32 @pthread_cond_signal(ptr %c)
  call i32 @pthread_rwlock_init(ptr %rw, ptr null)
  call i32 @pthread_spin_init(ptr %s, i32 0)
  call i32 @pthread_mutex_destroy(ptr %m)
  ret void
}

; No use or declaration of the originals is left anywhere.
; GONE-NOT: @pthread_mutex_{{(lock|trylock|timedlock|unlock)[^_a-z]}}

; The wrappers have the same signatures as the originals.
; CHECK-DAG: declare i32 @__pma_mutex_lock(ptr)
; CHECK-DAG: declare i32 @__pma_mutex_trylock(ptr)
; CHECK-DAG: declare i32 @__pma_mutex_timedlock(ptr, ptr)
; CHECK-DAG: declare i32 @__pma_mutex_unlock(ptr)
; CHECK-DAG: declare i32 @pthread_mutex_init(ptr, ptr)
; CHECK-DAG: declare i32 @__pma_mutex_destroy(ptr)
; CHECK-DAG: declare i32 @__pma_cond_wait(ptr, ptr)
; CHECK-DAG: declare i32 @__pma_cond_timedwait(ptr, ptr, ptr)

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_trylock(ptr)
declare i32 @pthread_mutex_timedlock(ptr, ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare i32 @pthread_mutex_init(ptr, ptr)
declare i32 @pthread_mutex_destroy(ptr)
declare i32 @pthread_cond_wait(ptr, ptr)
declare i32 @pthread_cond_timedwait(ptr, ptr, ptr)
declare i32 @pthread_cond_signal(ptr)
declare i32 @pthread_rwlock_init(ptr, ptr)
declare i32 @pthread_spin_init(ptr, i32)
declare void @run_with(ptr, ptr)
declare i32 @__gxx_personality_v0(...)
