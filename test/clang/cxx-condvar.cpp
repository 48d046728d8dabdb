// std::condition_variable::wait is compiled into libstdc++.so, so the pass
// cannot rewrite the pthread_cond_wait inside it: it commits the FASE right
// before the call instead.  wait_for reaches pthread_cond_clockwait inline.
// RUN: %cc-pma -x c++ -std=c++17 -O0 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -x c++ -std=c++17 -O2 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -x c++ -std=c++17 -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CLOCK
// RUN: %cc-pma -x c++ -std=c++17 -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=CLOCK
#include <chrono>
#include <condition_variable>
#include <mutex>

std::mutex m;
std::condition_variable cv;
bool ready;

// CHECK-LABEL: define {{.*}}@_Z4waitv(
// CHECK: call void @__pma_before_wait()
// CHECK-NEXT: call void @__pma_cond_use(ptr @cv)
// CHECK-NEXT: {{call|invoke}} void @_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE(
void wait() {
  std::unique_lock<std::mutex> l(m);
  cv.wait(l);
}

// wait_for's body (an inline template, wherever it is emitted) waits through
// the rewritten pthread_cond_clockwait.
// CLOCK-NOT: call i32 @pthread_cond_clockwait(
// CLOCK: {{call|invoke}} i32 @__pma_cond_clockwait(
// CLOCK-NOT: call i32 @pthread_cond_clockwait(
void wait_for() {
  std::unique_lock<std::mutex> l(m);
  cv.wait_for(l, std::chrono::milliseconds(5), [] { return ready; });
}
