; libstdc++'s gthr-posix.h reaches pthread through weak references
; (__gthrw_): at -O0 the static inline __gthread_mutex_lock stays in the
; module and calls the extern_weak declaration.  The wrapper becomes a strong
; reference (the runtime is always linked) with the original attributes.
; RUN: %opt-pma -passes=pmatomic -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define internal i32 @_ZL20__gthread_mutex_lockP15pthread_mutex_t(
; CHECK:         call i32 @__pma_mutex_lock(ptr noundef %m)
define internal i32 @_ZL20__gthread_mutex_lockP15pthread_mutex_t(ptr noundef %m) {
  %active = icmp ne ptr @pthread_mutex_lock, null
  br i1 %active, label %call, label %done
call:
  %r = call i32 @pthread_mutex_lock(ptr noundef %m) #0
  ret i32 %r
done:
  ret i32 0
}

; CHECK-NOT: @pthread_mutex_lock
; CHECK: declare i32 @__pma_mutex_lock(ptr noundef) #[[ATTR:[0-9]+]]
; CHECK: attributes #[[ATTR]] = { nounwind }
declare extern_weak i32 @pthread_mutex_lock(ptr noundef) #0

attributes #0 = { nounwind }
