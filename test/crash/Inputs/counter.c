/*
 * counter.c -- crash-test program: threads that share a heap counter only
 * through atomics, each FASE under the thread's own lock
 *
 *   counter HEAP run [THREADS]   until killed
 *   counter HEAP check           recover; count == sum of the threads'
 *                                shares, no copy ahead of the count
 *
 * Every FASE of thread i fetch_adds d to the shared count, adds d to its own
 * share x[i] and copies the count (an atomic load) into seen[i].  No lock is
 * shared, so only the tracking of atomics (design.md section 1) links a
 * FASE to the uncommitted one whose increment it saw: without it a kill
 * rolls back that one alone, which puts back the count it saw and erases
 * the increments committed since (PMA_TEST_NO_MEM_DEPS=1 shows it).
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXT 8
#define MAGIC 0x434f554e54ull

struct slot {
  pthread_mutex_t lock;
  long x, seen;
  char pad[64];
};
struct root {
  uint64_t magic;
  _Atomic long count;
  struct slot s[MAXT];
};
static struct root *k;
static _Atomic long done_here;

/* spin -- some work inside the critical section */
static void spin(unsigned n) {
  volatile unsigned x = 0;
  for (unsigned i = 0; i < n; i++)
    x += i;
}

/* worker -- FASEs of thread i, each under its own lock */
static void *worker(void *arg) {
  unsigned i = (unsigned)(uintptr_t)arg;
  unsigned seed = (unsigned)getpid() * 31 + i;
  struct slot *s = &k->s[i];
  for (;;) {
    long d = 1 + rand_r(&seed) % 7;
    pthread_mutex_lock(&s->lock);
    atomic_fetch_add(&k->count, d);
    spin(2000);
    s->x += d;
    s->seen = atomic_load(&k->count);
    spin(2000);
    pthread_mutex_unlock(&s->lock);
    done_here++;
  }
  return NULL;
}

/* check -- 0 when the invariants hold, else prints and returns 1 */
static int check(const char *when) {
  long sum = 0, c = atomic_load(&k->count);
  for (int i = 0; i < MAXT; i++)
    sum += k->s[i].x;
  if (sum != c) {
    printf("%s: count %ld, but the shares add up to %ld\n", when, c, sum);
    return 1;
  }
  for (int i = 0; i < MAXT; i++)
    if (k->s[i].seen > c) {
      printf("%s: thread %d saw count %ld, ahead of the count %ld\n", when, i, k->s[i].seen, c);
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h) {
    fprintf(stderr, "counter: %s\n", pma_errormsg());
    return 2;
  }
  k = pma_root(h, sizeof *k);
  if (k->magic != MAGIC) {
    pma_begin();
    for (int i = 0; i < MAXT; i++)
      pthread_mutex_init(&k->s[i].lock, NULL);
    k->magic = MAGIC;
    pma_end();
  }
  if (!strcmp(argv[2], "check")) {
    int bad = check("check");
    printf("check: count %ld, recovery rolled back %llu FASEs (%llu of them committed): %s\n",
           (long)atomic_load(&k->count),
           (unsigned long long)pma_recovery(h)->fases_rolled_back,
           (unsigned long long)pma_recovery(h)->dependents_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  int nthreads = argc > 3 ? atoi(argv[3]) : 4;
  if (nthreads < 1 || nthreads > MAXT)
    return 2;
  pthread_t th[MAXT];
  for (int i = 0; i < nthreads; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
  while (done_here < 64L * nthreads)
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
