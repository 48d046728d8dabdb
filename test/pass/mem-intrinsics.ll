; Memory intrinsics, recognised by class, log len bytes at the destination
; (never at the source) with __pma_store_n.  Without -pmatomic-no-nt-copy the
; large and variable-length ones become __pma_mem* calls instead (nt-copy.ll).
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-nt-copy -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @memset_var(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 %n, i1 false)
define void @memset_var(ptr %d, i64 %n) {
  call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 %n, i1 false)
  ret void
}

; CHECK-LABEL: define void @memset_const(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 24)
; CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr %d, i8 7, i64 24, i1 false)
define void @memset_const(ptr %d) {
  call void @llvm.memset.p0.i64(ptr %d, i8 7, i64 24, i1 false)
  ret void
}

; CHECK-LABEL: define void @memset_inline(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 8)
; CHECK-NEXT:    call void @llvm.memset.inline.p0.i64(ptr %d, i8 0, i64 8, i1 false)
define void @memset_inline(ptr %d) {
  call void @llvm.memset.inline.p0.i64(ptr %d, i8 0, i64 8, i1 false)
  ret void
}

; CHECK-LABEL: define void @memcpy_var(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
define void @memcpy_var(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret void
}

; CHECK-LABEL: define void @memcpy_inline(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 16)
; CHECK-NEXT:    call void @llvm.memcpy.inline.p0.p0.i64(ptr %d, ptr %s, i64 16, i1 false)
define void @memcpy_inline(ptr %d, ptr %s) {
  call void @llvm.memcpy.inline.p0.p0.i64(ptr %d, ptr %s, i64 16, i1 false)
  ret void
}

; CHECK-LABEL: define void @memmove_var(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memmove.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
define void @memmove_var(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memmove.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret void
}

; A 32-bit length is zero-extended to size_t.
; CHECK-LABEL: define void @memcpy_i32_len(
; CHECK-NEXT:    [[LEN:%.*]] = zext i32 %n to i64
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[LEN]])
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i32(ptr %d, ptr %s, i32 %n, i1 false)
define void @memcpy_i32_len(ptr %d, ptr %s, i32 %n) {
  call void @llvm.memcpy.p0.p0.i32(ptr %d, ptr %s, i32 %n, i1 false)
  ret void
}

; CHECK-LABEL: define void @volatile_memset(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 %n, i1 true)
define void @volatile_memset(ptr %d, i64 %n) {
  call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 %n, i1 true)
  ret void
}

; Element-wise atomic forms: the length is in bytes too.
; CHECK-LABEL: define void @atomic_memcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(
define void @atomic_memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(ptr align 4 %d, ptr align 4 %s, i64 %n, i32 4)
  ret void
}

; CHECK-LABEL: define void @atomic_memmove(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memmove.element.unordered.atomic.p0.p0.i64(
define void @atomic_memmove(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memmove.element.unordered.atomic.p0.p0.i64(ptr align 4 %d, ptr align 4 %s, i64 %n, i32 4)
  ret void
}

; CHECK-LABEL: define void @atomic_memset(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memset.element.unordered.atomic.p0.i64(
define void @atomic_memset(ptr %d, i64 %n) {
  call void @llvm.memset.element.unordered.atomic.p0.i64(ptr align 4 %d, i8 0, i64 %n, i32 4)
  ret void
}

; A length known to be zero writes nothing.
; CHECK-LABEL: define void @memset_zero(
; CHECK-NOT:     call void @__pma
; CHECK:         call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 0, i1 false)
define void @memset_zero(ptr %d) {
  call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 0, i1 false)
  ret void
}

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memset.inline.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memcpy.p0.p0.i32(ptr, ptr, i32, i1)
declare void @llvm.memcpy.inline.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memmove.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(ptr, ptr, i64, i32)
declare void @llvm.memmove.element.unordered.atomic.p0.p0.i64(ptr, ptr, i64, i32)
declare void @llvm.memset.element.unordered.atomic.p0.i64(ptr, i8, i64, i32)
