; Masked vector stores log exactly the enabled lanes: a disabled lane may
; belong to data another thread writes under another lock.  Lanes whose mask
; bit is only known at run time log 0 bytes when disabled.
; RUN: %opt-pma -passes=pmatomic,verify -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @const_mask(
; CHECK-NEXT:    call void @__pma_store4(ptr %p)
; CHECK-NEXT:    [[L2:%.*]] = getelementptr inbounds i32, ptr %p, i64 2
; CHECK-NEXT:    call void @__pma_store4(ptr [[L2]])
; CHECK-NEXT:    call void @llvm.masked.store.v4i32.p0(
define void @const_mask(ptr %p, <4 x i32> %v) {
  call void @llvm.masked.store.v4i32.p0(<4 x i32> %v, ptr %p, i32 4, <4 x i1> <i1 true, i1 false, i1 true, i1 false>)
  ret void
}

; CHECK-LABEL: define void @var_mask(
; CHECK:         [[B0:%.*]] = extractelement <2 x i1> %m, i64 0
; CHECK-NEXT:    [[S0:%.*]] = select i1 [[B0]], i64 8, i64 0
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 [[S0]])
; CHECK-NEXT:    [[B1:%.*]] = extractelement <2 x i1> %m, i64 1
; CHECK-NEXT:    [[P1:%.*]] = getelementptr inbounds double, ptr %p, i64 1
; CHECK-NEXT:    [[S1:%.*]] = select i1 [[B1]], i64 8, i64 0
; CHECK-NEXT:    call void @__pma_store_n(ptr [[P1]], i64 [[S1]])
; CHECK-NEXT:    call void @llvm.masked.store.v2f64.p0(
define void @var_mask(ptr %p, <2 x double> %v, <2 x i1> %m) {
  call void @llvm.masked.store.v2f64.p0(<2 x double> %v, ptr %p, i32 8, <2 x i1> %m)
  ret void
}

; CHECK-LABEL: define void @scatter(
; CHECK:         [[A0:%.*]] = extractelement <2 x ptr> %ps, i64 0
; CHECK:         call void @__pma_store_n(ptr [[A0]], i64
; CHECK:         [[A1:%.*]] = extractelement <2 x ptr> %ps, i64 1
; CHECK:         call void @__pma_store_n(ptr [[A1]], i64
; CHECK-NEXT:    call void @llvm.masked.scatter.v2i64.v2p0(
define void @scatter(<2 x ptr> %ps, <2 x i64> %v, <2 x i1> %m) {
  call void @llvm.masked.scatter.v2i64.v2p0(<2 x i64> %v, <2 x ptr> %ps, i32 8, <2 x i1> %m)
  ret void
}

; compressstore writes popcount(mask) consecutive elements.
; CHECK-LABEL: define void @compress(
; CHECK-NEXT:    [[BITS:%.*]] = bitcast <4 x i1> %m to i4
; CHECK-NEXT:    [[POP:%.*]] = call i4 @llvm.ctpop.i4(i4 [[BITS]])
; CHECK-NEXT:    [[CNT:%.*]] = zext i4 [[POP]] to i64
; CHECK-NEXT:    [[SIZE:%.*]] = mul i64 [[CNT]], 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %p, i64 [[SIZE]])
; CHECK-NEXT:    call void @llvm.masked.compressstore.v4f32(
define void @compress(ptr %p, <4 x float> %v, <4 x i1> %m) {
  call void @llvm.masked.compressstore.v4f32(<4 x float> %v, ptr %p, <4 x i1> %m)
  ret void
}

declare void @llvm.masked.store.v4i32.p0(<4 x i32>, ptr, i32, <4 x i1>)
declare void @llvm.masked.store.v2f64.p0(<2 x double>, ptr, i32, <2 x i1>)
declare void @llvm.masked.scatter.v2i64.v2p0(<2 x i64>, <2 x ptr>, i32, <2 x i1>)
declare void @llvm.masked.compressstore.v4f32(<4 x float>, ptr, <4 x i1>)
