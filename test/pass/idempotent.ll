; The pass marks the module and does nothing the second time, so loading
; the plugin twice (-fplugin and -fpass-plugin) or re-optimising instrumented
; IR never logs a write twice.
; RUN: %opt-pma -passes=pmatomic,pmatomic -S %s | FileCheck %s
; RUN: %opt-pma -passes=pmatomic -S %s | %opt-pma -passes=pmatomic -S | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @once(
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 1, ptr %p
; CHECK-NEXT:    ret void
define void @once(ptr %p) {
  store i64 1, ptr %p
  ret void
}

; CHECK: !pmatomic.instrumented = !{}
