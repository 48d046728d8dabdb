; no-locks keeps the pthread calls, no-instrument keeps the stores bare;
; each leaves the other half of the pass working.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,LOCKS,INSTR
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-locks -S %s | FileCheck %s --check-prefixes=CHECK,NOLOCKS,INSTR
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-instrument -S %s | FileCheck %s --check-prefixes=CHECK,LOCKS,NOINSTR
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-locks -pmatomic-no-instrument -S %s | FileCheck %s --check-prefixes=CHECK,NOLOCKS,NOINSTR

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @deposit(
; LOCKS-NEXT:    call i32 @__pma_mutex_lock(ptr %m)
; NOLOCKS-NEXT:  call i32 @pthread_mutex_lock(ptr %m)
; CHECK-NEXT:    %old = load i64, ptr %bal
; CHECK-NEXT:    %new = add i64 %old, %v
; INSTR-NEXT:    call void @__pma_store8(ptr %bal)
; CHECK-NEXT:    store i64 %new, ptr %bal
; LOCKS-NEXT:    call i32 @__pma_mutex_unlock(ptr %m)
; NOLOCKS-NEXT:  call i32 @pthread_mutex_unlock(ptr %m)
define void @deposit(ptr %m, ptr %bal, i64 %v) {
  call i32 @pthread_mutex_lock(ptr %m)
  %old = load i64, ptr %bal
  %new = add i64 %old, %v
  store i64 %new, ptr %bal
  call i32 @pthread_mutex_unlock(ptr %m)
  ret void
}

; Hooks nobody calls are not declared.
; NOINSTR-NOT: declare void @__pma_store
; NOLOCKS-NOT: declare i32 @__pma_mutex

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
