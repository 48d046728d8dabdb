; The logging optimisations: -pass-remarks=pmatomic adds one summary per
; function where one fired (after the usual one); -pass-remarks-analysis
; names each write they left without its own hook.  Functions where none
; fired get no second summary.
; RUN: %opt-pma -passes=pmatomic -pass-remarks=pmatomic -disable-output %s 2>&1 | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -pass-remarks-analysis=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=ANALYSIS
; RUN: %opt-pma -passes=pmatomic -pass-remarks-output=%t.yaml -disable-output %s
; RUN: FileCheck %s --check-prefix=YAML < %t.yaml
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-opt -pass-remarks=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=NOOPT

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK:      remark: {{.*}}instrumented 0 stores, 0 atomics, 0 mem intrinsics, 0 libc writers; {{.*}} rewrote 2 lock calls
; CHECK-NEXT: remark: {{.*}}elided 2 writes to fresh blocks, 1 covered writes; batched 3 stores into 1 hooks
; CHECK-NEXT: remark: {{.*}}instrumented 1 stores,
; CHECK-NOT:  remark: {{.*}}elided {{[0-9]+}} writes
; NOOPT-NOT:  elided {{[0-9]+}} writes to fresh blocks

; ANALYSIS-DAG: remark: {{.*}}store to a block from 'pma_malloc' with no FASE boundary since the allocation not instrumented
; ANALYSIS-DAG: remark: {{.*}}store covered by the hook of an earlier write to the same object not instrumented
; ANALYSIS-DAG: remark: {{.*}}batched 3 stores into one hook of 24 bytes
define void @push(ptr %m, ptr %q, i64 %v) {
  call i32 @pthread_mutex_lock(ptr %m)
  %n = call ptr @pma_malloc(i64 16)
  store i64 %v, ptr %n
  %next = getelementptr inbounds i8, ptr %n, i64 8
  store ptr null, ptr %next
  %tail = getelementptr inbounds i8, ptr %q, i64 8
  store ptr %n, ptr %tail
  %count = getelementptr inbounds i8, ptr %q, i64 16
  store i64 1, ptr %count
  store ptr %n, ptr %tail
  store ptr %n, ptr %q
  call i32 @pthread_mutex_unlock(ptr %m)
  ret void
}

define void @plain(ptr %p) {
  store i64 1, ptr %p
  ret void
}

; YAML:      Name:            LogOpt
; YAML-NEXT: Function:        push
; YAML:        - ElidedFresh:     '2'
; YAML:        - ElidedDominated: '1'
; YAML:        - Batched:         '3'
; YAML:        - Batches:         '1'

declare ptr @pma_malloc(i64)
declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
