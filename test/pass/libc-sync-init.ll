; pthread/C11 init and destroy calls write their whole object inside libc:
; the object is logged before the call (a recursive mutex initialised in a
; FASE must not come back as a normal one after a crash).
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @mutex_init(
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    %r = call i32 @pthread_mutex_init(ptr %m, ptr %a)
define i32 @mutex_init(ptr %m, ptr %a) {
  %r = call i32 @pthread_mutex_init(ptr %m, ptr %a)
  ret i32 %r
}

; CHECK-LABEL: define i32 @mutex_destroy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    %r = call i32 @__pma_mutex_destroy(ptr %m)
define i32 @mutex_destroy(ptr %m) {
  %r = call i32 @pthread_mutex_destroy(ptr %m)
  ret i32 %r
}

; CHECK-LABEL: define i32 @cond_init(
; CHECK-NEXT:    call void @__pma_store_n(ptr %c, i64 48)
define i32 @cond_init(ptr %c) {
  %r = call i32 @pthread_cond_init(ptr %c, ptr null)
  ret i32 %r
}

; CHECK-LABEL: define i32 @rwlock_init(
; CHECK-NEXT:    call void @__pma_store_n(ptr %l, i64 56)
define i32 @rwlock_init(ptr %l) {
  %r = call i32 @pthread_rwlock_init(ptr %l, ptr null)
  ret i32 %r
}

; CHECK-LABEL: define i32 @spin_init(
; CHECK-NEXT:    call void @__pma_store4(ptr %s)
define i32 @spin_init(ptr %s) {
  %r = call i32 @pthread_spin_init(ptr %s, i32 0)
  ret i32 %r
}

; CHECK-LABEL: define i32 @barrier_init(
; CHECK-NEXT:    call void @__pma_store_n(ptr %b, i64 32)
define i32 @barrier_init(ptr %b) {
  %r = call i32 @pthread_barrier_init(ptr %b, ptr null, i32 4)
  ret i32 %r
}

; CHECK-LABEL: define i32 @call_sem_init(
; CHECK-NEXT:    call void @__pma_store_n(ptr %s, i64 32)
define i32 @call_sem_init(ptr %s) {
  %r = call i32 @sem_init(ptr %s, i32 0, i32 1)
  ret i32 %r
}

; CHECK-LABEL: define i32 @c11(
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    %r = call i32 @mtx_init(ptr %m, i32 2)
; CHECK-NEXT:    call void @__pma_store_n(ptr %c, i64 48)
; CHECK-NEXT:    %s = call i32 @cnd_init(ptr %c)
; CHECK-NEXT:    call void @__pma_store_n(ptr %m, i64 40)
; CHECK-NEXT:    call void @mtx_destroy(ptr %m)
define i32 @c11(ptr %m, ptr %c) {
  %r = call i32 @mtx_init(ptr %m, i32 2)
  %s = call i32 @cnd_init(ptr %c)
  call void @mtx_destroy(ptr %m)
  ret i32 %r
}

; CHECK-LABEL: define i32 @attrs(
; CHECK-NEXT:    call void @__pma_store4(ptr %a)
; CHECK-NEXT:    %r = call i32 @pthread_mutexattr_init(ptr %a)
; CHECK-NEXT:    call void @__pma_store4(ptr %a)
; CHECK-NEXT:    %s = call i32 @pthread_mutexattr_settype(ptr %a, i32 1)
; CHECK-NEXT:    call void @__pma_store8(ptr %rw)
; CHECK-NEXT:    %t = call i32 @pthread_rwlockattr_init(ptr %rw)
define i32 @attrs(ptr %a, ptr %rw) {
  %r = call i32 @pthread_mutexattr_init(ptr %a)
  %s = call i32 @pthread_mutexattr_settype(ptr %a, i32 1)
  %t = call i32 @pthread_rwlockattr_init(ptr %rw)
  ret i32 %r
}

; A user function with another prototype is not misread.
; CHECK-LABEL: define i32 @not_libc(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i32
define i32 @not_libc(i32 %x) {
  %r = call i32 @cnd_init(i32 %x)
  ret i32 %r
}

declare i32 @pthread_mutex_init(ptr, ptr)
declare i32 @pthread_mutex_destroy(ptr)
declare i32 @pthread_cond_init(ptr, ptr)
declare i32 @pthread_rwlock_init(ptr, ptr)
declare i32 @pthread_spin_init(ptr, i32)
declare i32 @pthread_barrier_init(ptr, ptr, i32)
declare i32 @sem_init(ptr, i32, i32)
declare i32 @mtx_init(ptr, i32)
declare i32 @cnd_init(ptr)
declare void @mtx_destroy(ptr)
declare i32 @pthread_mutexattr_init(ptr)
declare i32 @pthread_mutexattr_settype(ptr, i32)
declare i32 @pthread_rwlockattr_init(ptr)
