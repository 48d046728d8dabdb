; Stores of one basic block at constant offsets of one base pointer, with no
; possible FASE boundary between the first and the last, whose ranges form
; one gap-free span of at most 256 bytes get one hook for the span, before
; the first of them: one undo record and one fence instead of several.
; Never across a gap: the bytes between two fields may be another lock's.
; (Writes to different places of a block share a multi-range hook instead:
; batch-multi.ll; it is off here.)
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,BATCH
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-batching -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -S %s | FileCheck %s --check-prefixes=CHECK,KEEP

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; Three neighbouring fields, stored out of address order: one 16-byte hook
; at the lowest address, before the first store.
; CHECK-LABEL: define void @fields(
; BATCH:         call void @__pma_store16(ptr %a)
; BATCH-NEXT:    store i32 1, ptr %b
; BATCH-NEXT:    store i64 2, ptr %a
; BATCH-NEXT:    store i32 3, ptr %c
; KEEP:          call void @__pma_store4(ptr %b)
; KEEP-NEXT:     store i32 1, ptr %b
; KEEP-NEXT:     call void @__pma_store8(ptr %a)
; KEEP-NEXT:     store i64 2, ptr %a
; KEEP-NEXT:     call void @__pma_store4(ptr %c)
; KEEP-NEXT:     store i32 3, ptr %c
define void @fields(ptr %p) {
  %a = getelementptr inbounds i8, ptr %p, i64 8
  %b = getelementptr inbounds i8, ptr %p, i64 16
  %c = getelementptr inbounds i8, ptr %p, i64 20
  store i32 1, ptr %b
  store i64 2, ptr %a
  store i32 3, ptr %c
  ret void
}

; The address of the span's start is computed after the first store: the
; hook gets its own pointer, computed before the first store.  Odd sizes go
; to __pma_store_n.
; CHECK-LABEL: define void @late_gep(
; BATCH:         %[[START:[0-9]+]] = getelementptr i8, ptr %p, i64 4
; BATCH-NEXT:    call void @__pma_store_n(ptr %[[START]], i64 12)
; BATCH-NEXT:    store i64 1, ptr %hi
; BATCH:         store i32 2, ptr %lo
define void @late_gep(ptr %p) {
  %hi = getelementptr inbounds i8, ptr %p, i64 8
  store i64 1, ptr %hi
  %lo = getelementptr inbounds i8, ptr %p, i64 4
  store i32 2, ptr %lo
  ret void
}

; A gap between the fields: two hooks (the gap may be another lock's data).
; CHECK-LABEL: define void @gap(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    getelementptr
; CHECK-NEXT:    call void @__pma_store8(ptr %f)
; CHECK-NEXT:    store i64 2, ptr %f
define void @gap(ptr %p) {
  store i64 1, ptr %p
  %f = getelementptr inbounds i8, ptr %p, i64 16
  store i64 2, ptr %f
  ret void
}

; A call between the stores may begin or end a FASE.
; CHECK-LABEL: define void @call_between(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    call void @unknown()
; CHECK-NEXT:    getelementptr
; CHECK-NEXT:    call void @__pma_store8(ptr %f)
; CHECK-NEXT:    store i64 2, ptr %f
define void @call_between(ptr %p) {
  store i64 1, ptr %p
  call void @unknown()
  %f = getelementptr inbounds i8, ptr %p, i64 8
  store i64 2, ptr %f
  ret void
}

; At most 256 bytes per hook: 33 contiguous 8-byte stores make a 256-byte
; batch and a single store.
; CHECK-LABEL: define void @span_limit(
; BATCH:         call void @__pma_store_n(ptr %p, i64 256)
; BATCH-NEXT:    store i64 0, ptr %p
; BATCH-NOT:     call void @__pma_store
; BATCH:         call void @__pma_store8(ptr %f256)
; BATCH-NEXT:    store i64 32, ptr %f256
define void @span_limit(ptr %p) {
  store i64 0, ptr %p
  %f8 = getelementptr inbounds i8, ptr %p, i64 8
  store i64 1, ptr %f8
  %f16 = getelementptr inbounds i8, ptr %p, i64 16
  store i64 2, ptr %f16
  %f24 = getelementptr inbounds i8, ptr %p, i64 24
  store i64 3, ptr %f24
  %f32 = getelementptr inbounds i8, ptr %p, i64 32
  store i64 4, ptr %f32
  %f40 = getelementptr inbounds i8, ptr %p, i64 40
  store i64 5, ptr %f40
  %f48 = getelementptr inbounds i8, ptr %p, i64 48
  store i64 6, ptr %f48
  %f56 = getelementptr inbounds i8, ptr %p, i64 56
  store i64 7, ptr %f56
  %f64 = getelementptr inbounds i8, ptr %p, i64 64
  store i64 8, ptr %f64
  %f72 = getelementptr inbounds i8, ptr %p, i64 72
  store i64 9, ptr %f72
  %f80 = getelementptr inbounds i8, ptr %p, i64 80
  store i64 10, ptr %f80
  %f88 = getelementptr inbounds i8, ptr %p, i64 88
  store i64 11, ptr %f88
  %f96 = getelementptr inbounds i8, ptr %p, i64 96
  store i64 12, ptr %f96
  %f104 = getelementptr inbounds i8, ptr %p, i64 104
  store i64 13, ptr %f104
  %f112 = getelementptr inbounds i8, ptr %p, i64 112
  store i64 14, ptr %f112
  %f120 = getelementptr inbounds i8, ptr %p, i64 120
  store i64 15, ptr %f120
  %f128 = getelementptr inbounds i8, ptr %p, i64 128
  store i64 16, ptr %f128
  %f136 = getelementptr inbounds i8, ptr %p, i64 136
  store i64 17, ptr %f136
  %f144 = getelementptr inbounds i8, ptr %p, i64 144
  store i64 18, ptr %f144
  %f152 = getelementptr inbounds i8, ptr %p, i64 152
  store i64 19, ptr %f152
  %f160 = getelementptr inbounds i8, ptr %p, i64 160
  store i64 20, ptr %f160
  %f168 = getelementptr inbounds i8, ptr %p, i64 168
  store i64 21, ptr %f168
  %f176 = getelementptr inbounds i8, ptr %p, i64 176
  store i64 22, ptr %f176
  %f184 = getelementptr inbounds i8, ptr %p, i64 184
  store i64 23, ptr %f184
  %f192 = getelementptr inbounds i8, ptr %p, i64 192
  store i64 24, ptr %f192
  %f200 = getelementptr inbounds i8, ptr %p, i64 200
  store i64 25, ptr %f200
  %f208 = getelementptr inbounds i8, ptr %p, i64 208
  store i64 26, ptr %f208
  %f216 = getelementptr inbounds i8, ptr %p, i64 216
  store i64 27, ptr %f216
  %f224 = getelementptr inbounds i8, ptr %p, i64 224
  store i64 28, ptr %f224
  %f232 = getelementptr inbounds i8, ptr %p, i64 232
  store i64 29, ptr %f232
  %f240 = getelementptr inbounds i8, ptr %p, i64 240
  store i64 30, ptr %f240
  %f248 = getelementptr inbounds i8, ptr %p, i64 248
  store i64 31, ptr %f248
  %f256 = getelementptr inbounds i8, ptr %p, i64 256
  store i64 32, ptr %f256
  ret void
}

; Different blocks are never batched; different bases neither.
; CHECK-LABEL: define void @blocks_and_bases(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store i64 2, ptr %q
; CHECK:       next:
; CHECK-NEXT:    getelementptr
; CHECK-NEXT:    call void @__pma_store8(ptr %f)
; CHECK-NEXT:    store i64 3, ptr %f
define void @blocks_and_bases(ptr %p, ptr %q) {
entry:
  store i64 1, ptr %p
  store i64 2, ptr %q
  br label %next
next:
  %f = getelementptr inbounds i8, ptr %p, i64 8
  store i64 3, ptr %f
  ret void
}

declare void @unknown()
