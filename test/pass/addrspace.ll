; Writes in another address space (x86 %fs/%gs segments) are never the heap
; mapping and the hooks take generic pointers: no hook, and the IR verifies.
; RUN: %opt-pma -passes=pmatomic,verify -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @gs(
; CHECK-NOT:     call void @__pma
; CHECK:         store i64 %v, ptr addrspace(256) %p
; CHECK-NOT:     call void @__pma
; CHECK:         call void @__pma_store8(ptr %q)
; CHECK-NEXT:    store i64 %v, ptr %q
define void @gs(ptr addrspace(256) %p, ptr %q, i64 %v) {
  store i64 %v, ptr addrspace(256) %p
  store i64 %v, ptr %q
  ret void
}
