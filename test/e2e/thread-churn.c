// Thousands of short-lived threads, more than the log slot table holds, each
// running FASEs: slots are recycled at thread exit and the sum is conserved.
// RUN: %cc-pma -O2 %s -o %t %link-pma && %t %t.heap | FileCheck %s
// CHECK: 1200 threads, {{120[0-9][0-9]}} FASEs, sum 0
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct root { pthread_mutex_t lock; long cell[16]; };
static struct root *r;

/* worker -- ten FASEs that move a unit between two cells */
static void *worker(void *arg) {
  long k = (long)arg;
  for (int i = 0; i < 10; i++) {
    pthread_mutex_lock(&r->lock);
    r->cell[(k + i) % 16] -= 1;
    r->cell[(k + 3 * i + 1) % 16] += 1;
    pthread_mutex_unlock(&r->lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  unlink(argv[1]);
  pma_heap *h = pma_open(argv[1], 8u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 1;
  }
  r = pma_root(h, sizeof *r);
  pthread_mutex_init(&r->lock, NULL);
  long t = 0;
  for (int round = 0; round < 150; round++) {
    pthread_t th[8];
    for (long i = 0; i < 8; i++)
      pthread_create(&th[i], NULL, worker, (void *)(round * 8 + i));
    for (int i = 0; i < 8; i++)
      pthread_join(th[i], NULL);
    t += 8;
  }
  long sum = 0;
  for (int i = 0; i < 16; i++)
    sum += r->cell[i];
  struct pma_stats st;
  pma_get_stats(&st);
  printf("%ld threads, %llu FASEs, sum %ld\n", t, (unsigned long long)st.fases, sum);
  return pma_close(h) != 0 || sum != 0;
}
