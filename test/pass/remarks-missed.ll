; -pass-remarks-missed=pmatomic reports writes that may reach the heap but
; are not logged: unbounded libc writers, intrinsics the pass does not know,
; other address spaces.
; RUN: %opt-pma -passes=pmatomic -pass-remarks-missed=pmatomic -disable-output %s 2>&1 | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-DAG: remark: {{.*}}call to 'sprintf' writes a range only known after the call and is not logged
; CHECK-DAG: remark: {{.*}}call to 'gets' writes a range only known after the call and is not logged
; CHECK-DAG: remark: {{.*}}call to 'llvm.x86.avx.maskstore.ps.256' may write memory and is not logged
; CHECK-DAG: remark: {{.*}}store to address space 256 not instrumented
; Stack-only intrinsics are not worth a remark.
; CHECK-NOT: remark: {{.*}}llvm.lifetime
; CHECK-NOT: remark: {{.*}}llvm.va_start
define void @missed(ptr %buf, ptr %fmt, <8 x i32> %mask, <8 x float> %v, ptr addrspace(256) %gs, ...) {
  %ap = alloca [24 x i8]
  call void @llvm.lifetime.start.p0(i64 24, ptr %ap)
  call void @llvm.va_start.p0(ptr %ap)
  call i32 (ptr, ptr, ...) @sprintf(ptr %buf, ptr %fmt, i32 1)
  call ptr @gets(ptr %buf)
  call void @llvm.x86.avx.maskstore.ps.256(ptr %buf, <8 x i32> %mask, <8 x float> %v)
  store i64 0, ptr addrspace(256) %gs
  call void @llvm.va_end.p0(ptr %ap)
  call void @llvm.lifetime.end.p0(i64 24, ptr %ap)
  ret void
}

declare i32 @sprintf(ptr, ptr, ...)
declare ptr @gets(ptr)
declare void @llvm.x86.avx.maskstore.ps.256(ptr, <8 x i32>, <8 x float>)
declare void @llvm.lifetime.start.p0(i64, ptr)
declare void @llvm.lifetime.end.p0(i64, ptr)
declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)
