/*
 * chain.c -- crash-test program: money moves A -> B -> C under coupled locks
 * (lock A, lock B, move, release A in the middle of the critical section,
 * lock C, move, release B, release C) while other threads take money from B
 * into a cash drawer and others bring it back from C and the drawer to A.
 * All locks are taken in the order A < B < C < drawer.
 *
 *   chain HEAP run [THREADS]   until killed
 *   chain HEAP check           recover; total conserved, nothing negative
 *   chain HEAP sim [THREADS [OPS]]
 *                              for pmatomic crashtest: verify, OPS operations
 *                              per thread (seeds fixed), verify, close
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOTAL 3000000L
#define MAGIC 0x434841494eull

struct acct {
  pthread_mutex_t lock;
  long balance;
};
struct bank {
  uint64_t magic;
  struct acct a, b, c, drawer;
};
static struct bank *k;
static _Atomic long done_here;
static long ops = -1; /* per thread; -1: until killed */

/* spin -- some work inside the critical section */
static void spin(unsigned n) {
  volatile unsigned x = 0;
  for (unsigned i = 0; i < n; i++)
    x += i;
}

/* mover -- A -> B -> C, hand over hand */
static void move(long x) {
  pthread_mutex_lock(&k->a.lock);
  pthread_mutex_lock(&k->b.lock);
  long got = k->a.balance < x ? k->a.balance : x;
  k->a.balance -= got;
  k->b.balance += got;
  pthread_mutex_unlock(&k->a.lock); /* released before the FASE ends */
  spin(300);
  if (ops >= 0)
    spin(100000); /* sim: time for others to commit on A before we do */
  pthread_mutex_lock(&k->c.lock);
  long on = k->b.balance < got ? k->b.balance : got;
  k->b.balance -= on;
  k->c.balance += on;
  pthread_mutex_unlock(&k->b.lock);
  pthread_mutex_unlock(&k->c.lock);
}

/* take -- B -> drawer */
static void take(long x) {
  pthread_mutex_lock(&k->b.lock);
  pthread_mutex_lock(&k->drawer.lock);
  long got = k->b.balance < x ? k->b.balance : x;
  k->b.balance -= got;
  spin(3000);
  k->drawer.balance += got;
  pthread_mutex_unlock(&k->drawer.lock);
  pthread_mutex_unlock(&k->b.lock);
}

/* refill -- C and the drawer back to A */
static void refill(void) {
  pthread_mutex_lock(&k->a.lock);
  pthread_mutex_lock(&k->c.lock);
  k->a.balance += k->c.balance;
  spin(3000);
  k->c.balance = 0;
  pthread_mutex_unlock(&k->c.lock);
  pthread_mutex_lock(&k->drawer.lock);
  k->a.balance += k->drawer.balance;
  k->drawer.balance = 0;
  pthread_mutex_unlock(&k->drawer.lock);
  pthread_mutex_unlock(&k->a.lock);
}

/* worker -- a mix of the three */
static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (long n = 0; ops < 0 || n < ops; n++) {
    int r = rand_r(&seed) % 10;
    if (r < 6)
      move(1 + rand_r(&seed) % 1000);
    else if (r < 9)
      take(1 + rand_r(&seed) % 500);
    else
      refill();
    done_here++;
  }
  return NULL;
}

/* check -- 0 when the total is conserved and nothing is negative, else prints and returns 1 */
static int check(const char *when) {
  long t = k->a.balance + k->b.balance + k->c.balance + k->drawer.balance;
  if (t == TOTAL && k->a.balance >= 0 && k->b.balance >= 0 && k->c.balance >= 0 &&
      k->drawer.balance >= 0)
    return 0;
  printf("%s: A %ld B %ld C %ld drawer %ld total %ld (expected %ld)\n", when, k->a.balance,
         k->b.balance, k->c.balance, k->drawer.balance, t, TOTAL);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h) {
    fprintf(stderr, "chain: %s\n", pma_errormsg());
    return 2;
  }
  k = pma_root(h, sizeof *k);
  if (k->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&k->a.lock, NULL);
    pthread_mutex_init(&k->b.lock, NULL);
    pthread_mutex_init(&k->c.lock, NULL);
    pthread_mutex_init(&k->drawer.lock, NULL);
    k->a.balance = TOTAL;
    k->magic = MAGIC;
    pma_end();
  }
#ifdef REINIT_LOCKS
  /* without pmatomic, nothing resets the mutexes a killed run left locked */
  pthread_mutex_init(&k->a.lock, NULL);
  pthread_mutex_init(&k->b.lock, NULL);
  pthread_mutex_init(&k->c.lock, NULL);
  pthread_mutex_init(&k->drawer.lock, NULL);
#endif
  if (!strcmp(argv[2], "check")) {
    int bad = check("check");
    printf("check: A %ld B %ld C %ld drawer %ld, recovery rolled back %llu FASEs: %s\n",
           k->a.balance, k->b.balance, k->c.balance, k->drawer.balance,
           (unsigned long long)pma_recovery(h)->fases_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  int nthreads = argc > 3 ? atoi(argv[3]) : 4;
  pthread_t th[16];
  if (!strcmp(argv[2], "sim")) {
    ops = argc > 4 ? atol(argv[4]) : 20;
    if (nthreads < 1 || nthreads > 16)
      return 2;
    if (check("after recovery"))
      return 1;
    for (int i = 0; i < nthreads; i++)
      pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < nthreads; i++)
      pthread_join(th[i], NULL);
    int bad = check("after run");
    pma_close(h);
    return bad;
  }
  for (int i = 0; i < nthreads && i < 16; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(getpid() * 17 + i));
  while (done_here < 64L * nthreads)
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
