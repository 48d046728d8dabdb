; Calls to libc mem*/b* functions (as calls, not intrinsics: -fno-builtin,
; or clang keeping the call) log n bytes at the destination.  Without
; -pmatomic-no-nt-copy, memcpy/memmove/memset of a length that is not a small
; constant become __pma_mem* calls instead (nt-copy.ll).
; RUN: %opt-pma -passes=pmatomic -pmatomic-no-nt-copy -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @call_memcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memcpy(ptr %d, ptr %s, i64 %n)
define void @call_memcpy(ptr %d, ptr %s, i64 %n) {
  call ptr @memcpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_memmove(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memmove(ptr %d, ptr %s, i64 %n)
define void @call_memmove(ptr %d, ptr %s, i64 %n) {
  call ptr @memmove(ptr %d, ptr %s, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_memset(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memset(ptr %d, i32 0, i64 %n)
define void @call_memset(ptr %d, i64 %n) {
  call ptr @memset(ptr %d, i32 0, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_mempcpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @mempcpy(ptr %d, ptr %s, i64 %n)
define void @call_mempcpy(ptr %d, ptr %s, i64 %n) {
  call ptr @mempcpy(ptr %d, ptr %s, i64 %n)
  ret void
}

; memccpy may stop early; the bound n is logged.
; CHECK-LABEL: define void @call_memccpy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memccpy(ptr %d, ptr %s, i32 0, i64 %n)
define void @call_memccpy(ptr %d, ptr %s, i64 %n) {
  call ptr @memccpy(ptr %d, ptr %s, i32 0, i64 %n)
  ret void
}

; bcopy(src, dst, n): the destination is the second argument.
; CHECK-LABEL: define void @call_bcopy(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @bcopy(ptr %s, ptr %d, i64 %n)
define void @call_bcopy(ptr %s, ptr %d, i64 %n) {
  call void @bcopy(ptr %s, ptr %d, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_bzero(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @bzero(ptr %d, i64 %n)
define void @call_bzero(ptr %d, i64 %n) {
  call void @bzero(ptr %d, i64 %n)
  ret void
}

; CHECK-LABEL: define void @call_explicit_bzero(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @explicit_bzero(ptr %d, i64 %n)
define void @call_explicit_bzero(ptr %d, i64 %n) {
  call void @explicit_bzero(ptr %d, i64 %n)
  ret void
}

; -fno-builtin marks the call nobuiltin; it still writes.
; CHECK-LABEL: define void @nobuiltin_memset(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call ptr @memset(ptr %d, i32 0, i64 %n) #[[NB:[0-9]+]]
define void @nobuiltin_memset(ptr %d, i64 %n) {
  call ptr @memset(ptr %d, i32 0, i64 %n) nobuiltin
  ret void
}

; Reading functions are left alone.
; CHECK-LABEL: define i32 @call_memcmp(
; CHECK-NOT:     call void @__pma
; CHECK:         ret i32
define i32 @call_memcmp(ptr %a, ptr %b, i64 %n) {
  %r = call i32 @memcmp(ptr %a, ptr %b, i64 %n)
  ret i32 %r
}

; CHECK: attributes #[[NB]] = { nobuiltin }

declare ptr @memcpy(ptr, ptr, i64)
declare ptr @memmove(ptr, ptr, i64)
declare ptr @memset(ptr, i32, i64)
declare ptr @mempcpy(ptr, ptr, i64)
declare ptr @memccpy(ptr, ptr, i32, i64)
declare void @bcopy(ptr, ptr, i64)
declare void @bzero(ptr, i64)
declare void @explicit_bzero(ptr, i64)
declare i32 @memcmp(ptr, ptr, i64)
