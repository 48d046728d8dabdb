// Each -fplugin-arg-pmatomic-<name> reaches the pass.
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=DEFAULT
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-locks -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOLOCKS
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-instrument -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOINSTR
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-volatile-malloc -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOVOLMALLOC
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-global-elision -fplugin-arg-pmatomic-no-multi-batching -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOGLOBAL
// RUN: %cc-pma -O0 -fplugin-arg-pmatomic-no-escape-elision -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOESCAPE
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-track-loads -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=TRACK
// An explicit -mllvm -pmatomic-* overrides the plugin argument.
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-locks -mllvm -pmatomic-no-locks=false -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=DEFAULT
#include <pthread.h>
#include <stdlib.h>

long counter;

// DEFAULT-LABEL: define {{.*}}@work(
// DEFAULT:         call i32 @__pma_mutex_lock(
// DEFAULT:         call void @__pma_store8(ptr
// DEFAULT-NOT:     call void @__pma_store8(ptr @counter)
// DEFAULT:         call i32 @__pma_mutex_unlock(
// NOLOCKS-LABEL: define {{.*}}@work(
// NOLOCKS:         call i32 @pthread_mutex_lock(
// NOLOCKS:         call void @__pma_store8(ptr
// NOINSTR-LABEL: define {{.*}}@work(
// NOINSTR:         call i32 @__pma_mutex_lock(
// NOINSTR-NOT:     call void @__pma_store
// NOINSTR:         call i32 @__pma_mutex_unlock(
// TRACK-LABEL: define {{.*}}@work(
// TRACK:         load i64, ptr
// TRACK-NEXT:    call void @__pma_load(ptr
// DEFAULT-NOT:   call void @__pma_load(
// NOGLOBAL-LABEL: define {{.*}}@work(
// NOGLOBAL:        call void @__pma_store8(ptr @counter)
void work(pthread_mutex_t *m, long *p) {
  pthread_mutex_lock(m);
  *p += 1;
  counter++;
  pthread_mutex_unlock(m);
}

// DEFAULT-LABEL: define {{.*}}@fresh(
// DEFAULT-NOT:     call void @__pma
// DEFAULT:         ret ptr
// NOVOLMALLOC-LABEL: define {{.*}}@fresh(
// NOVOLMALLOC:     call void @__pma_store8(
long *fresh(void) {
  long *q = malloc(sizeof *q);
  *q = 42;
  return q;
}

// NOESCAPE-LABEL: define {{.*}}@local(
// NOESCAPE:         call void @{{__pma_store4|__pma_store_v}}(
int local(int x) {
  int y = x;
  return y;
}
