; Runtime code (marked disable_sanitizer_instrumentation, not recognised by
; name) calls the real pthread functions and is never instrumented; a user
; function named pma_* is instrumented like any other.
; RUN: %opt-pma -passes=pmatomic,verify -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @__pma_mutex_lock(
; CHECK-NOT:     call void @__pma
; CHECK:         store i32 0, ptr %m
; CHECK-NEXT:    %r = call i32 @pthread_mutex_lock(ptr %m)
define i32 @__pma_mutex_lock(ptr %m) disable_sanitizer_instrumentation {
  store i32 0, ptr %m
  %r = call i32 @pthread_mutex_lock(ptr %m)
  ret i32 %r
}

; CHECK-LABEL: define void @pma_free(
; CHECK-NOT:     call void @__pma
; CHECK:         store i64 0, ptr %p
define void @pma_free(ptr %p) disable_sanitizer_instrumentation {
  store i64 0, ptr %p
  ret void
}

; CHECK-LABEL: define void @pma_helper(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 3, ptr %p
define void @pma_helper(ptr %p) {
  store i64 3, ptr %p
  ret void
}

; CHECK-LABEL: define i32 @user(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 2, ptr %p
; CHECK-NEXT:    %r = call i32 @__pma_mutex_lock(ptr %m)
define i32 @user(ptr %m, ptr %p) {
  store i64 2, ptr %p
  %r = call i32 @pthread_mutex_lock(ptr %m)
  ret i32 %r
}

; CHECK: declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_lock(ptr)
