; cmpxchg is logged unconditionally, before the compare: whether it will
; write is not known yet, and saving bytes that stay the same is harmless.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i1 @cas_i64(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    %r = cmpxchg ptr %p, i64 %old, i64 %new seq_cst seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i1 @cas_i64(ptr %p, i64 %old, i64 %new) {
  %r = cmpxchg ptr %p, i64 %old, i64 %new seq_cst seq_cst
  %ok = extractvalue { i64, i1 } %r, 1
  ret i1 %ok
}

; CHECK-LABEL: define i1 @weak_i32(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 4)
; CHECK-NEXT:    %r = cmpxchg weak ptr %p, i32 %old, i32 %new acquire monotonic
; CHECK-NEXT:    call void @__pma_atomic_end()
define i1 @weak_i32(ptr %p, i32 %old, i32 %new) {
  %r = cmpxchg weak ptr %p, i32 %old, i32 %new acquire monotonic
  %ok = extractvalue { i32, i1 } %r, 1
  ret i1 %ok
}

; CHECK-LABEL: define i1 @cas_ptr(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    %r = cmpxchg ptr %p, ptr %old, ptr %new seq_cst seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i1 @cas_ptr(ptr %p, ptr %old, ptr %new) {
  %r = cmpxchg ptr %p, ptr %old, ptr %new seq_cst seq_cst
  %ok = extractvalue { ptr, i1 } %r, 1
  ret i1 %ok
}

; CHECK-LABEL: define i1 @cas_i128(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 16)
; CHECK-NEXT:    %r = cmpxchg ptr %p, i128 %old, i128 %new seq_cst seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i1 @cas_i128(ptr %p, i128 %old, i128 %new) {
  %r = cmpxchg ptr %p, i128 %old, i128 %new seq_cst seq_cst
  %ok = extractvalue { i128, i1 } %r, 1
  ret i1 %ok
}
