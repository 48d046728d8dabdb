; First-class aggregate stores log their whole store size.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%pair = type { i32, i64 }
%rgb = type { i8, i8, i8 }

; CHECK-LABEL: define void @struct_16(
; CHECK-NEXT:    call void @__pma_store16(ptr %p)
; CHECK-NEXT:    store %pair %v, ptr %p
define void @struct_16(ptr %p, %pair %v) {
  store %pair %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @struct_3(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 3)
; CHECK-NEXT:    store %rgb %v, ptr %p
define void @struct_3(ptr %p, %rgb %v) {
  store %rgb %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @array_12(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 12)
; CHECK-NEXT:    store [3 x i32] %v, ptr %p
define void @array_12(ptr %p, [3 x i32] %v) {
  store [3 x i32] %v, ptr %p
  ret void
}

; An empty struct writes nothing.
; CHECK-LABEL: define void @empty(
; CHECK-NOT:     call void @__pma
; CHECK:         store {} zeroinitializer, ptr %p
define void @empty(ptr %p) {
  store {} zeroinitializer, ptr %p
  ret void
}
