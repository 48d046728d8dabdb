; A volatile load or store through a stack slot that never escapes is still a
; stack access: no hook (capture tracking alone calls it an escape).  Storing
; the slot's address, volatile or not, makes it escape.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @volatile_counter(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i32
define i32 @volatile_counter(i32 %n) {
entry:
  %i = alloca i32
  store volatile i32 0, ptr %i
  br label %loop
loop:
  %v = load volatile i32, ptr %i
  %inc = add i32 %v, 1
  store volatile i32 %inc, ptr %i
  %done = icmp sge i32 %inc, %n
  br i1 %done, label %exit, label %loop
exit:
  ret i32 %inc
}

; The address itself is stored (volatile) into memory the caller can see:
; the slot escapes and its stores keep their hooks.
; CHECK-LABEL: define void @volatile_store_of_address(
; CHECK:         call void @__pma_store8(ptr %out)
; CHECK-NEXT:    store volatile ptr %slot, ptr %out
; CHECK:         call void @__pma_store4(ptr %slot)
; CHECK-NEXT:    store volatile i32 1, ptr %slot
define void @volatile_store_of_address(ptr %out) {
  %slot = alloca i32
  store volatile ptr %slot, ptr %out
  store volatile i32 1, ptr %slot
  ret void
}
