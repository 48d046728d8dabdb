; -pass-remarks=pmatomic prints one summary per function (not one line per
; store); functions the pass did nothing to get none.  The counts are also
; structured arguments in the YAML remark file.  (-pmatomic-no-opt: the
; atomicrmw after the store to %p would be covered; log-opt-remarks.ll.)
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -pass-remarks=pmatomic -disable-output %s 2>&1 | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -pass-remarks-output=%t.yaml -disable-output %s
; RUN: FileCheck %s --check-prefix=YAML < %t.yaml

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@g = global i64 0

; CHECK: remark: {{.*}}instrumented 2 stores, 1 atomics, 1 mem intrinsics, 1 libc writers; elided 1 non-escaping stack, 1 global, 1 malloc writes; rewrote 2 lock calls
; CHECK-NOT: remark
define void @busy(ptr %m, ptr %p, ptr %s, i64 %n, i32 %fd) {
  call i32 @pthread_mutex_lock(ptr %m)
  store i64 1, ptr %p
  store i32 2, ptr %s
  %old = atomicrmw add ptr %p, i64 1 seq_cst
  call void @llvm.memset.p0.i64(ptr %p, i8 0, i64 %n, i1 false)
  call i64 @read(i32 %fd, ptr %s, i64 %n)
  %a = alloca i64
  store i64 3, ptr %a
  store i64 4, ptr @g
  %h = call ptr @malloc(i64 8)
  store i64 5, ptr %h
  call i32 @pthread_mutex_unlock(ptr %m)
  ret void
}

define i64 @pure(i64 %x) {
  %y = add i64 %x, 1
  ret i64 %y
}

; YAML:      --- !Passed
; YAML-NEXT: Pass:            pmatomic
; YAML-NEXT: Name:            Summary
; YAML-NEXT: Function:        busy
; YAML:        - Stores:          '2'
; YAML:        - Atomics:         '1'
; YAML:        - MemIntrinsics:   '1'
; YAML:        - LibcWriters:     '1'
; YAML:        - ElidedStack:     '1'
; YAML:        - ElidedGlobal:    '1'
; YAML:        - ElidedMalloc:    '1'
; YAML:        - LockCalls:       '2'

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare i64 @read(i32, ptr, i64)
declare ptr @malloc(i64)
