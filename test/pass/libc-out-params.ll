; Math, time and strto* out-parameters are written inside libc: the pointed-to
; object is logged before the call.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define double @call_frexp(
; CHECK-NEXT:    call void @__pma_store4(ptr %e)
; CHECK-NEXT:    %r = call double @frexp(double %x, ptr %e)
define double @call_frexp(double %x, ptr %e) {
  %r = call double @frexp(double %x, ptr %e)
  ret double %r
}

; CHECK-LABEL: define double @call_modf(
; CHECK-NEXT:    call void @__pma_store8(ptr %i)
define double @call_modf(double %x, ptr %i) {
  %r = call double @modf(double %x, ptr %i)
  ret double %r
}

; CHECK-LABEL: define void @call_sincos(
; CHECK-NEXT:    call void @__pma_store8(ptr %s)
; CHECK-NEXT:    call void @__pma_store8(ptr %c)
; CHECK-NEXT:    call void @sincos(double %x, ptr %s, ptr %c)
define void @call_sincos(double %x, ptr %s, ptr %c) {
  call void @sincos(double %x, ptr %s, ptr %c)
  ret void
}

; CHECK-LABEL: define i64 @call_time(
; CHECK-NEXT:    call void @__pma_store8(ptr %t)
define i64 @call_time(ptr %t) {
  %r = call i64 @time(ptr %t)
  ret i64 %r
}

; CHECK-LABEL: define ptr @call_localtime_r(
; CHECK-NEXT:    call void @__pma_store_n(ptr %tm, i64 56)
define ptr @call_localtime_r(ptr %t, ptr %tm) {
  %r = call ptr @localtime_r(ptr %t, ptr %tm)
  ret ptr %r
}

; CHECK-LABEL: define i64 @call_strtol(
; CHECK-NEXT:    call void @__pma_store8(ptr %end)
; CHECK-NEXT:    %r = call i64 @strtol(ptr %s, ptr %end, i32 10)
define i64 @call_strtol(ptr %s, ptr %end) {
  %r = call i64 @strtol(ptr %s, ptr %end, i32 10)
  ret i64 %r
}

declare double @frexp(double, ptr)
declare double @modf(double, ptr)
declare void @sincos(double, ptr, ptr)
declare i64 @time(ptr)
declare ptr @localtime_r(ptr, ptr)
declare i64 @strtol(ptr, ptr, i32)
