// The same library is also an LLVM pass plugin: -fpass-plugin alone runs
// the pass, and with -fplugin as well the writes are still logged once.
// RUN: %clang -fpass-plugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %cc-pma -fpass-plugin=%plugin -O2 -S -emit-llvm -o - %s | FileCheck %s
// RUN: %clang -fpass-plugin=%plugin -O0 -S -emit-llvm -o - %s | FileCheck %s

// CHECK-LABEL: define {{.*}}void @set(
// CHECK:         call void @__pma_store4(
// CHECK-NOT:     call void @__pma_store4(
// CHECK:         ret void
void set(int *p, int v) { *p = v; }
