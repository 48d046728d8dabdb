/*
 * sim-bank.c -- crash-simulator program: bank transfers under nested locks
 *
 *   sim-bank HEAP [THREADS] [TRANSFERS]
 * Opens (recovers) the heap, checks the total, runs TRANSFERS transfers per
 * thread (nested per-account mutexes), checks again, closes.  Exit 0 when the
 * total is intact, 1 when it is not.
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N 8
#define INITIAL 100L

struct bank {
  long ready;
  pthread_mutex_t lock[N];
  long balance[N];
};
static struct bank *b;
static int transfers = 12;

/* total -- the money in the bank */
static long total(void) {
  long t = 0;
  for (int i = 0; i < N; i++)
    t += b->balance[i];
  return t;
}

/* teller -- deterministic transfers between accounts */
static void *teller(void *arg) {
  unsigned seed = (unsigned)(long)arg;
  for (int k = 0; k < transfers; k++) {
    int x = rand_r(&seed) % N, y = rand_r(&seed) % N;
    if (x == y)
      continue;
    int lo = x < y ? x : y, hi = x < y ? y : x;
    pthread_mutex_lock(&b->lock[lo]);
    pthread_mutex_lock(&b->lock[hi]);
    long amt = 1 + rand_r(&seed) % 20;
    if (b->balance[x] >= amt) {
      b->balance[x] -= amt;
      b->balance[y] += amt;
    }
    pthread_mutex_unlock(&b->lock[hi]);
    pthread_mutex_unlock(&b->lock[lo]);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  transfers = argc > 3 ? atoi(argv[3]) : 12;
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 2;
  }
  b = pma_root(h, sizeof *b);
  if (!b) {
    printf("root: %s\n", pma_errormsg());
    return 2;
  }
  if (pma_usable_size(b) < sizeof *b) {
    printf("after recovery: the root %p is not a live block\n", (void *)b);
    return 1;
  }
  if (!b->ready) {
    pma_begin();
    for (int i = 0; i < N; i++) {
      pthread_mutex_init(&b->lock[i], NULL);
      b->balance[i] = INITIAL;
    }
    b->ready = 1;
    pma_end();
  }
  if (total() != N * INITIAL) {
    printf("after recovery: total %ld, expected %ld\n", total(), N * INITIAL);
    return 1;
  }
  pthread_t th[8];
  for (long i = 0; i < threads && i < 8; i++)
    pthread_create(&th[i], NULL, teller, (void *)(i + 1));
  for (int i = 0; i < threads && i < 8; i++)
    pthread_join(th[i], NULL);
  long t = total();
  pma_close(h);
  if (t != N * INITIAL) {
    printf("after run: total %ld, expected %ld\n", t, N * INITIAL);
    return 1;
  }
  return 0;
}
