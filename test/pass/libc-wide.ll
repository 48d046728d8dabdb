; Wide-character writers: sizes and string lengths count wchar_t elements,
; 4 bytes each on x86_64 glibc.  The n-element writers log n * 4 bytes; the
; string writers get the wchar_t hooks, which measure the strings at run time.
; The _FORTIFY_SOURCE forms write the same.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @call_wmemset(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @wmemset(ptr %d, i32 %c, i64 %n)
define void @call_wmemset(ptr %d, i32 %c, i64 %n) {
  call ptr @wmemset(ptr %d, i32 %c, i64 %n)
  ret void
}

; A constant count folds: 10 elements are 40 bytes.
; CHECK-LABEL: define void @call_wmemcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 40)
; CHECK-NEXT:    call ptr @wmemcpy(ptr %d, ptr %s, i64 10)
define void @call_wmemcpy(ptr %d, ptr %s) {
  call ptr @wmemcpy(ptr %d, ptr %s, i64 10)
  ret void
}

; CHECK-LABEL: define void @call_wmemmove(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @wmemmove(ptr %d, ptr %s, i64 %n)
define void @call_wmemmove(ptr %d, ptr %s, i64 %n) {
  call ptr @wmemmove(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_wmempcpy(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @wmempcpy(ptr %d, ptr %s, i64 %n)
define void @call_wmempcpy(ptr %d, ptr %s, i64 %n) {
  call ptr @wmempcpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; wcsncpy pads with L'\0': it always writes exactly n elements.
; CHECK-LABEL: define void @call_wcsncpy(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @wcsncpy(ptr %d, ptr %s, i64 %n)
define void @call_wcsncpy(ptr %d, ptr %s, i64 %n) {
  call ptr @wcsncpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_wcpncpy(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @wcpncpy(ptr %d, ptr %s, i64 %n)
define void @call_wcpncpy(ptr %d, ptr %s, i64 %n) {
  call ptr @wcpncpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_wcscpy(
; CHECK-NEXT:    call void @__pma_store_wcscpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @wcscpy(ptr %d, ptr %s)
define void @call_wcscpy(ptr %d, ptr %s) {
  call ptr @wcscpy(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_wcpcpy(
; CHECK-NEXT:    call void @__pma_store_wcscpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @wcpcpy(ptr %d, ptr %s)
define void @call_wcpcpy(ptr %d, ptr %s) {
  call ptr @wcpcpy(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_wcscat(
; CHECK-NEXT:    call void @__pma_store_wcscat(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @wcscat(ptr %d, ptr %s)
define void @call_wcscat(ptr %d, ptr %s) {
  call ptr @wcscat(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_wcsncat(
; CHECK-NEXT:    call void @__pma_store_wcsncat(ptr %d, ptr %s, i64 %n)
; CHECK-NEXT:    call ptr @wcsncat(ptr %d, ptr %s, i64 %n)
define void @call_wcsncat(ptr %d, ptr %s, i64 %n) {
  call ptr @wcsncat(ptr %d, ptr %s, i64 %n)
  ret void
}

; The fortify forms: the extra last argument is the object size (in elements).
; CHECK-LABEL: define void @wmemcpy_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wmemcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wmemcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wmemcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wmemmove_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wmemmove_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wmemmove_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wmemmove_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wmempcpy_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wmempcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wmempcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wmempcpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wmemset_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wmemset_chk(ptr %d, i32 0, i64 %n, i64 %os)
define void @wmemset_chk(ptr %d, i64 %n, i64 %os) {
  call ptr @__wmemset_chk(ptr %d, i32 0, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcsncpy_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wcsncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wcsncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wcsncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcpncpy_chk(
; CHECK-NEXT:    [[B:%.*]] = mul i64 %n, 4
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 [[B]])
; CHECK-NEXT:    call ptr @__wcpncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wcpncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wcpncpy_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcscpy_chk(
; CHECK-NEXT:    call void @__pma_store_wcscpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @__wcscpy_chk(ptr %d, ptr %s, i64 %os)
define void @wcscpy_chk(ptr %d, ptr %s, i64 %os) {
  call ptr @__wcscpy_chk(ptr %d, ptr %s, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcpcpy_chk(
; CHECK-NEXT:    call void @__pma_store_wcscpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @__wcpcpy_chk(ptr %d, ptr %s, i64 %os)
define void @wcpcpy_chk(ptr %d, ptr %s, i64 %os) {
  call ptr @__wcpcpy_chk(ptr %d, ptr %s, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcscat_chk(
; CHECK-NEXT:    call void @__pma_store_wcscat(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @__wcscat_chk(ptr %d, ptr %s, i64 %os)
define void @wcscat_chk(ptr %d, ptr %s, i64 %os) {
  call ptr @__wcscat_chk(ptr %d, ptr %s, i64 %os)
  ret void
}

; CHECK-LABEL: define void @wcsncat_chk(
; CHECK-NEXT:    call void @__pma_store_wcsncat(ptr %d, ptr %s, i64 %n)
; CHECK-NEXT:    call ptr @__wcsncat_chk(ptr %d, ptr %s, i64 %n, i64 %os)
define void @wcsncat_chk(ptr %d, ptr %s, i64 %n, i64 %os) {
  call ptr @__wcsncat_chk(ptr %d, ptr %s, i64 %n, i64 %os)
  ret void
}

declare ptr @wmemset(ptr, i32, i64)
declare ptr @wmemcpy(ptr, ptr, i64)
declare ptr @wmemmove(ptr, ptr, i64)
declare ptr @wmempcpy(ptr, ptr, i64)
declare ptr @wcsncpy(ptr, ptr, i64)
declare ptr @wcpncpy(ptr, ptr, i64)
declare ptr @wcscpy(ptr, ptr)
declare ptr @wcpcpy(ptr, ptr)
declare ptr @wcscat(ptr, ptr)
declare ptr @wcsncat(ptr, ptr, i64)
declare ptr @__wmemcpy_chk(ptr, ptr, i64, i64)
declare ptr @__wmemmove_chk(ptr, ptr, i64, i64)
declare ptr @__wmempcpy_chk(ptr, ptr, i64, i64)
declare ptr @__wmemset_chk(ptr, i32, i64, i64)
declare ptr @__wcsncpy_chk(ptr, ptr, i64, i64)
declare ptr @__wcpncpy_chk(ptr, ptr, i64, i64)
declare ptr @__wcscpy_chk(ptr, ptr, i64)
declare ptr @__wcpcpy_chk(ptr, ptr, i64)
declare ptr @__wcscat_chk(ptr, ptr, i64)
declare ptr @__wcsncat_chk(ptr, ptr, i64, i64)
