; An inline asm memory output ("=m") writes its element type at the pointer.
; RUN: %opt-pma -passes=pmatomic,verify -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @movnti(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    call void asm sideeffect "movnti $1, $0"
define void @movnti(ptr %p, i64 %v) {
  call void asm sideeffect "movnti $1, $0", "=*m,r,~{dirflag},~{fpsr},~{flags}"(ptr elementtype(i64) %p, i64 %v)
  ret void
}

; A register output takes no argument; memory outputs take them in order.
; CHECK-LABEL: define i32 @two_outputs(
; CHECK-NEXT:    call void @__pma_store_n(ptr %q, i64 12)
; CHECK-NEXT:    call void @__pma_store2(ptr %s)
; CHECK-NEXT:    %r = call i32 asm
define i32 @two_outputs(ptr %q, ptr %s, ptr %p) {
  %r = call i32 asm "", "=r,=*m,=*m,*m"(ptr elementtype([3 x i32]) %q, ptr elementtype(i16) %s, ptr elementtype(i32) %p)
  ret i32 %r
}

; Memory inputs only: nothing to log.
; CHECK-LABEL: define i64 @input_only(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i64
define i64 @input_only(ptr %p) {
  %r = call i64 asm "movq $1, $0", "=r,*m"(ptr elementtype(i64) %p)
  ret i64 %r
}
