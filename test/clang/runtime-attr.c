// Issue #18 item 9: every function compiled with the plugin is instrumented
// whatever its name -- a program's own pma_* function too -- and
// __attribute__((disable_sanitizer_instrumentation)) is the one opt-out: no
// hooks and no lock rewriting there (docs/usage.md).
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -O0 -S -emit-llvm -o - %s | FileCheck %s
#include <pthread.h>

struct rec { pthread_mutex_t m; long a; };

// CHECK-LABEL: define {{.*}}void @pma_something(
// CHECK:         call i32 @__pma_mutex_lock(
// CHECK:         call void @__pma_store8(
// CHECK-NEXT:    store i64
// CHECK:         call i32 @__pma_mutex_unlock(
void pma_something(struct rec *r, long v) {
  pthread_mutex_lock(&r->m);
  r->a = v;
  pthread_mutex_unlock(&r->m);
}

// CHECK-LABEL: define {{.*}}void @opted_out(
// CHECK-NOT:     call {{.*}}@__pma
// CHECK:         call i32 @pthread_mutex_lock(
// CHECK-NOT:     call {{.*}}@__pma
// CHECK:         store i64
// CHECK-NOT:     call {{.*}}@__pma
// CHECK:         call i32 @pthread_mutex_unlock(
// CHECK-NOT:     call {{.*}}@__pma
// CHECK:         ret void
__attribute__((disable_sanitizer_instrumentation)) void opted_out(struct rec *r, long v) {
  pthread_mutex_lock(&r->m);
  r->a = v;
  pthread_mutex_unlock(&r->m);
}
