// C11 atomics become atomicrmw/cmpxchg/atomic store, each logged first.
// RUN: %cc-pma -O0 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s
#include <stdatomic.h>

// CHECK-LABEL: define {{.*}}@bump(
// CHECK:         call void @__pma_store8(
// CHECK-NEXT:    atomicrmw add ptr
long bump(_Atomic long *c) { return atomic_fetch_add(c, 1); }

// CHECK-LABEL: define {{.*}}@cas(
// CHECK:         call void @__pma_store4(
// CHECK-NEXT:    cmpxchg ptr
_Bool cas(_Atomic int *c, int old, int new_) {
  return atomic_compare_exchange_strong(c, &old, new_);
}

// CHECK-LABEL: define {{.*}}@publish(
// CHECK:         call void @__pma_store8(
// CHECK-NEXT:    store atomic i64
void publish(_Atomic long *c, long v) { atomic_store(c, v); }
