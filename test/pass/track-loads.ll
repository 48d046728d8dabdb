; The load-tracking mode: every load that may read the heap gets __pma_load
; after it (atomic loads always get __pma_atomic_load), and the module runs
; __pma_track_loads_init as a constructor, so the runtime names the writers
; of plain stores too.  Loads of globals and non-escaping stack slots keep
; no hook.  Off by default.
; RUN: %opt-pma -passes=pmatomic -pmatomic-track-loads -S %s | FileCheck %s --check-prefixes=CHECK,TRACK
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s --check-prefixes=CHECK,DEFAULT

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@g = global i64 0

; TRACK: @llvm.global_ctors = appending global {{.*}} @__pma_track_loads_init
; DEFAULT-NOT: @llvm.global_ctors

; CHECK-LABEL: define i64 @follow(
; CHECK-NEXT:    %n = load ptr, ptr %p
; TRACK-NEXT:    call void @__pma_load(ptr %p, i64 8)
; DEFAULT-NOT:   call void @__pma_load(
; CHECK-NEXT:    %v = load i64, ptr %n
; TRACK-NEXT:    call void @__pma_load(ptr %n, i64 8)
; CHECK-NEXT:    %a = load atomic i32, ptr %n acquire
; CHECK-NEXT:    call void @__pma_atomic_load(ptr %n, i64 4)
; CHECK-NEXT:    %w = load i64, ptr @g
; CHECK-NEXT:    %s = add i64
define i64 @follow(ptr %p) {
  %n = load ptr, ptr %p
  %v = load i64, ptr %n
  %a = load atomic i32, ptr %n acquire, align 4
  %w = load i64, ptr @g
  %s = add i64 %v, %w
  ret i64 %s
}

; TRACK: declare void @__pma_track_loads_init() #[[ATTR:[0-9]+]]
; TRACK: attributes #[[ATTR]] = { nounwind }
