; read/pread/fread/fgets/snprintf log their upper bound at the buffer
; before the call; sprintf-like writers that cannot be bounded get no hook.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i64 @call_read(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    %r = call i64 @read(i32 %fd, ptr %buf, i64 %n)
define i64 @call_read(i32 %fd, ptr %buf, i64 %n) {
  %r = call i64 @read(i32 %fd, ptr %buf, i64 %n)
  ret i64 %r
}

; CHECK-LABEL: define i64 @call_pread(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    %r = call i64 @pread(i32 %fd, ptr %buf, i64 %n, i64 %off)
define i64 @call_pread(i32 %fd, ptr %buf, i64 %n, i64 %off) {
  %r = call i64 @pread(i32 %fd, ptr %buf, i64 %n, i64 %off)
  ret i64 %r
}

; fread(buf, size, nmemb, f) writes at most size * nmemb bytes.
; CHECK-LABEL: define i64 @call_fread(
; CHECK-NEXT:    [[N:%.*]] = mul i64 %size, %nmemb
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 [[N]])
; CHECK-NEXT:    %r = call i64 @fread(ptr %buf, i64 %size, i64 %nmemb, ptr %f)
define i64 @call_fread(ptr %buf, i64 %size, i64 %nmemb, ptr %f) {
  %r = call i64 @fread(ptr %buf, i64 %size, i64 %nmemb, ptr %f)
  ret i64 %r
}

; fgets takes an int; a count <= 0 writes nothing.
; CHECK-LABEL: define ptr @call_fgets(
; CHECK-NEXT:    [[POS:%.*]] = icmp sgt i32 %n, 0
; CHECK-NEXT:    [[EXT:%.*]] = sext i32 %n to i64
; CHECK-NEXT:    [[SIZE:%.*]] = select i1 [[POS]], i64 [[EXT]], i64 0
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 [[SIZE]])
; CHECK-NEXT:    %r = call ptr @fgets(ptr %buf, i32 %n, ptr %f)
define ptr @call_fgets(ptr %buf, i32 %n, ptr %f) {
  %r = call ptr @fgets(ptr %buf, i32 %n, ptr %f)
  ret ptr %r
}

; CHECK-LABEL: define i32 @call_snprintf(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    %r = call i32 (ptr, i64, ptr, ...) @snprintf(ptr %buf, i64 %n, ptr %fmt, i32 %v)
define i32 @call_snprintf(ptr %buf, i64 %n, ptr %fmt, i32 %v) {
  %r = call i32 (ptr, i64, ptr, ...) @snprintf(ptr %buf, i64 %n, ptr %fmt, i32 %v)
  ret i32 %r
}

; CHECK-LABEL: define i32 @call_vsnprintf(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    %r = call i32 @vsnprintf(ptr %buf, i64 %n, ptr %fmt, ptr %ap)
define i32 @call_vsnprintf(ptr %buf, i64 %n, ptr %fmt, ptr %ap) {
  %r = call i32 @vsnprintf(ptr %buf, i64 %n, ptr %fmt, ptr %ap)
  ret i32 %r
}

; The length sprintf writes is only known afterwards: reported as missed
; (see remarks-missed.ll), not logged.
; CHECK-LABEL: define i32 @call_sprintf(
; CHECK-NOT:     call void @__pma
; CHECK:         %r = call i32 (ptr, ptr, ...) @sprintf(
define i32 @call_sprintf(ptr %buf, ptr %fmt, i32 %v) {
  %r = call i32 (ptr, ptr, ...) @sprintf(ptr %buf, ptr %fmt, i32 %v)
  ret i32 %r
}

; A program function that shares a libc name but not its prototype is
; not mistaken for libc.
; CHECK-LABEL: define i32 @call_fake_read(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i32
define i32 @call_fake_read(ptr %p) {
  %r = call i32 @fgetc(ptr %p, ptr %p)
  ret i32 %r
}

declare i64 @read(i32, ptr, i64)
declare i64 @pread(i32, ptr, i64, i64)
declare i64 @fread(ptr, i64, i64, ptr)
declare ptr @fgets(ptr, i32, ptr)
declare i32 @snprintf(ptr, i64, ptr, ...)
declare i32 @vsnprintf(ptr, i64, ptr, ptr)
declare i32 @sprintf(ptr, ptr, ...)
declare i32 @fgetc(ptr, ptr)
