; memcpy/memmove/memset whose length is not a constant below 1024 become
; calls of __pma_memcpy/__pma_memmove/__pma_memset (the runtime logs, then
; writes non-temporally when the range is large, in the heap and in a FASE);
; small constant lengths, volatile, .inline, element-wise atomic and _chk
; forms keep the hook and the write.  -pmatomic-no-nt-copy and
; -pmatomic-no-opt turn the rewrite off.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,NT,OPT
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-nt-copy -S %s | FileCheck %s --check-prefixes=CHECK,OFF,OPT,COVER
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -S %s | FileCheck %s --check-prefixes=CHECK,OFF
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -pmatomic-no-nt-copy=false -S %s | FileCheck %s --check-prefixes=CHECK,NT
; RUN: %opt-pma -passes=pmatomic -pass-remarks=pmatomic -pass-remarks-analysis=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-nt-copy -pass-remarks=pmatomic -pass-remarks-analysis=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=NOREMARK

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; REMARK-DAG: remark: {{.*}}'llvm.memcpy.p0.p0.i64' replaced by '__pma_memcpy' (non-temporal when large, in the heap and in a FASE)
; REMARK-DAG: remark: {{.*}}call to 'memcpy' replaced by '__pma_memcpy'
; REMARK-DAG: remark: {{.*}}sent 1 memcpy/memmove/memset to the non-temporal path
; REMARK-DAG: remark: {{.*}}sent 2 memcpy/memmove/memset to the non-temporal path
; NOREMARK-NOT: non-temporal

; CHECK-LABEL: define void @memcpy_var(
; NT-NEXT:       call ptr @__pma_memcpy(ptr %d, ptr %s, i64 %n)
; NT-NEXT:       ret void
; OFF-NEXT:      call void @__pma_store_n(ptr %d, i64 %n)
; OFF-NEXT:      call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
define void @memcpy_var(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  ret void
}

; 1024 is the first constant length that goes to the runtime.
; CHECK-LABEL: define void @memcpy_1024(
; NT-NEXT:       call ptr @__pma_memcpy(ptr %d, ptr %s, i64 1024)
; NT-NOT:        @llvm.memcpy
; OFF-NEXT:      call void @__pma_store_n(ptr %d, i64 1024)
; OFF-NEXT:      call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 1024, i1 false)
define void @memcpy_1024(ptr %d, ptr %s) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 1024, i1 false)
  ret void
}

; CHECK-LABEL: define void @memcpy_1023(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 1023)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 1023, i1 false)
define void @memcpy_1023(ptr %d, ptr %s) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 1023, i1 false)
  ret void
}

; A constant 64-byte copy keeps the inline path the backend turns into moves.
; CHECK-LABEL: define void @memcpy_64(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 64)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 64, i1 false)
; CHECK-NOT:     __pma_memcpy
define void @memcpy_64(ptr %d, ptr %s) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 64, i1 false)
  ret void
}

; A 32-bit length is zero-extended to size_t; the memset value to int.
; CHECK-LABEL: define void @memmove_i32_len(
; NT-NEXT:       [[LEN:%.*]] = zext i32 %n to i64
; NT-NEXT:       call ptr @__pma_memmove(ptr %d, ptr %s, i64 [[LEN]])
; NT-NEXT:       ret void
define void @memmove_i32_len(ptr %d, ptr %s, i32 %n) {
  call void @llvm.memmove.p0.p0.i32(ptr %d, ptr %s, i32 %n, i1 false)
  ret void
}

; CHECK-LABEL: define void @memset_var(
; NT-NEXT:       [[C:%.*]] = zext i8 %c to i32
; NT-NEXT:       call ptr @__pma_memset(ptr %d, i32 [[C]], i64 %n)
; NT-NEXT:       ret void
; OFF-NEXT:      call void @__pma_store_n(ptr %d, i64 %n)
; OFF-NEXT:      call void @llvm.memset.p0.i64(ptr %d, i8 %c, i64 %n, i1 false)
define void @memset_var(ptr %d, i8 %c, i64 %n) {
  call void @llvm.memset.p0.i64(ptr %d, i8 %c, i64 %n, i1 false)
  ret void
}

; CHECK-LABEL: define void @memset_big(
; NT-NEXT:       call ptr @__pma_memset(ptr %d, i32 255, i64 65536)
; NT-NEXT:       ret void
define void @memset_big(ptr %d) {
  call void @llvm.memset.p0.i64(ptr %d, i8 -1, i64 65536, i1 false)
  ret void
}

; Volatile: the accesses stay as written.
; CHECK-LABEL: define void @volatile_memcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 true)
define void @volatile_memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 true)
  ret void
}

; .inline must never become a call.
; CHECK-LABEL: define void @memset_inline_big(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 4096)
; CHECK-NEXT:    call void @llvm.memset.inline.p0.i64(ptr %d, i8 0, i64 4096, i1 false)
define void @memset_inline_big(ptr %d) {
  call void @llvm.memset.inline.p0.i64(ptr %d, i8 0, i64 4096, i1 false)
  ret void
}

; Element-wise atomic copies are not what the runtime's copy does.
; CHECK-LABEL: define void @atomic_memcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(
define void @atomic_memcpy(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(ptr align 4 %d, ptr align 4 %s, i64 %n, i32 4)
  ret void
}

; A source in another address space cannot be passed as a generic pointer.
; CHECK-LABEL: define void @memcpy_from_as1(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @llvm.memcpy.p0.p1.i64(
define void @memcpy_from_as1(ptr %d, ptr addrspace(1) %s, i64 %n) {
  call void @llvm.memcpy.p0.p1.i64(ptr %d, ptr addrspace(1) %s, i64 %n, i1 false)
  ret void
}

; libc calls: the entry point returns dst, which replaces the call's result.
; CHECK-LABEL: define ptr @call_memcpy(
; NT-NEXT:       [[R:%.*]] = call ptr @__pma_memcpy(ptr %d, ptr %s, i64 %n)
; NT-NEXT:       ret ptr [[R]]
; OFF-NEXT:      call void @__pma_store_n(ptr %d, i64 %n)
; OFF-NEXT:      [[R:%.*]] = call ptr @memcpy(ptr %d, ptr %s, i64 %n)
define ptr @call_memcpy(ptr %d, ptr %s, i64 %n) {
  %r = call ptr @memcpy(ptr %d, ptr %s, i64 %n)
  ret ptr %r
}

; CHECK-LABEL: define void @call_memset_memmove(
; NT-NEXT:       call ptr @__pma_memset(ptr %d, i32 %c, i64 %n)
; NT-NEXT:       call ptr @__pma_memmove(ptr %d, ptr %s, i64 %n)
; NT-NEXT:       ret void
define void @call_memset_memmove(ptr %d, ptr %s, i32 %c, i64 %n) {
  call ptr @memset(ptr %d, i32 %c, i64 %n) nobuiltin
  call ptr @memmove(ptr %d, ptr %s, i64 %n)
  ret void
}

; _FORTIFY_SOURCE: the call does the object-size check, keep it.
; CHECK-LABEL: define void @call_memcpy_chk(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @__memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %o)
define void @call_memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %o) {
  call ptr @__memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %o)
  ret void
}

; Elided writes stay as they are: a stack slot that does not escape, and a
; block just allocated with a constant size below 64 KiB (its range is noted
; for flushing by pma_malloc).  (-pmatomic-no-opt turns fresh-block elision
; off.)  A block of variable size is not noted whole: the copy into it keeps
; its hook, and so goes to the non-temporal entry point.
; CHECK-LABEL: define void @elided(
; CHECK-NOT:     call {{.*}}@__pma
; CHECK:         call void @llvm.memcpy.p0.p0.i64(ptr %buf, ptr %s, i64 4096, i1 false)
; OPT-NEXT:      %b = call ptr @pma_malloc(i64 8192)
; OPT-NEXT:      call void @llvm.memcpy.p0.p0.i64(ptr %b, ptr %s, i64 %n, i1 false)
; OPT-NEXT:      %v = call ptr @pma_malloc(i64 %n)
; NT:            call ptr @__pma_memcpy(ptr %v, ptr %s, i64 %n)
; OFF:           call void @__pma_store_n(ptr %v, i64 %n)
; OFF-NEXT:      call void @llvm.memcpy.p0.p0.i64(ptr %v, ptr %s, i64 %n, i1 false)
; OPT-NEXT:      ret void
define void @elided(ptr %s, i64 %n) {
  %buf = alloca [4096 x i8]
  call void @llvm.memcpy.p0.p0.i64(ptr %buf, ptr %s, i64 4096, i1 false)
  %b = call ptr @pma_malloc(i64 8192)
  call void @llvm.memcpy.p0.p0.i64(ptr %b, ptr %s, i64 %n, i1 false)
  %v = call ptr @pma_malloc(i64 %n)
  call void @llvm.memcpy.p0.p0.i64(ptr %v, ptr %s, i64 %n, i1 false)
  ret void
}

; A non-temporal write's range is not noted for the commit's flush, so it
; covers no later store (which keeps its hook); the hook of the old path does
; (unless -pmatomic-no-opt turns dominated-store elision off as well).
; CHECK-LABEL: define void @covers_nothing(
; NT-NEXT:       call ptr @__pma_memset(ptr %d, i32 0, i64 4096)
; NT-NEXT:       call void @__pma_store8(ptr %d)
; NT-NEXT:       store i64 1, ptr %d
; COVER-NEXT:    call void @__pma_store_n(ptr %d, i64 4096)
; COVER-NEXT:    call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 4096, i1 false)
; COVER-NEXT:    store i64 1, ptr %d
define void @covers_nothing(ptr %d) {
  call void @llvm.memset.p0.i64(ptr %d, i8 0, i64 4096, i1 false)
  store i64 1, ptr %d
  ret void
}

declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memcpy.p0.p1.i64(ptr, ptr addrspace(1), i64, i1)
declare void @llvm.memmove.p0.p0.i32(ptr, ptr, i32, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memset.inline.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.element.unordered.atomic.p0.p0.i64(ptr, ptr, i64, i32)
declare ptr @memcpy(ptr, ptr, i64)
declare ptr @memmove(ptr, ptr, i64)
declare ptr @memset(ptr, i32, i64)
declare ptr @__memcpy_chk(ptr, ptr, i64, i64)
declare ptr @pma_malloc(i64)
