; -pass-remarks-missed=pmatomic reports the calls that may write the heap with
; no hook the pass could place: calls through function pointers it cannot
; resolve (the callee may be libc or other uninstrumented code) and inline asm
; that may write memory besides its "=*m" outputs.  Calls whose attributes rule
; out heap writes, barriers and runtime code are not reported.
; RUN: %opt-pma -passes=pmatomic -pass-remarks-missed=pmatomic -disable-output %s 2>&1 | FileCheck %s --check-prefix=REMARK --implicit-check-not=remark:
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@g = global [16 x i8] zeroinitializer
%opaque = type opaque

; REMARK: remark: {{.*}}indirect call may write memory: if its callee is not compiled with the plugin (libc through a pointer), its writes are not logged
define void @through_pointer(ptr %f, ptr %d, ptr %s, i64 %n) {
  call ptr %f(ptr %d, ptr %s, i64 %n)
  ret void
}

; Call-site attributes that say no memory (or only memory the program cannot
; see) is written, or only arguments that cannot be the heap: no remark.
define void @harmless(ptr %f, ptr %d) {
  call void %f(ptr %d) memory(none)
  call void %f(ptr %d) memory(read)
  call void %f(ptr %d) readonly
  call void %f(ptr %d) memory(inaccessiblemem: readwrite)
  call void %f(ptr @g) memory(argmem: readwrite)
  call void %f(ptr readonly %d) memory(argmem: readwrite)
  ret void
}

; An argument-only writer whose argument may be the heap is reported.
; REMARK: remark: {{.*}}indirect call may write memory
define void @argmem(ptr %f, ptr %d) {
  call void %f(ptr %d) memory(argmem: readwrite)
  ret void
}

; A callee that resolves to a function is a direct call: memcpy called with
; another function type is a libc writer like any memcpy call, and a direct
; call of an unknown function is the program's (compiled with the plugin).
; CHECK-LABEL: define void @cast_callee(
; CHECK-NEXT:    call void @__pma_store_n(ptr %d, i64 %n)
; CHECK-NEXT:    call void @memcpy(ptr %d, ptr %s, i64 %n)
define void @cast_callee(ptr %d, ptr %s, i64 %n) {
  call void @memcpy(ptr %d, ptr %s, i64 %n)
  call void @unknown(ptr %d)
  ret void
}

; REMARK: remark: {{.*}}inline asm with a "memory" clobber may write memory and is not logged
define void @asm_rep_movsb(ptr %d, ptr %s, i64 %n) {
  call { ptr, ptr, i64 } asm sideeffect "rep movsb", "={di},={si},={cx},0,1,2,~{memory},~{dirflag},~{fpsr},~{flags}"(ptr %d, ptr %s, i64 %n)
  ret void
}

; REMARK: remark: {{.*}}inline asm with a "memory" clobber may write memory and is not logged
define void @asm_lock_add(ptr %p) {
  call void asm sideeffect "lock; addl $$1, ($0)", "r,~{memory},~{dirflag},~{fpsr},~{flags}"(ptr %p)
  ret void
}

; An output whose element type has no size cannot be logged.
; REMARK: remark: {{.*}}inline asm memory output of unknown size may write memory and is not logged
define void @asm_unsized(ptr %p) {
  call void asm sideeffect "", "=*m"(ptr elementtype(%opaque) %p)
  ret void
}

; Barriers write nothing; a sized "=*m" output is logged; asm without a
; clobber or memory output writes only registers.
; CHECK-LABEL: define void @asm_quiet(
; CHECK-NEXT:    call void asm sideeffect "", "~{memory}"()
; CHECK-NEXT:    call void asm sideeffect "mfence"
; CHECK-NEXT:    call void asm sideeffect "rep; nop"
; CHECK-NEXT:    call void asm sideeffect "lfence\0A\09sfence # order"
; CHECK-NEXT:    call void @__pma_store8(ptr %p)
; CHECK-NEXT:    call void asm sideeffect "movq $1, $0"
define void @asm_quiet(ptr %p, i64 %v) {
  call void asm sideeffect "", "~{memory}"()
  call void asm sideeffect "mfence", "~{memory},~{dirflag},~{fpsr},~{flags}"()
  call void asm sideeffect "rep; nop", "~{memory},~{dirflag},~{fpsr},~{flags}"()
  call void asm sideeffect "lfence\0A\09sfence # order", "~{memory}"()
  call void asm sideeffect "movq $1, $0", "=*m,r"(ptr elementtype(i64) %p, i64 %v)
  %r = call i64 asm "bswap $0", "=r,0"(i64 %v)
  ret void
}

; Runtime code is neither instrumented nor reported.
define void @runtime_code(ptr %f, ptr %d) disable_sanitizer_instrumentation {
  call void %f(ptr %d)
  call void asm sideeffect "rep stosb", "~{memory}"()
  ret void
}

declare ptr @memcpy(ptr, ptr, i64)
declare void @unknown(ptr)
