; A module without persistent writes or locks keeps no hook declarations.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-NOT: __pma
; CHECK-LABEL: define i64 @sum(
; CHECK-NOT: __pma
define i64 @sum(ptr %p, i64 %n) {
  %a = alloca i64
  store i64 0, ptr %a
  %v = load i64, ptr %p
  ret i64 %v
}
