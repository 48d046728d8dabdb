; Loaded with -load-pass-plugin, the pass also runs at the end of the default
; pipelines, -O0 included (the O0 pipeline of LLVM 19 does invoke the
; OptimizerLast extension point, and the pass is required, so optnone
; functions are instrumented too).
; RUN: %opt-pma -passes='default<O0>' -S %s | FileCheck %s
; RUN: %opt-pma -passes='default<O1>' -S %s | FileCheck %s
; RUN: %opt-pma -passes='default<O2>' -S %s | FileCheck %s
; RUN: %opt-pma -passes='default<O3>' -S %s | FileCheck %s
; RUN: %opt-pma -passes='default<O0>' -print-pipeline-passes -disable-output %s | FileCheck %s --check-prefix=PIPE
; RUN: %opt-pma -passes='default<O2>' -print-pipeline-passes -disable-output %s | FileCheck %s --check-prefix=PIPE

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define {{.*}}void @set(
; CHECK:         call void @__pma_store8(ptr %p)
; CHECK-NEXT:    store i64 %v, ptr %p
define void @set(ptr %p, i64 %v) noinline optnone {
  store i64 %v, ptr %p
  ret void
}

; PIPE: ,pmatomic,
