; Stores to a stack slot that never escapes the function are not
; instrumented; once the slot's address escapes, they are (the runtime's
; range check decides).  -pmatomic-no-escape-elision instruments them all.
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,ELIDE
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-multi-batching -pmatomic-no-escape-elision -S %s | FileCheck %s --check-prefixes=CHECK,KEEP

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @escape(ptr)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

; CHECK-LABEL: define i32 @local(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store4(ptr %a)
; CHECK:         store i32 %v, ptr %a
define i32 @local(i32 %v) {
  %a = alloca i32
  store i32 %v, ptr %a
  %r = load i32, ptr %a
  ret i32 %r
}

; A field of a local struct, through a GEP, and a memset of a local array.
; CHECK-LABEL: define i64 @local_field(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store8(ptr %f)
; CHECK:         store i64 %v, ptr %f
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store_n(ptr %buf, i64 64)
; CHECK:         call void @llvm.memset.p0.i64(ptr %buf, i8 0, i64 64, i1 false)
; ELIDE-NOT:     call void @__pma
; CHECK:         ret i64
define i64 @local_field(i64 %v) {
  %s = alloca { i32, i64 }
  %f = getelementptr inbounds { i32, i64 }, ptr %s, i32 0, i32 1
  store i64 %v, ptr %f
  %buf = alloca [64 x i8]
  call void @llvm.memset.p0.i64(ptr %buf, i8 0, i64 64, i1 false)
  %r = load i64, ptr %f
  ret i64 %r
}

; Passed to another function: it may be anywhere, so it is instrumented.
; CHECK-LABEL: define void @escaped_by_call(
; CHECK:         call void @__pma_store4(ptr %a)
; CHECK-NEXT:    store i32 %v, ptr %a
define void @escaped_by_call(i32 %v) {
  %a = alloca i32
  call void @escape(ptr %a)
  store i32 %v, ptr %a
  ret void
}

; Its address stored to memory: escaped too.
; CHECK-LABEL: define void @escaped_by_store(
; CHECK:         call void @__pma_store4(ptr %a)
; CHECK-NEXT:    store i32 %v, ptr %a
define void @escaped_by_store(ptr %out, i32 %v) {
  %a = alloca i32
  store ptr %a, ptr %out
  store i32 %v, ptr %a
  ret void
}

; Returned: escaped.
; CHECK-LABEL: define ptr @escaped_by_return(
; CHECK:         call void @__pma_store4(ptr %a)
; CHECK-NEXT:    store i32 %v, ptr %a
define ptr @escaped_by_return(i32 %v) {
  %a = alloca i32
  store i32 %v, ptr %a
  ret ptr %a
}

; A pointer that is either a local or the caller's memory may be the heap.
; CHECK-LABEL: define void @phi_local_or_arg(
; CHECK:         call void @__pma_store4(ptr %q)
; CHECK-NEXT:    store i32 %v, ptr %q
define void @phi_local_or_arg(ptr %p, i1 %c, i32 %v) {
entry:
  %a = alloca i32
  br i1 %c, label %then, label %join
then:
  br label %join
join:
  %q = phi ptr [ %a, %entry ], [ %p, %then ]
  store i32 %v, ptr %q
  ret void
}

; Either of two locals is still the stack.
; CHECK-LABEL: define void @select_two_locals(
; ELIDE-NOT:     call void @__pma
; KEEP:          call void @__pma_store4(ptr %q)
; CHECK:         store i32 %v, ptr %q
define void @select_two_locals(i1 %c, i32 %v) {
  %a = alloca i32
  %b = alloca i32
  %q = select i1 %c, ptr %a, ptr %b
  store i32 %v, ptr %q
  ret void
}
