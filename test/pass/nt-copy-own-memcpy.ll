; A program that defines its own memcpy keeps the hook path for it: the
; runtime's __pma_memcpy calls libc's memcpy, which the program's definition
; would interpose (recursion), and a call of the program's function must run
; that function.  Writes inside a function named memcpy keep it too.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define ptr @memcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
define ptr @memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret ptr %d
}

; CHECK-LABEL: define void @user(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memcpy(ptr %d, ptr %s, i64 %n)
; CHECK-NOT:     __pma_memcpy
define void @user(ptr %d, ptr %s, i64 %n) {
  call ptr @memcpy(ptr %d, ptr %s, i64 %n)
  ret void
}

declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
