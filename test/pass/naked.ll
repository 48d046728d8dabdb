; Naked functions have no frame to call a hook from: left alone.
; RUN: %opt-pma -passes=pmatomic,verify -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @naked(
; CHECK-NOT:     call void @__pma
; CHECK:         ret void
define void @naked(ptr %p) naked {
  call void asm sideeffect "movq $$0, (%rdi)", ""()
  store i64 0, ptr %p
  ret void
}
