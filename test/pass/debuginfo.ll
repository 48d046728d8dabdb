; Inserted calls carry the debug location of the write they protect (a call
; without !dbg in a function with debug info is what breaks -g builds), and
; the result verifies.
; RUN: %opt-pma -passes=pmatomic,verify -pmatomic-no-multi-batching -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @deposit(
; CHECK:         call i32 @__pma_mutex_lock(ptr %m), !dbg [[L1:![0-9]+]]
; CHECK:         call void @__pma_store8(ptr %b), !dbg [[L2:![0-9]+]]
; CHECK-NEXT:    store i64 %n, ptr %b, align 8, !dbg [[L2]]
; CHECK:         call void @__pma_store_n(ptr %b, i64 16), !dbg [[L3:![0-9]+]]
; CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr %b, i8 0, i64 16, i1 false), !dbg [[L3]]
; CHECK:         call void @__pma_store_strcpy(ptr %b, ptr %s), !dbg [[L4:![0-9]+]]
; CHECK-NEXT:    call ptr @strcpy(ptr %b, ptr %s), !dbg [[L4]]
define void @deposit(ptr %m, ptr %b, i64 %v, ptr %s) !dbg !5 {
  call i32 @pthread_mutex_lock(ptr %m), !dbg !8
  %old = load i64, ptr %b, align 8, !dbg !9
  %n = add i64 %old, %v, !dbg !9
  store i64 %n, ptr %b, align 8, !dbg !9
  call void @llvm.memset.p0.i64(ptr %b, i8 0, i64 16, i1 false), !dbg !10
  call ptr @strcpy(ptr %b, ptr %s), !dbg !11
  call i32 @pthread_mutex_unlock(ptr %m), !dbg !12
  ret void, !dbg !12
}

; A write that lost its location still gives its hook one (line 0).
; CHECK-LABEL: define void @no_loc(
; CHECK-NEXT:    call void @__pma_store8(ptr %p), !dbg [[L0:![0-9]+]]
; CHECK-NEXT:    store i64 0, ptr %p, align 8{{$}}
define void @no_loc(ptr %p) !dbg !13 {
  store i64 0, ptr %p, align 8
  ret void, !dbg !14
}

; CHECK-DAG: [[L0]] = !DILocation(line: 0, scope: [[NOLOC:![0-9]+]])
; CHECK-DAG: [[NOLOC]] = distinct !DISubprogram(name: "no_loc"
; CHECK-DAG: [[L1]] = !DILocation(line: 3,
; CHECK-DAG: [[L2]] = !DILocation(line: 4,
; CHECK-DAG: [[L3]] = !DILocation(line: 5,
; CHECK-DAG: [[L4]] = !DILocation(line: 6,

declare i32 @pthread_mutex_lock(ptr)
declare i32 @pthread_mutex_unlock(ptr)
declare ptr @strcpy(ptr, ptr)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}

!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "clang", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "bank.c", directory: "/tmp")
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 7, !"Dwarf Version", i32 5}
!5 = distinct !DISubprogram(name: "deposit", scope: !1, file: !1, line: 2, type: !6, scopeLine: 2, spFlags: DISPFlagDefinition, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!8 = !DILocation(line: 3, column: 3, scope: !5)
!9 = !DILocation(line: 4, column: 14, scope: !5)
!10 = !DILocation(line: 5, column: 3, scope: !5)
!11 = !DILocation(line: 6, column: 3, scope: !5)
!12 = !DILocation(line: 7, column: 1, scope: !5)
!13 = distinct !DISubprogram(name: "no_loc", scope: !1, file: !1, line: 9, type: !6, scopeLine: 9, spFlags: DISPFlagDefinition, unit: !0)
!14 = !DILocation(line: 11, column: 1, scope: !13)
