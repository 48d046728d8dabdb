// The logging optimisations on C at -O2, and the plugin arguments that turn
// them off (-fplugin-arg-pmatomic-no-opt: all three, the per-store baseline).
// RUN: %cc-pma -O2 -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=OPT
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-opt -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOOPT
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-fresh-elision -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOFRESH
// RUN: %cc-pma -O2 -fplugin-arg-pmatomic-no-dominated-elision -fplugin-arg-pmatomic-no-batching -fplugin-arg-pmatomic-no-multi-batching -S -emit-llvm -o - %s | FileCheck %s --check-prefixes=NOCOVER
// RUN: %cc-pma -O2 -Rpass=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefix=REMARK
#include <pmatomic.h>
#include <pthread.h>

struct node { long key, val; struct node *next; };
struct list { pthread_mutex_t m; struct node *head; long count, version; };

// OPT-LABEL: define {{.*}}@push(
// OPT:         call {{.*}}@pma_malloc(
// OPT-NOT:     call void @__pma_store
// OPT:         call void @__pma_store16(
// OPT-NOT:     call void @__pma_store
// OPT:         call i32 @__pma_mutex_unlock(
// NOOPT-LABEL: define {{.*}}@push(
// NOOPT-COUNT-5: call void @__pma_store8(
// NOOPT:         call i32 @__pma_mutex_unlock(
// NOFRESH-LABEL: define {{.*}}@push(
// NOFRESH:       store i64 24, ptr
// NOFRESH:       call void @__pma_store_v(ptr {{.*}}, i64 2)
// NOCOVER-LABEL: define {{.*}}@push(
// NOCOVER-COUNT-2: call void @__pma_store8(
// NOCOVER-NOT:   call void @__pma_store
// NOCOVER:       call i32 @__pma_mutex_unlock(
// REMARK: log-opt.c:[[@LINE+1]]:{{[0-9]+}}: remark: elided 3 writes to fresh blocks, 0 covered writes; batched 2 stores into 1 hooks, 0 of them multi-range [-Rpass=pmatomic]
void push(struct list *l, long k, long v) {
  pthread_mutex_lock(&l->m);
  struct node *n = pma_malloc(sizeof *n);
  n->key = k;
  n->val = v;
  n->next = l->head;
  l->head = n;
  l->count++;
  pthread_mutex_unlock(&l->m);
}

// Writes to two lists in one critical section: one multi-range hook logs
// both counters (a gap lies between them and the head), one fence.
// OPT-LABEL: define {{.*}}@transfer(
// OPT:         call void @__pma_store_v(ptr {{.*}}, i64 2)
// OPT-NOT:     call void @__pma_store
// OPT:         call i32 @__pma_mutex_unlock(
// NOOPT-LABEL: define {{.*}}@transfer(
// NOOPT-COUNT-2: call void @__pma_store8(
// REMARK: log-opt.c:[[@LINE+1]]:{{[0-9]+}}: remark: elided 0 writes to fresh blocks, 0 covered writes; batched 2 stores into 1 hooks, 1 of them multi-range [-Rpass=pmatomic]
void transfer(pthread_mutex_t *m, struct list *a, struct list *b) {
  pthread_mutex_lock(m);
  a->count--;
  b->count++;
  pthread_mutex_unlock(m);
}
