// With -g every inserted call has a debug location (the verifier rejects a
// call without one in a function with debug info) and the module verifies.
// RUN: %cc-pma -O0 -g -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -O2 -g -fplugin-arg-pmatomic-no-multi-batching -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -O2 -g -S -emit-llvm -o - %s | FileCheck %s --check-prefix=MULTI
// RUN: %cc-pma -O0 -g -S -emit-llvm -o - %s | opt -passes=verify -disable-output
// RUN: %cc-pma -O2 -g -S -emit-llvm -o - %s | opt -passes=verify -disable-output
// RUN: %cc-pma -O2 -g -c -o /dev/null %s
#include <pthread.h>
#include <string.h>

struct rec {
  pthread_mutex_t m;
  long n;
  char name[16];
};

// CHECK-LABEL: define {{.*}}void @update(
// CHECK:         call i32 @__pma_mutex_lock({{.*}}){{.*}}, !dbg
// CHECK:         call void @__pma_store8({{.*}}){{.*}}, !dbg [[LINE_N:![0-9]+]]
// CHECK:         call void @__pma_store_n({{.*}}){{.*}}, !dbg [[LINE_NAME:![0-9]+]]
// CHECK:         call i32 @__pma_mutex_unlock({{.*}}){{.*}}, !dbg
// A multi-range hook (-O2: the counter and the name share one) takes the
// location of the first write it logs.
// MULTI-LABEL: define {{.*}}void @update(
// MULTI:         call void @__pma_store_v({{.*}}), !dbg [[MLINE:![0-9]+]]
// MULTI:         call i32 @__pma_mutex_unlock(
// MULTI:       [[MLINE]] = !DILocation(line: 31,
void update(struct rec *r, const char *s) {
  pthread_mutex_lock(&r->m);
  r->n++;
  memcpy(r->name, s, sizeof r->name);
  pthread_mutex_unlock(&r->m);
}

// CHECK-DAG: [[LINE_N]] = !DILocation(line: 31,
// CHECK-DAG: [[LINE_NAME]] = !DILocation(line: 32,
