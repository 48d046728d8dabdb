; Vector stores: 16 bytes has a sized hook, everything else is __pma_store_n
; with the store size; scalable vectors compute their size at run time.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @v4i32(
; CHECK-NEXT:    call void @__pma_store16(ptr %p)
; CHECK-NEXT:    store <4 x i32> %v, ptr %p
define void @v4i32(ptr %p, <4 x i32> %v) {
  store <4 x i32> %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @v8i32(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 32)
; CHECK-NEXT:    store <8 x i32> %v, ptr %p
define void @v8i32(ptr %p, <8 x i32> %v) {
  store <8 x i32> %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @v3f32(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 12)
; CHECK-NEXT:    store <3 x float> %v, ptr %p
define void @v3f32(ptr %p, <3 x float> %v) {
  store <3 x float> %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @v2i8(
; CHECK-NEXT:    call void @__pma_store2(ptr %p)
; CHECK-NEXT:    store <2 x i8> %v, ptr %p
define void @v2i8(ptr %p, <2 x i8> %v) {
  store <2 x i8> %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @v8i64(
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 64)
; CHECK-NEXT:    store <8 x i64> %v, ptr %p
define void @v8i64(ptr %p, <8 x i64> %v) {
  store <8 x i64> %v, ptr %p
  ret void
}

; CHECK-LABEL: define void @nxv4i32(
; CHECK-NEXT:    [[VSCALE:%.*]] = call i64 @llvm.vscale.i64()
; CHECK-NEXT:    [[SIZE:%.*]] = mul i64 [[VSCALE]], 16
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 [[SIZE]])
; CHECK-NEXT:    store <vscale x 4 x i32> %v, ptr %p
define void @nxv4i32(ptr %p, <vscale x 4 x i32> %v) {
  store <vscale x 4 x i32> %v, ptr %p
  ret void
}
