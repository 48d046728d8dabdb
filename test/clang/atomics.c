// C11 atomics become atomicrmw/cmpxchg/atomic store, each between
// __pma_atomic_begin (logs, links FASEs through the word) and
// __pma_atomic_end; an atomic load gets __pma_atomic_load after it.
// RUN: %cc-pma -O0 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s
#include <stdatomic.h>

// CHECK-LABEL: define {{.*}}@bump(
// CHECK:         call void @__pma_atomic_begin(ptr {{.*}}, i64 8)
// CHECK-NEXT:    atomicrmw add ptr
// CHECK-NEXT:    call void @__pma_atomic_end()
long bump(_Atomic long *c) { return atomic_fetch_add(c, 1); }

// CHECK-LABEL: define {{.*}}@cas(
// CHECK:         call void @__pma_atomic_begin(ptr {{.*}}, i64 4)
// CHECK-NEXT:    cmpxchg ptr
// CHECK-NEXT:    call void @__pma_atomic_end()
_Bool cas(_Atomic int *c, int old, int new_) {
  return atomic_compare_exchange_strong(c, &old, new_);
}

// CHECK-LABEL: define {{.*}}@publish(
// CHECK:         call void @__pma_atomic_begin(ptr {{.*}}, i64 8)
// CHECK-NEXT:    store atomic i64
// CHECK-NEXT:    call void @__pma_atomic_end()
void publish(_Atomic long *c, long v) { atomic_store(c, v); }

// CHECK-LABEL: define {{.*}}@peek(
// CHECK:         load atomic i64, ptr
// CHECK-NEXT:    call void @__pma_atomic_load(ptr {{.*}}, i64 8)
// CHECK-NOT:     call void @__pma_load(
long peek(_Atomic long *c) { return atomic_load_explicit(c, memory_order_acquire); }
