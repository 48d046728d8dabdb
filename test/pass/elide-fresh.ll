; A write into a block that pma_malloc / pma_calloc / pma_realloc(NULL, n)
; returned in the same function, with no possible FASE boundary (a call other
; than a hook, a quiet intrinsic or a quiet libc function) on any path from
; the allocation to the write, needs no undo record: a rollback frees the
; block.  The runtime notes the whole block for flushing at commit -- when
; its size is a constant below 64 KiB (@size_bound).
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,ELIDE
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-fresh-elision -pmatomic-no-batching -pmatomic-no-multi-batching -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -S %s | FileCheck %s --check-prefixes=CHECK,KEEP
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -pmatomic-no-fresh-elision=false -S %s | FileCheck %s --check-prefixes=CHECK,ELIDE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; A list insert: the new node's fields (constant and variable offsets, a
; memcpy) are not logged; the link into the list is.
; CHECK-LABEL: define void @insert(
; CHECK:         call i32 @__pma_mutex_lock(ptr %m)
; CHECK:         %n = call ptr @pma_malloc(i64 64)
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %n)
; CHECK:         store i64 %k, ptr %n
; KEEP:          call void @__pma_store8(ptr %val)
; CHECK:         store i64 %v, ptr %val
; KEEP:          call void @__pma_store4(ptr %slot)
; CHECK:         store i32 7, ptr %slot
; KEEP:          call void @__pma_store_n(ptr %name, i64 16)
; CHECK:         call void @llvm.memcpy.p0.p0.i64(ptr %name, ptr %src, i64 16, i1 false)
; CHECK:         call void @__pma_store8(ptr %head)
; CHECK-NEXT:    store ptr %n, ptr %head
; CHECK:         call i32 @__pma_mutex_unlock(ptr %m)
define void @insert(ptr %m, ptr %head, i64 %k, i64 %v, i64 %i, ptr %src) {
  call i32 @pthread_mutex_lock(ptr %m)
  %n = call ptr @pma_malloc(i64 64)
  store i64 %k, ptr %n
  %val = getelementptr inbounds i8, ptr %n, i64 8
  store i64 %v, ptr %val
  %slot = getelementptr inbounds [4 x i32], ptr %n, i64 1, i64 %i
  store i32 7, ptr %slot
  %name = getelementptr inbounds i8, ptr %n, i64 48
  call void @llvm.memcpy.p0.p0.i64(ptr %name, ptr %src, i64 16, i1 false)
  store ptr %n, ptr %head
  call i32 @pthread_mutex_unlock(ptr %m)
  ret void
}

; pma_calloc is an allocation; a quiet libc call (strlen) and branches in
; between change nothing.
; CHECK-LABEL: define ptr @calloc_branches(
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %c)
; CHECK:         store i64 %len, ptr %c
; CHECK:         ret ptr
define ptr @calloc_branches(ptr %s, i1 %b) {
  %c = call ptr @pma_calloc(i64 1, i64 32)
  br i1 %b, label %then, label %join
then:
  br label %join
join:
  %len = call i64 @strlen(ptr %s)
  store i64 %len, ptr %c
  ret ptr %c
}

; pma_realloc(NULL, n) is pma_malloc(n).
; CHECK-LABEL: define ptr @realloc_null(
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %r)
; CHECK:         store i64 2, ptr %r
define ptr @realloc_null() {
  %r = call ptr @pma_realloc(ptr null, i64 32)
  store i64 2, ptr %r
  ret ptr %r
}

; Only a block whose size is a constant below 64 KiB (FreshNotedMax) is noted
; whole by the runtime: a write into a block of 64 KiB or more, or of a size
; the pass does not know, keeps its hook (the runtime notes the lines it
; writes and logs nothing: the block is new in the FASE).  65535 bytes and
; pma_calloc(2, 32767) are below the bound; 65536, pma_calloc(2, 32768),
; pma_calloc with a variable count, pma_realloc(NULL, 1 MiB) and
; pma_malloc(%n) are not.
; CHECK-LABEL: define void @size_bound(
; CHECK:         %a = call ptr @pma_malloc(i64 65535)
; ELIDE-NEXT:    store i64 1, ptr %a
; CHECK:         %b = call ptr @pma_malloc(i64 65536)
; CHECK-NEXT:    call void @__pma_store8(ptr %b)
; CHECK-NEXT:    store i64 2, ptr %b
; CHECK:         %c = call ptr @pma_calloc(i64 2, i64 32767)
; ELIDE-NEXT:    store i64 3, ptr %c
; CHECK:         %d = call ptr @pma_calloc(i64 2, i64 32768)
; CHECK-NEXT:    call void @__pma_store8(ptr %d)
; CHECK-NEXT:    store i64 4, ptr %d
; CHECK:         %e = call ptr @pma_calloc(i64 %n, i64 8)
; CHECK-NEXT:    call void @__pma_store8(ptr %e)
; CHECK-NEXT:    store i64 5, ptr %e
; CHECK:         %f = call ptr @pma_realloc(ptr null, i64 1048576)
; CHECK-NEXT:    call void @__pma_store8(ptr %f)
; CHECK-NEXT:    store i64 6, ptr %f
; CHECK:         %g = call ptr @pma_malloc(i64 %n)
; CHECK-NEXT:    call void @__pma_store8(ptr %g)
; CHECK-NEXT:    store i64 7, ptr %g
define void @size_bound(ptr %out, i64 %n) {
  %a = call ptr @pma_malloc(i64 65535)
  store i64 1, ptr %a
  %b = call ptr @pma_malloc(i64 65536)
  store i64 2, ptr %b
  %c = call ptr @pma_calloc(i64 2, i64 32767)
  store i64 3, ptr %c
  %d = call ptr @pma_calloc(i64 2, i64 32768)
  store i64 4, ptr %d
  %e = call ptr @pma_calloc(i64 %n, i64 8)
  store i64 5, ptr %e
  %f = call ptr @pma_realloc(ptr null, i64 1048576)
  store i64 6, ptr %f
  %g = call ptr @pma_malloc(i64 %n)
  store i64 7, ptr %g
  ret void
}

; A lock between the allocation and the store: a new FASE may begin, and
; the block would then be an older FASE's, with contents to restore.
; CHECK-LABEL: define void @lock_between(
; CHECK:         call i32 @__pma_mutex_lock(ptr %m)
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 1, ptr %n
define void @lock_between(ptr %m) {
  %n = call ptr @pma_malloc(i64 16)
  call i32 @pthread_mutex_lock(ptr %m)
  store i64 1, ptr %n
  call i32 @pthread_mutex_unlock(ptr %m)
  ret void
}

; An unlock between: the FASE that allocated may have committed.
; CHECK-LABEL: define void @unlock_between(
; CHECK:         call i32 @__pma_mutex_unlock(ptr %m)
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 1, ptr %n
define void @unlock_between(ptr %m) {
  call i32 @pthread_mutex_lock(ptr %m)
  %n = call ptr @pma_malloc(i64 16)
  call i32 @pthread_mutex_unlock(ptr %m)
  store i64 1, ptr %n
  ret void
}

; An unknown call between, on one path only, or a condition wait.
; CHECK-LABEL: define void @unknown_call_on_one_path(
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 1, ptr %n
define void @unknown_call_on_one_path(i1 %b) {
  %n = call ptr @pma_malloc(i64 16)
  br i1 %b, label %then, label %join
then:
  call void @unknown()
  br label %join
join:
  store i64 1, ptr %n
  ret void
}

; CHECK-LABEL: define void @cond_wait_between(
; CHECK:         call i32 @__pma_cond_wait(
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 1, ptr %n
define void @cond_wait_between(ptr %cv, ptr %m) {
  %n = call ptr @pma_malloc(i64 16)
  call i32 @pthread_cond_wait(ptr %cv, ptr %m)
  store i64 1, ptr %n
  ret void
}

; The allocation is in a block the store is reached from through a loop
; whose back edge crosses a call: the first store is right after the
; allocation, but the next ones follow the call.
; CHECK-LABEL: define void @loop_back_edge_call(
; CHECK:       loop:
; CHECK:         call void @__pma_store8(ptr %n)
; CHECK-NEXT:    store i64 %i, ptr %n
define void @loop_back_edge_call(i64 %count) {
entry:
  %n = call ptr @pma_malloc(i64 16)
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %latch ]
  store i64 %i, ptr %n
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %count
  br i1 %done, label %exit, label %latch
latch:
  call void @unknown()
  br label %loop
exit:
  ret void
}

; A loop with no call in between (the block's stores are noted once, at
; the allocation): elided.
; CHECK-LABEL: define void @loop_no_call(
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %slot)
; CHECK:         store i64 %i, ptr %slot
define void @loop_no_call(i64 %count) {
entry:
  %n = call ptr @pma_malloc(i64 800)
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %i.next, %loop ]
  %slot = getelementptr inbounds i64, ptr %n, i64 %i
  store i64 %i, ptr %slot
  %i.next = add i64 %i, 1
  %done = icmp eq i64 %i.next, %count
  br i1 %done, label %exit, label %loop
exit:
  ret void
}

; Another allocation in between is a boundary too: the runtime keeps only
; the latest fresh block noted across an early flush.
; CHECK-LABEL: define void @two_allocations(
; CHECK:         %b = call ptr @pma_malloc(i64 16)
; CHECK-NEXT:    call void @__pma_store8(ptr %a)
; CHECK-NEXT:    store i64 1, ptr %a
; ELIDE-NOT:     call void @__pma_store
; KEEP:          call void @__pma_store8(ptr %b)
; CHECK:         store i64 2, ptr %b
define void @two_allocations() {
  %a = call ptr @pma_malloc(i64 16)
  %b = call ptr @pma_malloc(i64 16)
  store i64 1, ptr %a
  store i64 2, ptr %b
  ret void
}

; pma_realloc of an existing block may return that block: its old contents
; need their undo records.
; CHECK-LABEL: define void @realloc_grow(
; CHECK:         call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store i64 1, ptr %q
define void @realloc_grow(ptr %p) {
  %q = call ptr @pma_realloc(ptr %p, i64 64)
  store i64 1, ptr %q
  ret void
}

; A pointer that only may be the fresh block (a select) is not.
; CHECK-LABEL: define void @select_fresh_or_old(
; CHECK:         call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store i64 1, ptr %q
define void @select_fresh_or_old(ptr %old, i1 %b) {
  %n = call ptr @pma_malloc(i64 16)
  %q = select i1 %b, ptr %n, ptr %old
  store i64 1, ptr %q
  ret void
}

declare ptr @pma_malloc(i64)
declare ptr @pma_calloc(i64, i64)
declare ptr @pma_realloc(ptr, i64)
declare i64 @strlen(ptr)
declare void @unknown()
declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare i32 @pthread_cond_wait(ptr, ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
