; Scalar stores get the hook for their DataLayout store size, called right
; before the store with the same pointer; sizes without a sized hook go to
; __pma_store_n.
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-multi-batching -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @store_i8(
; CHECK-NEXT:    call void @__pma_store1(ptr %p)
; CHECK-NEXT:    store i8 %v, ptr %p
define void @store_i8(ptr %p, i8 %v) {
  store i8 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_i1(
; CHECK-NEXT:    call void @__pma_store1(ptr %p)
; CHECK-NEXT:    store i1 %v, ptr %p
define void @store_i1(ptr %p, i1 %v) {
  store i1 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_i16(
; CHECK-NEXT:    call void @__pma_store2(ptr %p)
; CHECK-NEXT:    store i16 %v, ptr %p
define void @store_i16(ptr %p, i16 %v) {
  store i16 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_i32(
; CHECK-NEXT:    call void @__pma_store4(ptr %p)
; CHECK-NEXT:    store i32 %v, ptr %p
define void @store_i32(ptr %p, i32 %v) {
  store i32 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_i64(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 %v, ptr %p
define void @store_i64(ptr %p, i64 %v) {
  store i64 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_i128(
; CHECK-NEXT:    call void @__pma_store16(ptr %p)
; CHECK-NEXT:    store i128 %v, ptr %p
define void @store_i128(ptr %p, i128 %v) {
  store i128 %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_double(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store double %v, ptr %p
define void @store_double(ptr %p, double %v) {
  store double %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_float(
; CHECK-NEXT:    call void @__pma_store4(ptr %p)
; CHECK-NEXT:    store float %v, ptr %p
define void @store_float(ptr %p, float %v) {
  store float %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @store_ptr(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store ptr %v, ptr %p
define void @store_ptr(ptr %p, ptr %v) {
  store ptr %v, ptr %p
  ret void
}

; x86_fp80 occupies 16 bytes but a store writes only 10 of them.
; CHECK-LABEL: define void @store_fp80(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 10)
; CHECK-NEXT:    store x86_fp80 %v, ptr %p
define void @store_fp80(ptr %p, x86_fp80 %v) {
  store x86_fp80 %v, ptr %p
  ret void
}

; i24 is stored as 3 bytes.
; CHECK-LABEL: define void @store_i24(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 3)
; CHECK-NEXT:    store i24 %v, ptr %p
define void @store_i24(ptr %p, i24 %v) {
  store i24 %v, ptr %p
  ret void
}

; A store through a computed address logs that address, not the base.
; CHECK-LABEL: define void @store_field(
; CHECK:         %f = getelementptr inbounds i8, ptr %p, i64 8
; CHECK-NEXT:    call void @__pma_store8(ptr %f)
; CHECK-NEXT:    store i64 %v, ptr %f
define void @store_field(ptr %p, i64 %v) {
  %f = getelementptr inbounds i8, ptr %p, i64 8
  store i64 %v, ptr %f
  ret void
}

; Every store in a function is instrumented, each before itself.
; CHECK-LABEL: define void @two_stores(
; CHECK-NEXT:    call void @__pma_store4(ptr %p)
; CHECK-NEXT:    store i32 1, ptr %p
; CHECK-NEXT:    call void @__pma_store4(ptr %q)
; CHECK-NEXT:    store i32 2, ptr %q
define void @two_stores(ptr %p, ptr %q) {
  store i32 1, ptr %p
  store i32 2, ptr %q
  ret void
}

; The hooks match include/pmatomic_interface.h and never unwind.
; CHECK-DAG: declare void @__pma_store1(ptr) #[[ATTR:[0-9]+]]
; CHECK-DAG: declare void @__pma_store2(ptr) #[[ATTR]]
; CHECK-DAG: declare void @__pma_store4(ptr) #[[ATTR]]
; CHECK-DAG: declare void @__pma_store8(ptr) #[[ATTR]]
; CHECK-DAG: declare void @__pma_store16(ptr) #[[ATTR]]
; CHECK-DAG: declare void @__pma_store_n(ptr, i64) #[[ATTR]]
; CHECK-DAG: attributes #[[ATTR]] = { nounwind }
