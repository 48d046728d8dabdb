; atomicrmw logs its operand size at the pointer before the operation.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @add_i32(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 4)
; CHECK-NEXT:    %old = atomicrmw add ptr %p, i32 %v seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i32 @add_i32(ptr %p, i32 %v) {
  %old = atomicrmw add ptr %p, i32 %v seq_cst
  ret i32 %old
}

; CHECK-LABEL: define i8 @or_i8(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 1)
; CHECK-NEXT:    %old = atomicrmw or ptr %p, i8 %v monotonic
; CHECK-NEXT:    call void @__pma_atomic_end()
define i8 @or_i8(ptr %p, i8 %v) {
  %old = atomicrmw or ptr %p, i8 %v monotonic
  ret i8 %old
}

; CHECK-LABEL: define ptr @xchg_ptr(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    %old = atomicrmw xchg ptr %p, ptr %v acq_rel
; CHECK-NEXT:    call void @__pma_atomic_end()
define ptr @xchg_ptr(ptr %p, ptr %v) {
  %old = atomicrmw xchg ptr %p, ptr %v acq_rel
  ret ptr %old
}

; CHECK-LABEL: define double @fadd_double(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    %old = atomicrmw fadd ptr %p, double %v seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define double @fadd_double(ptr %p, double %v) {
  %old = atomicrmw fadd ptr %p, double %v seq_cst
  ret double %old
}

; CHECK-LABEL: define i16 @sub_i16(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 2)
; CHECK-NEXT:    %old = atomicrmw sub ptr %p, i16 %v seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i16 @sub_i16(ptr %p, i16 %v) {
  %old = atomicrmw sub ptr %p, i16 %v seq_cst
  ret i16 %old
}

; CHECK-LABEL: define i128 @xchg_i128(
; CHECK-NEXT:    call void @__pma_atomic_begin(ptr %p, i64 16)
; CHECK-NEXT:    %old = atomicrmw xchg ptr %p, i128 %v seq_cst
; CHECK-NEXT:    call void @__pma_atomic_end()
define i128 @xchg_i128(ptr %p, i128 %v) {
  %old = atomicrmw xchg ptr %p, i128 %v seq_cst
  ret i128 %old
}
