// -Rpass=pmatomic prints one summary per function at the function;
// -Rpass-missed and -Rpass-analysis point at the write.
// RUN: %cc-pma -O2 -Rpass=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefix=PASS
// RUN: %cc-pma -O2 -Rpass-missed=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefix=MISSED
// RUN: %cc-pma -O2 -Rpass-analysis=pmatomic -c -o /dev/null %s 2>&1 | FileCheck %s --check-prefix=ANALYSIS
#include <pthread.h>
#include <stdio.h>

struct acct { pthread_mutex_t m; long balance; char note[32]; };
long total;

// PASS: remark.c:[[@LINE+1]]:{{[0-9]+}}: remark: instrumented 1 stores, 0 atomics, 0 mem intrinsics, 0 libc writers; elided 0 non-escaping stack, 1 global, 0 malloc writes; rewrote 2 lock calls [-Rpass=pmatomic]
void deposit(struct acct *a, long v) {
  pthread_mutex_lock(&a->m);
  a->balance += v;
  // ANALYSIS: remark.c:[[@LINE+1]]:{{[0-9]+}}: remark: store to global 'total' not instrumented [-Rpass-analysis=pmatomic]
  total += v;
  pthread_mutex_unlock(&a->m);
}

void note(struct acct *a) {
  // MISSED: remark.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'sprintf' writes a range only known after the call and is not logged [-Rpass-missed=pmatomic]
  sprintf(a->note, "%ld", a->balance);
}
