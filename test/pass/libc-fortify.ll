; The _FORTIFY_SOURCE entry points write like the functions they check; the
; extra object-size argument is not the length.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @memcpy_chk(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @__memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__memcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @memset_chk(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @__memset_chk(ptr %d, i32 0, i64 %n, i64 %os)
define void @memset_chk(ptr %d, i64 %n, i64 %os) {
  call ptr @__memset_chk(ptr %d, i32 0, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @strcpy_chk(
; CHECK-NEXT:    call void @__pma_store_strcpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @__strcpy_chk(ptr %d, ptr %s, i64 %os)
define void @strcpy_chk(ptr %d, ptr %s, i64 %os) {
  call ptr @__strcpy_chk(ptr %d, ptr %s, i64 %os)
  ret void
}

; CHECK-LABEL: define void @strncat_chk(
; CHECK-NEXT:    call void @__pma_store_strncat(ptr %d, ptr %s, i64 %n)
; CHECK-NEXT:    call ptr @__strncat_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @strncat_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__strncat_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @read_chk(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    call i64 @__read_chk(i32 %fd, ptr %buf, i64 %n, i64 %os)
define void @read_chk(i32 %fd, ptr %buf, i64 %n, i64 %os) {
  call i64 @__read_chk(i32 %fd, ptr %buf, i64 %n, i64 %os)
  ret void
}

; __fread_chk(buf, bufsize, size, nmemb, f)
; CHECK-LABEL: define void @fread_chk(
; CHECK-NEXT:    [[N:%.*]] = mul i64 %size, %nmemb
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 [[N]])
; CHECK-NEXT:    call i64 @__fread_chk(ptr %buf, i64 %os, i64 %size, i64 %nmemb, ptr %f)
define void @fread_chk(ptr %buf, i64 %os, i64 %size, i64 %nmemb, ptr %f) {
  call i64 @__fread_chk(ptr %buf, i64 %os, i64 %size, i64 %nmemb, ptr %f)
  ret void
}

; CHECK-LABEL: define void @snprintf_chk(
; CHECK-NEXT:    call void @__pma_store_n(ptr %buf, i64 %n)
; CHECK-NEXT:    call i32 (ptr, i64, i32, i64, ptr, ...) @__snprintf_chk(
define void @snprintf_chk(ptr %buf, i64 %n, i64 %os, ptr %fmt) {
  call i32 (ptr, i64, i32, i64, ptr, ...) @__snprintf_chk(ptr %buf, i64 %n, i32 1, i64 %os, ptr %fmt)
  ret void
}

declare ptr @__memcpy_chk(ptr, ptr, i64, i64)
declare ptr @__memset_chk(ptr, i32, i64, i64)
declare ptr @__strcpy_chk(ptr, ptr, i64)
declare ptr @__strncat_chk(ptr, ptr, i64, i64)
declare i64 @__read_chk(i32, ptr, i64, i64)
declare i64 @__fread_chk(ptr, i64, i64, i64, ptr)
declare i32 @__snprintf_chk(ptr, i64, i32, i64, ptr, ...)
