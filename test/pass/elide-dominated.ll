; A write of constant size at a constant offset of a base pointer needs no
; hook when an earlier hook on the same base (same SSA value) covers its
; bytes, dominates it, and no possible FASE boundary lies on any path in
; between: rollback keeps the oldest saved value.  At most 8 hook calls may
; run in between (the runtime re-notes its last 32 hook ranges after an
; early flush of the dirty list), none of them in a loop.
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-batching -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,ELIDE
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-batching -pmatomic-no-multi-batching -pmatomic-no-dominated-elision -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -S %s | FileCheck %s --check-prefixes=CHECK,KEEP

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; x->n++ twice, a narrower store inside the first, in later blocks that the
; first store dominates; an atomic on the same word keeps its hook, which
; also links FASEs through the word (__pma_atomic_begin).
; CHECK-LABEL: define void @covered(
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 %a, ptr %n
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store4(ptr %hi)
; CHECK:         store i32 0, ptr %hi
; KEEP:          call void @__pma_store8(ptr %n)
; CHECK:         store i64 %b, ptr %n
; CHECK:         call void @__pma_atomic_begin(ptr %n, i64 8)
; CHECK-NEXT:    atomicrmw add ptr %n, i64 1
; CHECK-NEXT:    call void @__pma_atomic_end()
define void @covered(ptr %x, i64 %a, i64 %b, i1 %c) {
entry:
  %n = getelementptr inbounds i8, ptr %x, i64 8
  store i64 %a, ptr %n
  %hi = getelementptr inbounds i8, ptr %x, i64 12
  store i32 0, ptr %hi
  br i1 %c, label %then, label %join
then:
  store i64 %b, ptr %n
  br label %join
join:
  %old = atomicrmw add ptr %n, i64 1 seq_cst
  ret void
}

; A memset covers the stores into its range that follow it.
; CHECK-LABEL: define void @memset_covers(
; CHECK:         call void @__pma_store_n(ptr %x, i64 64)
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %f)
; CHECK:         store i64 1, ptr %f
define void @memset_covers(ptr %x) {
  call void @llvm.memset.p0.i64(ptr %x, i8 0, i64 64, i1 false)
  %f = getelementptr inbounds i8, ptr %x, i64 56
  store i64 1, ptr %f
  ret void
}

; A call in between may end the FASE: the second store starts a new one.
; CHECK-LABEL: define void @call_between(
; CHECK:         call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 1, ptr %x
; CHECK:         call i32 @__pma_mutex_unlock(ptr %m)
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 2, ptr %x
; CHECK:         call void @unknown()
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 3, ptr %x
define void @call_between(ptr %x, ptr %m) {
  store i64 1, ptr %x
  call i32 @pthread_mutex_unlock(ptr %m)
  store i64 2, ptr %x
  call void @unknown()
  store i64 3, ptr %x
  ret void
}

; The call is on a path around a loop: S1 -> S2 -> call -> S2.
; CHECK-LABEL: define void @call_on_back_edge(
; CHECK:       loop:
; CHECK-NEXT:    phi
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 %i, ptr %x
define void @call_on_back_edge(ptr %x, i64 %count) {
entry:
  store i64 0, ptr %x
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  store i64 %i, ptr %x
  call void @unknown()
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %count
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; The earlier store does not dominate the later one (it is on one branch).
; CHECK-LABEL: define void @not_dominating(
; CHECK:       then:
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 1, ptr %x
; CHECK:       join:
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 2, ptr %x
define void @not_dominating(ptr %x, i1 %c) {
entry:
  br i1 %c, label %then, label %join
then:
  store i64 1, ptr %x
  br label %join
join:
  store i64 2, ptr %x
  ret void
}

; Not covered: wider than the earlier store, or another base (which may or
; may not alias: only the same SSA value counts).
; CHECK-LABEL: define void @not_covered(
; CHECK:         call void @__pma_store4(ptr %x)
; CHECK-NEXT:    store i32 1, ptr %x
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 2, ptr %x
; CHECK-NEXT:    call void @__pma_store8(ptr %y)
; CHECK-NEXT:    store i64 3, ptr %y
define void @not_covered(ptr %x, ptr %y) {
  store i32 1, ptr %x
  store i64 2, ptr %x
  store i64 3, ptr %y
  ret void
}

; More than 8 hook calls in between: the covering range could have been
; flushed and forgotten by an overflow of the runtime's dirty list.
; CHECK-LABEL: define void @too_many_hooks(
; CHECK:         store i64 9, ptr %y8
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 10, ptr %x
define void @too_many_hooks(ptr %x, ptr %y) {
  store i64 0, ptr %x
  %y0 = getelementptr inbounds i8, ptr %y, i64 0
  store i64 1, ptr %y0
  %y1 = getelementptr inbounds i8, ptr %y, i64 100
  store i64 2, ptr %y1
  %y2 = getelementptr inbounds i8, ptr %y, i64 200
  store i64 3, ptr %y2
  %y3 = getelementptr inbounds i8, ptr %y, i64 300
  store i64 4, ptr %y3
  %y4 = getelementptr inbounds i8, ptr %y, i64 400
  store i64 5, ptr %y4
  %y5 = getelementptr inbounds i8, ptr %y, i64 500
  store i64 6, ptr %y5
  %y6 = getelementptr inbounds i8, ptr %y, i64 600
  store i64 7, ptr %y6
  %y7 = getelementptr inbounds i8, ptr %y, i64 700
  store i64 8, ptr %y7
  %y8 = getelementptr inbounds i8, ptr %y, i64 800
  store i64 9, ptr %y8
  store i64 10, ptr %x
  ret void
}

; A hook inside a loop in between runs an unbounded number of times.
; CHECK-LABEL: define void @hook_in_loop_between(
; CHECK:       exit:
; CHECK-NEXT:    call void @__pma_store8(ptr %x)
; CHECK-NEXT:    store i64 2, ptr %x
define void @hook_in_loop_between(ptr %x, ptr %y, i64 %count) {
entry:
  store i64 1, ptr %x
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %slot = getelementptr inbounds i64, ptr %y, i64 %i
  store i64 %i, ptr %slot
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %count
  br i1 %done, label %exit, label %loop
exit:
  store i64 2, ptr %x
  ret void
}

declare void @unknown()
declare i32 @pthread_mutex_unlock(ptr)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
