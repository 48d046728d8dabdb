/*
 * sighandler.c -- crash-test program: a signal handler that stores into the
 * heap while the thread it interrupts runs FASEs that write the heap heavily
 * (issue #18 item 4).
 *
 * The worker moves money between the words of a large array under lock M,
 * 48 moves (96 logged stores to distinct words) per FASE.  A SIGALRM timer
 * fires every 50 microseconds; its handler, installed with sigaction(),
 * counts the signal in the heap outside any lock (a store outside a FASE of
 * its own: it joins the FASE it interrupts, if any) and moves money between
 * the words of a second array under its own lock H (which only the handler
 * takes, so it cannot deadlock with the thread it interrupts).
 *
 *   sighandler HEAP run [USEC]   until killed (timer period, default 50)
 *   sighandler HEAP check        recover: both totals conserved, nothing
 *                                negative, the heap opens
 */
#include <pmatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define N 4096      /* worker's accounts */
#define HN 64       /* handler's accounts */
#define MOVES 48    /* per worker FASE */
#define START 1000L /* initial balance of every account */
#define MAGIC 0x5349474e414cull

struct bank {
  uint64_t magic;
  pthread_mutex_t m, hl;
  long acct[N];
  long hacct[HN];
  long signals;  /* handler, outside any lock of its own */
  long fases;    /* worker FASEs committed */
  long hfases;   /* handler FASEs */
};
static struct bank *k;
static volatile sig_atomic_t ready_fases;
static unsigned hseed = 12345;

/* on_alarm -- store into the heap outside and inside the handler's own lock */
static void on_alarm(int sig) {
  (void)sig;
  k->signals++;
  pthread_mutex_lock(&k->hl);
  for (int i = 0; i < 4; i++) {
    unsigned a = rand_r(&hseed) % HN, b = rand_r(&hseed) % HN;
    long x = k->hacct[a] < 7 ? k->hacct[a] : 7;
    k->hacct[a] -= x;
    k->hacct[b] += x;
  }
  k->hfases++;
  pthread_mutex_unlock(&k->hl);
}

/* check -- 0 when both totals are conserved and nothing is negative */
static int check(const char *when) {
  long t = 0, ht = 0;
  int neg = 0;
  for (int i = 0; i < N; i++) {
    t += k->acct[i];
    neg |= k->acct[i] < 0;
  }
  for (int i = 0; i < HN; i++) {
    ht += k->hacct[i];
    neg |= k->hacct[i] < 0;
  }
  if (t == START * N && ht == START * HN && !neg)
    return 0;
  printf("%s: worker total %ld (expected %ld), handler total %ld (expected %ld)%s\n", when, t,
         START * N, ht, START * HN, neg ? ", a negative balance" : "");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    fprintf(stderr, "sighandler: %s\n", pma_errormsg());
    return 2;
  }
  k = pma_root(h, sizeof *k);
  if (k->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&k->m, NULL);
    pthread_mutex_init(&k->hl, NULL);
    for (int i = 0; i < N; i++)
      k->acct[i] = START;
    for (int i = 0; i < HN; i++)
      k->hacct[i] = START;
    k->magic = MAGIC;
    pma_end();
  }
  if (!strcmp(argv[2], "check")) {
    int bad = check("check");
    printf("check: %ld worker FASEs, %ld handler FASEs, %ld signals, recovery rolled back %llu "
           "FASEs: %s\n",
           k->fases, k->hfases, k->signals,
           (unsigned long long)pma_recovery(h)->fases_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  if (check("after recovery"))
    return 1;
  /* Warm up before the timer starts: the thread's log state and the lock
   * set are set up (with malloc) by the first FASE and the first lock of each
   * mutex, and the handler must not be the first to get there -- it could
   * interrupt a malloc of this thread (printf's buffer, say). */
  pthread_mutex_lock(&k->m);
  pthread_mutex_lock(&k->hl);
  k->fases++;
  pthread_mutex_unlock(&k->hl);
  pthread_mutex_unlock(&k->m);
  printf("starting\n");
  fflush(stdout);
  long usec = argc > 3 ? atol(argv[3]) : 50;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGALRM, &sa, NULL))
    return 2;
  struct itimerval it = {{0, usec}, {0, usec}};
  if (setitimer(ITIMER_REAL, &it, NULL))
    return 2;
  unsigned seed = (unsigned)getpid();
  for (long n = 0;; n++) {
    pthread_mutex_lock(&k->m);
    for (int i = 0; i < MOVES; i++) {
      unsigned a = rand_r(&seed) % N, b = rand_r(&seed) % N;
      long x = k->acct[a] < 13 ? k->acct[a] : 13;
      k->acct[a] -= x;
      k->acct[b] += x;
    }
    k->fases++;
    pthread_mutex_unlock(&k->m);
    if (n == 200) {
      printf("ready\n");
      fflush(stdout);
    }
  }
  return 0;
}
