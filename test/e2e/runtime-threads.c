// Threads: concurrent FASEs over in-heap mutexes with nested locks (deferred
// release), allocations and frees inside the FASEs; SIGKILL at random moments
// must leave every balance sum conserved and every per-thread list matching
// its count.  More threads over time than the 256 log slots: slots are
// recycled at thread exit.
// RUN: %clang -O2 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma -lpthread
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// CHECK: 8 threads x 2000 transfers: sum 8000, 16000 FASEs
// CHECK-NEXT: 6 kills: sums conserved, lists consistent
// CHECK-NEXT: 400 short-lived threads: slots recycled, sum 8000
#include "runtime-test.h"
#include <pthread.h>
#include <time.h>

#define NACC 8
#define NTH 8
struct node { struct node *next; long v; };
struct root {
  struct acc { pthread_mutex_t m; long bal; } acc[NACC];
  struct node *list[NTH];
  long count[NTH];
};
static struct root *r;
static const char *path;

/* transfer -- move 1 between two accounts, keep a receipt list of <= 10 */
static void transfer(int t, unsigned *seed) {
  int a = rand_r(seed) % NACC, b = rand_r(seed) % NACC;
  if (a == b)
    b = (a + 1) % NACC;
  int lo = a < b ? a : b, hi = a < b ? b : a;
  CHECK(__pma_mutex_lock(&r->acc[lo].m) == 0);
  CHECK(__pma_mutex_lock(&r->acc[hi].m) == 0);
  ST(r->acc[a].bal, r->acc[a].bal - 1);
  ST(r->acc[b].bal, r->acc[b].bal + 1);
  CHECK(__pma_mutex_unlock(&r->acc[hi].m) == 0); /* deferred */
  struct node *n = pma_malloc(sizeof *n);
  CHECK(n);
  ST(n->v, a * 100 + b);
  ST(n->next, r->list[t]);
  ST(r->list[t], n);
  ST(r->count[t], r->count[t] + 1);
  if (r->count[t] > 10) {
    struct node *v = n->next;
    ST(n->next, v->next);
    pma_free(v);
    ST(r->count[t], r->count[t] - 1);
  }
  CHECK(__pma_mutex_unlock(&r->acc[lo].m) == 0);
}

struct arg { int t, n; };
static void *worker(void *p) {
  struct arg *a = p;
  unsigned seed = (unsigned)a->t * 7919u + (unsigned)time(NULL);
  for (int i = 0; a->n < 0 || i < a->n; i++)
    transfer(a->t, &seed);
  return NULL;
}

/* check -- invariants; returns the balance sum */
static long check(void) {
  long sum = 0;
  for (int i = 0; i < NACC; i++)
    sum += r->acc[i].bal;
  for (int t = 0; t < NTH; t++) {
    long n = 0;
    for (struct node *p = r->list[t]; p; p = p->next, n++)
      CHECK(pma_usable_size(p) >= sizeof *p && n <= 11);
    CHECK(n == r->count[t]);
  }
  return sum;
}

static void run_forever(void *x) {
  (void)x;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  pthread_t th[NTH];
  struct arg args[NTH];
  for (int t = 0; t < NTH; t++) {
    args[t] = (struct arg){t, -1};
    CHECK(pthread_create(&th[t], NULL, worker, &args[t]) == 0);
  }
  for (;;)
    pause();
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 8 << 20);
  CHECK(h);
  r = pma_root(h, sizeof *r);
  hook(r, sizeof *r);
  for (int i = 0; i < NACC; i++) {
    pthread_mutex_init(&r->acc[i].m, NULL);
    r->acc[i].bal = 1000;
  }
  pthread_t th[NTH];
  struct arg args[NTH];
  struct pma_stats st0, st;
  pma_get_stats(&st0);
  for (int t = 0; t < NTH; t++) {
    args[t] = (struct arg){t, 2000};
    CHECK(pthread_create(&th[t], NULL, worker, &args[t]) == 0);
  }
  for (int t = 0; t < NTH; t++)
    pthread_join(th[t], NULL);
  pma_get_stats(&st);
  printf("%d threads x 2000 transfers: sum %ld, %llu FASEs\n", NTH, check(),
         (unsigned long long)(st.fases - st0.fases));
  CHECK(pma_close(h) == 0);

  for (int k = 0; k < 6; k++) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      run_forever(NULL);
      _exit(0);
    }
    usleep(20000 + 15000 * k);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    h = pma_open(path, 0);
    CHECK(h);
    r = pma_root(h, 0);
    CHECK(check() == NACC * 1000);
    CHECK(pma_close(h) == 0);
  }
  printf("6 kills: sums conserved, lists consistent\n");

  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  for (int round = 0; round < 50; round++) {
    for (int t = 0; t < NTH; t++) {
      args[t] = (struct arg){t, 5};
      CHECK(pthread_create(&th[t], NULL, worker, &args[t]) == 0);
    }
    for (int t = 0; t < NTH; t++)
      pthread_join(th[t], NULL);
  }
  printf("400 short-lived threads: slots recycled, sum %ld\n", check());
  CHECK(pma_close(h) == 0);
  return 0;
}
