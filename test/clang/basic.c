// -fplugin=libpmatomic.so alone instruments heap stores and rewrites the
// mutex calls, at every optimisation level.
// RUN: %cc-pma -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %cc-pma -O1 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CHECK
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CHECK
// RUN: %cc-pma -O3 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CHECK
#include <pthread.h>

struct account {
  pthread_mutex_t lock;
  long balance;
  short flags;
};

// CHECK-LABEL: define {{.*}}void @deposit(
// CHECK:         call i32 @__pma_mutex_lock(
// CHECK:         call void @__pma_store8(
// CHECK-NEXT:    store i64
// CHECK:         call i32 @__pma_mutex_unlock(
void deposit(struct account *a, long amount) {
  pthread_mutex_lock(&a->lock);
  a->balance += amount;
  pthread_mutex_unlock(&a->lock);
}

// CHECK-LABEL: define {{.*}}i32 @try_flag(
// CHECK:         call i32 @__pma_mutex_trylock(
// CHECK:         call void @__pma_store2(
// CHECK-NEXT:    store i16
int try_flag(struct account *a) {
  if (pthread_mutex_trylock(&a->lock) != 0)
    return 0;
  a->flags = 1;
  pthread_mutex_unlock(&a->lock);
  return 1;
}

// At -O0 the arguments live in stack slots that do not escape: stores to
// them are elided; the store through the pointer is instrumented.
// CHECK-LABEL: define {{.*}}void @set(
// O0:            store ptr %{{.*}}, ptr %{{.*}}
// O0-NOT:        call void @__pma
// CHECK:         call void @__pma_store8(
// CHECK-NEXT:    store i64
// CHECK-NOT:     call void @__pma
// CHECK:         ret void
void set(struct account *a, long v) { a->balance = v; }

// CHECK-LABEL: define {{.*}}void @init(
// CHECK:         call i32 @pthread_mutex_init(
void init(struct account *a) { pthread_mutex_init(&a->lock, 0); }

// CHECK-NOT: call i32 @pthread_mutex_lock(
// CHECK-NOT: call i32 @pthread_mutex_unlock(
// CHECK-NOT: call i32 @pthread_mutex_trylock(
// CHECK: declare {{.*}}i32 @__pma_mutex_lock(ptr
