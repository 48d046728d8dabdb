; With volatile-malloc (the default) memory returned by libc allocators is
; not persistent: stores into it are not instrumented.  pma_malloc and the
; program's own allocators are never trusted.  -pmatomic-no-volatile-malloc
; (future whole-heap mode) instruments them all.  (-pmatomic-no-fresh-elision:
; a store right after pma_malloc needs no undo record, elide-fresh.ll.)
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-fresh-elision -S %s | FileCheck %s --check-prefixes=CHECK,VOL
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-fresh-elision -pmatomic-volatile-malloc -S %s | FileCheck %s --check-prefixes=CHECK,VOL
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-fresh-elision -pmatomic-no-volatile-malloc -S %s | FileCheck %s --check-prefixes=CHECK,PM
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-fresh-elision -pmatomic-volatile-malloc=false -S %s | FileCheck %s --check-prefixes=CHECK,PM

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define ptr @from_malloc(
; VOL-NOT:       call void @__pma
; PM:            call void @__pma_store8(ptr %m)
; CHECK:         store i64 1, ptr %m
define ptr @from_malloc() {
  %m = call ptr @malloc(i64 16)
  store i64 1, ptr %m
  ret ptr %m
}

; CHECK-LABEL: define ptr @from_calloc(
; VOL-NOT:       call void @__pma
; PM:            call void @__pma_store4(ptr %f)
; CHECK:         store i32 1, ptr %f
define ptr @from_calloc() {
  %m = call ptr @calloc(i64 4, i64 4)
  %f = getelementptr inbounds i32, ptr %m, i64 2
  store i32 1, ptr %f
  ret ptr %m
}

; A variable-length memset that may reach the heap goes to __pma_memset.
; CHECK-LABEL: define ptr @from_realloc(
; VOL-NOT:       call {{.*}}@__pma
; VOL:           call void @llvm.memset.p0.i64(ptr %m, i8 0, i64 %n, i1 false)
; PM:            call ptr @__pma_memset(ptr %m, i32 0, i64 %n)
define ptr @from_realloc(ptr %old, i64 %n) {
  %m = call ptr @realloc(ptr %old, i64 %n)
  call void @llvm.memset.p0.i64(ptr %m, i8 0, i64 %n, i1 false)
  ret ptr %m
}

; CHECK-LABEL: define ptr @from_strdup(
; VOL-NOT:       call void @__pma
; PM:            call void @__pma_store1(ptr %m)
; CHECK:         store i8 65, ptr %m
define ptr @from_strdup(ptr %s) {
  %m = call ptr @strdup(ptr %s)
  store i8 65, ptr %m
  ret ptr %m
}

; CHECK-LABEL: define ptr @from_aligned_alloc(
; VOL-NOT:       call void @__pma
; PM:            call void @__pma_store8(ptr %m)
; CHECK:         store i64 1, ptr %m
define ptr @from_aligned_alloc() {
  %m = call ptr @aligned_alloc(i64 64, i64 64)
  store i64 1, ptr %m
  ret ptr %m
}

; The persistent allocator: always instrumented.
; CHECK-LABEL: define ptr @from_pma_malloc(
; CHECK:         call void @__pma_store8(ptr %m)
; CHECK-NEXT:    store i64 1, ptr %m
define ptr @from_pma_malloc() {
  %m = call ptr @pma_malloc(i64 16)
  store i64 1, ptr %m
  ret ptr %m
}

; posix_memalign returns through an out-parameter: not recognised.
; CHECK-LABEL: define ptr @from_posix_memalign(
; CHECK:         call void @__pma_store8(ptr %m)
; CHECK-NEXT:    store i64 1, ptr %m
define ptr @from_posix_memalign() {
  %slot = alloca ptr
  %r = call i32 @posix_memalign(ptr %slot, i64 64, i64 64)
  %m = load ptr, ptr %slot
  store i64 1, ptr %m
  ret ptr %m
}

declare ptr @malloc(i64)
declare ptr @calloc(i64, i64)
declare ptr @realloc(ptr, i64)
declare ptr @strdup(ptr)
declare ptr @aligned_alloc(i64, i64)
declare i32 @posix_memalign(ptr, i64, i64)
declare ptr @pma_malloc(i64)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
