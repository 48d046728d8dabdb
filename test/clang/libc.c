// libc writers are logged whether clang keeps the call (-O0) or turns it
// into an intrinsic (-O2).
// RUN: %cc-pma -O0 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,O2
// RUN: %cc-pma -O2 -fno-builtin -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=CHECK,NOBUILTIN
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <wchar.h>

struct rec { char name[32]; char buf[64]; };

// CHECK-LABEL: define {{.*}}void @copy_name(
// O0:            call void @__pma_store_n(ptr %{{.*}}, i64 32)
// O0-NEXT:       call void @llvm.memcpy
// O2:            call void @__pma_store_n(ptr %{{.*}}, i64 32)
// O2-NEXT:       tail call void @llvm.memcpy
// NOBUILTIN:     call void @__pma_store_n(ptr %{{.*}}, i64 32)
// NOBUILTIN-NEXT: call ptr @memcpy(
void copy_name(struct rec *r, const char *s) { memcpy(r->name, s, sizeof r->name); }

// CHECK-LABEL: define {{.*}}void @set_name(
// CHECK:         call void @__pma_store_strcpy(ptr
// CHECK-NEXT:    call ptr @strcpy(
void set_name(struct rec *r, const char *s) { strcpy(r->name, s); }

// CHECK-LABEL: define {{.*}}i64 @fill(
// CHECK:         call void @__pma_store_n(ptr %{{.*}}, i64 64)
// CHECK-NEXT:    call i64 @read(
long fill(struct rec *r, int fd) { return read(fd, r->buf, sizeof r->buf); }

// CHECK-LABEL: define {{.*}}void @fmt(
// CHECK:         call void @__pma_store_n(ptr %{{.*}}, i64 64)
// CHECK-NEXT:    call i32 (ptr, i64, ptr, ...) @snprintf(
void fmt(struct rec *r, int v) { snprintf(r->buf, sizeof r->buf, "%d", v); }

// Wide-character writers count 4-byte wchar_t elements.
struct wrec { wchar_t name[16]; };

// CHECK-LABEL: define {{.*}}void @wset_name(
// CHECK:         call void @__pma_store_wcscpy(ptr
// CHECK-NEXT:    call ptr @wcscpy(
void wset_name(struct wrec *r, const wchar_t *s) { wcscpy(r->name, s); }

// CHECK-LABEL: define {{.*}}void @wclear(
// CHECK:         call void @__pma_store_n(ptr %{{.*}}, i64 64)
// CHECK-NEXT:    call ptr @wmemset(
void wclear(struct wrec *r) { wmemset(r->name, L' ', 16); }

// CHECK-LABEL: define {{.*}}void @wcopy(
// CHECK:         [[B:%.*]] = mul i64 %{{.*}}, 4
// CHECK-NEXT:    call void @__pma_store_n(ptr %{{.*}}, i64 [[B]])
// CHECK-NEXT:    call ptr @wmemcpy(
void wcopy(struct wrec *r, const wchar_t *s, size_t n) { wmemcpy(r->name, s, n); }
