/*
 * bank.c -- a multi-threaded bank in a persistent heap
 *
 * Ordinary pthread code: each account has its own mutex, a transfer locks both
 * accounts (nested locks, lower index first), debits one, computes a fee,
 * credits the other and books the fee.  Nothing here knows about undo logs: built with the
 * pmatomic plugin every transfer is failure-atomic; built without it, a crash
 * between the debit and the credit loses money.
 *
 *   bank HEAP run [THREADS] [SECONDS]   transfer until killed (or SECONDS pass)
 *   bank HEAP check                     recover, verify the total, exit 0 if intact
 *
 * `run` prints "ready" once its threads have completed transfers, so a driver
 * knows when to kill, and a restart that deadlocks never says it.
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NACCOUNTS 64
#define INITIAL 1000L
#define BANK_MAGIC 0x42414e4b31ull /* "BANK1" */

struct bank {
  uint64_t magic;
  pthread_mutex_t lock[NACCOUNTS];
  long balance[NACCOUNTS];
  unsigned long transfers[NACCOUNTS]; /* per source account, under its lock */
};

static struct bank *bank;
static volatile int stop;
static _Atomic long done_here; /* transfers completed by this process */

/* bank_init -- format a fresh bank inside one explicit FASE */
static void bank_init(struct bank *b) {
  pma_begin();
  for (int i = 0; i < NACCOUNTS; i++) {
    pthread_mutex_init(&b->lock[i], NULL);
    b->balance[i] = INITIAL;
    b->transfers[i] = 0;
  }
  b->magic = BANK_MAGIC;
  pma_end();
}

/* fee -- some work between debit and credit, as a real bank would do */
static long fee(long amount, unsigned seed) {
  volatile unsigned long acc = seed;
  for (int k = 0; k < 2000; k++)
    acc = acc * 6364136223846793005ul + 1442695040888963407ul;
  return (long)(acc % 3) + amount / 100;
}

/* transfer -- move amount from account a to account b under both locks */
static void transfer(int a, int b, long amount, unsigned seed) {
  int lo = a < b ? a : b, hi = a < b ? b : a;
  pthread_mutex_lock(&bank->lock[lo]);
  pthread_mutex_lock(&bank->lock[hi]);
  if (bank->balance[a] >= amount) {
    bank->balance[a] -= amount;
    long f = fee(amount, seed);
    bank->balance[b] += amount - f;
    bank->balance[lo] += f; /* the lower account (locked too) earns the fee */
    bank->transfers[a]++;
  }
  done_here++;
  pthread_mutex_unlock(&bank->lock[hi]);
  pthread_mutex_unlock(&bank->lock[lo]);
}

/* teller -- one thread doing random transfers */
static void *teller(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  while (!stop) {
    int a = rand_r(&seed) % NACCOUNTS;
    int b = rand_r(&seed) % NACCOUNTS;
    if (a != b)
      transfer(a, b, 1 + rand_r(&seed) % 50, seed);
  }
  return NULL;
}

/* total -- all money in the bank */
static long total(const struct bank *b) {
  long t = 0;
  for (int i = 0; i < NACCOUNTS; i++)
    t += b->balance[i];
  return t;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[2], "run") && strcmp(argv[2], "check"))) {
    fprintf(stderr, "usage: %s HEAP run [THREADS] [SECONDS] | %s HEAP check\n", argv[0], argv[0]);
    return 2;
  }
  pma_heap *h = pma_open(argv[1], 16u << 20);
  if (!h) {
    fprintf(stderr, "bank: %s\n", pma_errormsg());
    return 2;
  }
  const struct pma_recovery_info *ri = pma_recovery(h);
  bank = pma_root(h, sizeof *bank);
  if (!bank) {
    fprintf(stderr, "bank: %s\n", pma_errormsg());
    return 2;
  }
  if (bank->magic != BANK_MAGIC)
    bank_init(bank);
#ifdef REINIT_LOCKS
  /* Built without pmatomic nothing resets a mutex a killed run left locked:
   * the program has to (pmatomic does it for in-heap mutexes by itself). */
  for (int i = 0; i < NACCOUNTS; i++)
    pthread_mutex_init(&bank->lock[i], NULL);
#endif

  if (!strcmp(argv[2], "check")) {
    long t = total(bank);
    unsigned long n = 0;
    for (int i = 0; i < NACCOUNTS; i++)
      n += bank->transfers[i];
    int ok = t == NACCOUNTS * INITIAL;
    printf("check: total %ld (expected %ld), %lu transfers, recovery rolled back %llu FASEs: %s\n",
           t, NACCOUNTS * INITIAL, n, (unsigned long long)ri->fases_rolled_back,
           ok ? "OK" : "VIOLATION");
    pma_close(h);
    return ok ? 0 : 1;
  }

  int nthreads = argc > 3 ? atoi(argv[3]) : 4;
  int seconds = argc > 4 ? atoi(argv[4]) : 0;
  if (nthreads < 1 || nthreads > 64) {
    fprintf(stderr, "bank: THREADS must be 1..64, got %s\n", argv[3]);
    return 2;
  }
  pthread_t th[64];
  for (int i = 0; i < nthreads; i++)
    pthread_create(&th[i], NULL, teller, (void *)(uintptr_t)(getpid() * 31 + i));
  while (done_here < 4L * nthreads)
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  if (seconds > 0) {
    sleep((unsigned)seconds);
    stop = 1;
  }
  for (int i = 0; i < nthreads; i++)
    pthread_join(th[i], NULL);
  printf("run: total %ld\n", total(bank));
  pma_close(h);
  return 0;
}
