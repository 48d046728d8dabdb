; Atomic stores get __pma_atomic_begin/end around them (they link FASEs
; through the word); volatile stores are stores like any other.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @seq_cst_i64(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    store atomic i64 %v, ptr %p seq_cst, align 8
; CHECK-NEXT:    call void @__pma_atomic_end()
define void @seq_cst_i64(ptr %p, i64 %v) {
  store atomic i64 %v, ptr %p seq_cst, align 8
  ret void
}

; CHECK-LABEL: define void @release_i32(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 4)
; CHECK-NEXT:    store atomic i32 %v, ptr %p release, align 4
; CHECK-NEXT:    call void @__pma_atomic_end()
define void @release_i32(ptr %p, i32 %v) {
  store atomic i32 %v, ptr %p release, align 4
  ret void
}

; CHECK-LABEL: define void @unordered_ptr(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    store atomic ptr %v, ptr %p unordered, align 8
; CHECK-NEXT:    call void @__pma_atomic_end()
define void @unordered_ptr(ptr %p, ptr %v) {
  store atomic ptr %v, ptr %p unordered, align 8
  ret void
}

; CHECK-LABEL: define void @volatile_i16(
; CHECK-NEXT:    call void @__pma_store2(ptr %p)
; CHECK-NEXT:    store volatile i16 %v, ptr %p
define void @volatile_i16(ptr %p, i16 %v) {
  store volatile i16 %v, ptr %p
  ret void
}
