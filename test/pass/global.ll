; Global and thread-local variables are never in the heap (an mmap), so
; stores to them are not instrumented unless -pmatomic-no-global-elision.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,ELIDE
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-global-elision -S %s | FileCheck %s --check-prefixes=CHECK,KEEP

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@counter = global i64 0
@table = global [16 x i32] zeroinitializer
@ext = external global i32
@tls = thread_local global i32 0
@alias = alias i64, ptr @counter

; CHECK-LABEL: define void @scalar(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store8(ptr @counter)
; CHECK:         store i64 %v, ptr @counter
define void @scalar(i64 %v) {
  store i64 %v, ptr @counter
  ret void
}

; CHECK-LABEL: define void @array_elem(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store4(ptr %e)
; CHECK:         store i32 %v, ptr %e
define void @array_elem(i64 %i, i32 %v) {
  %e = getelementptr inbounds [16 x i32], ptr @table, i64 0, i64 %i
  store i32 %v, ptr %e
  ret void
}

; CHECK-LABEL: define void @external(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store4(ptr @ext)
; CHECK:         store i32 %v, ptr @ext
define void @external(i32 %v) {
  store i32 %v, ptr @ext
  ret void
}

; CHECK-LABEL: define void @thread_local(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store4(ptr %p)
; CHECK:         store i32 %v, ptr %p
define void @thread_local(i32 %v) {
  %p = call ptr @llvm.threadlocal.address.p0(ptr @tls)
  store i32 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @through_alias(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store8(ptr @alias)
; CHECK:         store i64 %v, ptr @alias
define void @through_alias(i64 %v) {
  store i64 %v, ptr @alias
  ret void
}

; A global's address passed in as an argument is not known to be a global.
; CHECK-LABEL: define void @unknown(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 %v, ptr %p
define void @unknown(ptr %p, i64 %v) {
  store i64 %v, ptr %p
  ret void
}

declare ptr @llvm.threadlocal.address.p0(ptr)
