; -pass-remarks-analysis=pmatomic explains each write the pass elided.
; RUN: %opt-pma -passes=pmatomic -pass-remarks-analysis=pmatomic -disable-output %s 2>&1 | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@counter = global i64 0
@tls = thread_local global i32 0

; CHECK-DAG: remark: {{.*}}store to non-escaping stack object 'slot' not instrumented
; CHECK-DAG: remark: {{.*}}'llvm.memset.p0.i64' to non-escaping stack object 'buf' not instrumented
; CHECK-DAG: remark: {{.*}}store to global 'counter' not instrumented
; CHECK-DAG: remark: {{.*}}store to thread-local variable 'tls' not instrumented
; CHECK-DAG: remark: {{.*}}store to memory from 'malloc' not instrumented
; CHECK-DAG: remark: {{.*}}call to 'strcpy' to memory from 'calloc' not instrumented
; CHECK-NOT: remark: {{.*}}instrumented 
define void @elisions(ptr %src) {
  %slot = alloca i64
  store i64 1, ptr %slot
  %buf = alloca [32 x i8]
  call void @llvm.memset.p0.i64(ptr %buf, i8 0, i64 32, i1 false)
  store i64 2, ptr @counter
  %t = call ptr @llvm.threadlocal.address.p0(ptr @tls)
  store i32 3, ptr %t
  %m = call ptr @malloc(i64 8)
  store i64 4, ptr %m
  %c = call ptr @calloc(i64 1, i64 64)
  call ptr @strcpy(ptr %c, ptr %src)
  ret void
}

declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare ptr @llvm.threadlocal.address.p0(ptr)
declare ptr @malloc(i64)
declare ptr @calloc(i64, i64)
declare ptr @strcpy(ptr, ptr)
