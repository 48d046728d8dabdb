; String writers: strcpy/stpcpy, strcat and strncat get hooks that measure
; the strings at run time; the n-bounded copies log n bytes.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @call_strcpy(
; CHECK-NEXT:    call void @__pma_store_strcpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @strcpy(ptr %d, ptr %s)
define void @call_strcpy(ptr %d, ptr %s) {
  call ptr @strcpy(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_stpcpy(
; CHECK-NEXT:    call void @__pma_store_strcpy(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @stpcpy(ptr %d, ptr %s)
define void @call_stpcpy(ptr %d, ptr %s) {
  call ptr @stpcpy(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_strcat(
; CHECK-NEXT:    call void @__pma_store_strcat(ptr %d, ptr %s)
; CHECK-NEXT:    call ptr @strcat(ptr %d, ptr %s)
define void @call_strcat(ptr %d, ptr %s) {
  call ptr @strcat(ptr %d, ptr %s)
  ret void
}

; CHECK-LABEL: define void @call_strncat(
; CHECK-NEXT:    call void @__pma_store_strncat(ptr %d, ptr %s, i64 %n)
; CHECK-NEXT:    call ptr @strncat(ptr %d, ptr %s, i64 %n)
define void @call_strncat(ptr %d, ptr %s, i64 %n) {
  call ptr @strncat(ptr %d, ptr %s, i64 %n)
  ret void
}

; strncpy pads with NULs: it always writes exactly n bytes.
; CHECK-LABEL: define void @call_strncpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @strncpy(ptr %d, ptr %s, i64 %n)
define void @call_strncpy(ptr %d, ptr %s, i64 %n) {
  call ptr @strncpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_stpncpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @stpncpy(ptr %d, ptr %s, i64 %n)
define void @call_stpncpy(ptr %d, ptr %s, i64 %n) {
  call ptr @stpncpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; Source-only string functions are left alone.
; CHECK-LABEL: define i64 @call_strlen(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i64
define i64 @call_strlen(ptr %s) {
  %n = call i64 @strlen(ptr %s)
  ret i64 %n
}

; CHECK-DAG: declare void @__pma_store_strcpy(ptr, ptr)
; CHECK-DAG: declare void @__pma_store_strcat(ptr, ptr)
; CHECK-DAG: declare void @__pma_store_strncat(ptr, ptr, i64)

declare ptr @strcpy(ptr, ptr)
declare ptr @stpcpy(ptr, ptr)
declare ptr @strcat(ptr, ptr)
declare ptr @strncat(ptr, ptr, i64)
declare ptr @strncpy(ptr, ptr, i64)
declare ptr @stpncpy(ptr, ptr, i64)
declare i64 @strlen(ptr)
