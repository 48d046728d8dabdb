; A module that defines malloc itself (a custom allocator, which may well
; allocate from the persistent heap) does not get volatile-malloc elision.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@arena = external global ptr

; CHECK-LABEL: define ptr @malloc(
define ptr @malloc(i64 %n) {
  %p = load ptr, ptr @arena
  ret ptr %p
}

; CHECK-LABEL: define void @user(
; CHECK:         call void @__pma_store8(ptr %m)
; CHECK-NEXT:    store i64 1, ptr %m
define void @user() {
  %m = call ptr @malloc(i64 8)
  store i64 1, ptr %m
  ret void
}
