// std::mutex reaches pthread_mutex_lock through libstdc++'s inline
// __gthread_mutex_lock.  At -O0 that wrapper is an internal function of this
// module whose calls are rewritten; at -O2 it is inlined and the calls sit in
// the user's function.  Either way no pthread_mutex_lock/unlock is left.
// RUN: %clang -x c++ -fplugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CHECK
// RUN: %clang -x c++ -fplugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O2
// RUN: %clang --driver-mode=g++ -fplugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O2
// RUN: %clang -x c++ -fplugin=%plugin -O0 -g -S -emit-llvm -o - %s | opt -passes=verify -disable-output
// RUN: %clang -x c++ -fplugin=%plugin -O2 -g -S -emit-llvm -o - %s | opt -passes=verify -disable-output
// RUN: %clang -x c++ -fplugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=GTHR-LOCK
// RUN: %clang -x c++ -fplugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=GTHR-UNLOCK
#include <mutex>

struct Account {
  std::mutex m;
  long balance;
};

// CHECK-LABEL: define {{.*}}void @_Z7depositP7Accountl(
// O2:            call {{.*}}i32 @__pma_mutex_lock(
// CHECK:         call void @__pma_store8(
// O2:            call {{.*}}i32 @__pma_mutex_unlock(
void deposit(Account *a, long v) {
  std::lock_guard<std::mutex> g(a->m);
  a->balance += v;
}

// CHECK-LABEL: define {{.*}}i1 @_Z5tryitP7Account(
// O2:            call {{.*}}i32 @__pma_mutex_trylock(
// CHECK:         call void @__pma_store8(
bool tryit(Account *a) {
  if (!a->m.try_lock())
    return false;
  a->balance = 0;
  a->m.unlock();
  return true;
}

// GTHR-LOCK-LABEL: define internal {{.*}}i32 @_ZL20__gthread_mutex_lockP15pthread_mutex_t(
// GTHR-LOCK:         call i32 @__pma_mutex_lock(
// GTHR-UNLOCK-LABEL: define internal {{.*}}i32 @_ZL22__gthread_mutex_unlockP15pthread_mutex_t(
// GTHR-UNLOCK:         call i32 @__pma_mutex_unlock(

// CHECK-NOT: @pthread_mutex_lock
// CHECK-NOT: @pthread_mutex_unlock
// CHECK-NOT: @pthread_mutex_trylock
