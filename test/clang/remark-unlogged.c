// Issue #18 item 12: -Rpass-missed=pmatomic reports the writes the pass sees
// but cannot log -- calls through a function pointer it cannot resolve (libc
// through a pointer writes the heap unlogged) and inline asm with a "memory"
// clobber -- and stays quiet for barriers, logged "=m"/"+m" outputs and calls
// it can resolve.
// RUN: %cc-pma -O2 -Rpass-missed=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefix=MISSED --implicit-check-not=remark:
// RUN: %cc-pma -O0 -Rpass-missed=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefixes=MISSED,O0 --implicit-check-not=remark:
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefix=IR
#include <pthread.h>
#include <stddef.h>
#include <string.h>

struct rec { pthread_mutex_t m; char buf[64]; long count; };

void *(*copy_fn)(void *, const void *, size_t) = memcpy;

void through_global(struct rec *r, const char *s) {
  pthread_mutex_lock(&r->m);
  // MISSED: remark-unlogged.c:[[@LINE+1]]:{{[0-9]+}}: remark: indirect call may write memory: if its callee is not compiled with the plugin (libc through a pointer), its writes are not logged [-Rpass-missed=pmatomic]
  copy_fn(r->buf, s, sizeof r->buf);
  pthread_mutex_unlock(&r->m);
}

// At -O0 the local pointer is a load, so the call is indirect; at -O2 it is
// a direct memcpy, logged like any other.
// IR-LABEL: define {{.*}}void @through_local(
// IR:         call void @__pma_store_n(ptr {{.*}}, i64 64)
// IR-NEXT:    tail call void @llvm.memcpy
void through_local(struct rec *r, const char *s) {
  void *(*f)(void *, const void *, size_t) = memcpy;
  // O0: remark-unlogged.c:[[@LINE+1]]:{{[0-9]+}}: remark: indirect call may write memory
  f(r->buf, s, sizeof r->buf);
}

void asm_writes(struct rec *r) {
  char *d = r->buf;
  size_t n = sizeof r->buf;
  pthread_mutex_lock(&r->m);
  // MISSED: remark-unlogged.c:[[@LINE+1]]:{{[0-9]+}}: remark: inline asm with a "memory" clobber may write memory and is not logged [-Rpass-missed=pmatomic]
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0) : "memory");
  pthread_mutex_unlock(&r->m);
}

// IR-LABEL: define {{.*}}void @asm_quiet(
// IR:         call void @__pma_store8(ptr
// IR-NEXT:    call void asm sideeffect "incq $0"
void asm_quiet(struct rec *r) {
  pthread_mutex_lock(&r->m);
  __asm__ volatile("" ::: "memory");
  __asm__ volatile("mfence" ::: "memory");
  __asm__ volatile("incq %0" : "+m"(r->count));
  pthread_mutex_unlock(&r->m);
}
