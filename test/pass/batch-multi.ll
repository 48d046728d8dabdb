; The hooks left in a run of a basic block with no possible FASE boundary,
; for writes to different places, become one __pma_store_v call before the
; first of them when every address (and variable length) is known there: the
; runtime saves all ranges in one multi-range undo record under one fence.
; Each range is exactly what its write writes (never the gap between two).
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,MULTI
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pass-remarks-analysis=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; Two objects: the array {addr, len} pairs are filled, then one call; the
; stores keep no hook of their own.
; CHECK-LABEL: define void @two_objects(
; MULTI:         %pma.spans = alloca [16 x i64]
; MULTI:         store ptr %p, ptr %pma.spans
; MULTI-NEXT:    %[[L0:[0-9]+]] = getelementptr inbounds i8, ptr %pma.spans, i64 8
; MULTI-NEXT:    store i64 8, ptr %[[L0]]
; MULTI-NEXT:    %[[A1:[0-9]+]] = getelementptr inbounds i8, ptr %pma.spans, i64 16
; MULTI-NEXT:    store ptr %q, ptr %[[A1]]
; MULTI-NEXT:    %[[L1:[0-9]+]] = getelementptr inbounds i8, ptr %pma.spans, i64 24
; MULTI-NEXT:    store i64 4, ptr %[[L1]]
; MULTI-NEXT:    call void @__pma_store_v(ptr %pma.spans, i64 2)
; MULTI-NEXT:    store i64 1, ptr %p
; MULTI-NEXT:    store i32 2, ptr %q
; MULTI-NEXT:    ret void
; KEEP:          call void @__pma_store8(ptr %p)
; KEEP-NEXT:     store i64 1, ptr %p
; KEEP-NEXT:     call void @__pma_store4(ptr %q)
; KEEP-NEXT:     store i32 2, ptr %q
; REMARK: remark: <unknown>:0:0: logged 2 ranges of 2 writes with one multi-range hook
define void @two_objects(ptr %p, ptr %q) {
  store i64 1, ptr %p
  store i32 2, ptr %q
  ret void
}

; Two fields with a gap between them: two ranges, not one span over the gap
; (the gap may be another lock's data).  The second address is computed
; after the first store: a copy of its GEP computes it before the hook.
; CHECK-LABEL: define void @gap(
; MULTI:         store ptr %p, ptr %pma.spans
; MULTI:         %[[F:[0-9]+]] = getelementptr inbounds i8, ptr %p, i64 16
; MULTI-NEXT:    store ptr %[[F]], ptr
; MULTI:         call void @__pma_store_v(ptr %pma.spans, i64 2)
; MULTI-NEXT:    store i64 1, ptr %p
; MULTI-NEXT:    %f = getelementptr
; MULTI-NEXT:    store i64 2, ptr %f
; KEEP:          call void @__pma_store8(ptr %p)
; KEEP:          call void @__pma_store8(ptr %f)
define void @gap(ptr %p) {
  store i64 1, ptr %p
  %f = getelementptr inbounds i8, ptr %p, i64 16
  store i64 2, ptr %f
  ret void
}

; A gap-free batch joins as one range (16 bytes at %p), the store to %q as
; another.
; CHECK-LABEL: define void @with_batch(
; MULTI:         store ptr %p, ptr %pma.spans
; MULTI-NEXT:    getelementptr inbounds i8, ptr %pma.spans, i64 8
; MULTI-NEXT:    store i64 16,
; MULTI:         store ptr %q,
; MULTI:         store i64 8,
; MULTI-NEXT:    call void @__pma_store_v(ptr %pma.spans, i64 2)
; MULTI-NOT:     call void @__pma_store
; MULTI:         ret void
; KEEP:          call void @__pma_store{{8|16}}(ptr %p)
; KEEP:          call void @__pma_store8(ptr %q)
define void @with_batch(ptr %p, ptr %q) {
  store i64 1, ptr %p
  %f = getelementptr inbounds i8, ptr %p, i64 8
  store i64 2, ptr %f
  store i64 3, ptr %q
  ret void
}

; The second address is loaded after the first store: unknown before it, so
; that store keeps its own hook, and one store left alone needs no batch.
; CHECK-LABEL: define void @late_address(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    %x = load ptr, ptr %pp
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 2, ptr %x
define void @late_address(ptr %p, ptr %pp) {
  store i64 1, ptr %p
  %x = load ptr, ptr %pp
  store i64 2, ptr %x
  ret void
}

; A call that may take or release a lock ends the run.
; CHECK-LABEL: define void @call_between(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    call void @unknown()
; CHECK-NEXT:    call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store i64 2, ptr %q
define void @call_between(ptr %p, ptr %q) {
  store i64 1, ptr %p
  call void @unknown()
  store i64 2, ptr %q
  ret void
}

; Atomic and volatile stores keep their own hooks (another thread may write
; the word between an early log and the store).
; CHECK-LABEL: define void @atomic_volatile(
; CHECK:         call void @__pma_atomic_begin(ptr %p, i64 8)
; CHECK-NEXT:    store atomic i64 1, ptr %p release
; CHECK-NEXT:    call void @__pma_atomic_end()
; CHECK-NEXT:    call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store volatile i64 2, ptr %q
; CHECK-NEXT:    call void @__pma_store8(ptr %r)
; CHECK-NEXT:    store i64 3, ptr %r
define void @atomic_volatile(ptr %p, ptr %q, ptr %r) {
  store atomic i64 1, ptr %p release, align 8
  store volatile i64 2, ptr %q
  store i64 3, ptr %r
  ret void
}

; A variable-length memmove (B-tree insert: shift the keys, store the new
; one, bump the count) joins with its length; it still goes to
; __pma_memmove, which finds its bytes logged (PMA_SPAN_NT: the runtime
; leaves a long one to the non-temporal path).  A small constant memset
; joins and loses its hook.
; CHECK-LABEL: define void @shift(
; MULTI:         %[[NT:[0-9]+]] = or i64 %n, -9223372036854775808
; MULTI-NEXT:    store ptr %dst, ptr %pma.spans
; MULTI-NEXT:    getelementptr
; MULTI-NEXT:    store i64 %[[NT]],
; MULTI:         store ptr %keys,
; MULTI:         store i64 8,
; MULTI:         store ptr %hdr,
; MULTI:         store i64 24,
; MULTI:         call void @__pma_store_v(ptr %pma.spans, i64 3)
; MULTI-NEXT:    call ptr @__pma_memmove(ptr %dst, ptr %keys, i64 %n)
; MULTI-NEXT:    store i64 %k, ptr %keys
; MULTI-NEXT:    call void @llvm.memset.p0.i64(ptr %hdr, i8 0, i64 24, i1 false)
; MULTI-NEXT:    ret void
; KEEP:          call {{.*}}@{{__pma_memmove|__pma_store_n}}(ptr %dst
; KEEP:          call void @__pma_store8(ptr %keys)
; KEEP:          call void @__pma_store_n(ptr %hdr, i64 24)
; REMARK: remark: <unknown>:0:0: logged 3 ranges of 3 writes with one multi-range hook
define void @shift(ptr %keys, i64 %n, i64 %k, ptr %hdr) {
  %dst = getelementptr inbounds i8, ptr %keys, i64 8
  call void @llvm.memmove.p0.p0.i64(ptr %dst, ptr %keys, i64 %n, i1 false)
  store i64 %k, ptr %keys
  call void @llvm.memset.p0.i64(ptr %hdr, i8 0, i64 24, i1 false)
  ret void
}

; At most 8 ranges per call: nine stores to nine places make one call of
; eight and a store with a hook of its own.
; CHECK-LABEL: define void @nine(
; MULTI:         call void @__pma_store_v(ptr %pma.spans, i64 8)
; MULTI-COUNT-8: store i64 0, ptr %p
; MULTI-NEXT:    call void @__pma_store8(ptr %p8)
; MULTI-NEXT:    store i64 0, ptr %p8
define void @nine(ptr %p0, ptr %p1, ptr %p2, ptr %p3, ptr %p4, ptr %p5, ptr %p6, ptr %p7, ptr %p8) {
  store i64 0, ptr %p0
  store i64 0, ptr %p1
  store i64 0, ptr %p2
  store i64 0, ptr %p3
  store i64 0, ptr %p4
  store i64 0, ptr %p5
  store i64 0, ptr %p6
  store i64 0, ptr %p7
  store i64 0, ptr %p8
  ret void
}

; The entry point matches include/pmatomic_interface.h and never unwinds.
; MULTI: declare void @__pma_store_v(ptr, i64) #[[ATTR:[0-9]+]]
; MULTI: attributes #[[ATTR]] = { nounwind }

declare void @unknown()
declare void @llvm.memmove.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
