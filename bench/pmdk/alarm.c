/*
 * alarm.c (PMDK) -- the alarm clock of ../progs/alarm.c with libpmemobj:
 * volatile mutex and condition variables, the waits outside the
 * transaction, one transaction per schedule and per fire that snapshots the
 * counters and the part of the heap array the sift touches.
 */
#include "pmdk_common.h"

#define CAP 64

struct alarm {
  long deadline, id;
};
struct clockq {
  long now, fired, scheduled, late;
  int n;
  struct alarm h[CAP];
};
static struct clockq *cq;
static long total_ops;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;

static void push(struct alarm a) {
  ADDN(cq, offsetof(struct clockq, h) + (cq->n + 1) * sizeof(struct alarm));
  int i = cq->n++;
  while (i > 0 && cq->h[(i - 1) / 2].deadline > a.deadline) {
    cq->h[i] = cq->h[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  cq->h[i] = a;
}

static struct alarm pop_min(void) {
  ADDN(cq, offsetof(struct clockq, h) + cq->n * sizeof(struct alarm));
  struct alarm top = cq->h[0], last = cq->h[--cq->n];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= cq->n)
      break;
    if (c + 1 < cq->n && cq->h[c + 1].deadline < cq->h[c].deadline)
      c++;
    if (cq->h[c].deadline >= last.deadline)
      break;
    cq->h[i] = cq->h[c];
    i = c;
  }
  if (cq->n)
    cq->h[i] = last;
  return top;
}

static void produce(uint64_t *s, long count) {
  for (long k = 0; k < count; k++) {
    pthread_mutex_lock(&lock);
    while (cq->n == CAP)
      pthread_cond_wait(&not_full, &lock);
    TX_BEGIN(pop) {
      long id = cq->scheduled++; /* snapshotted by push's ADDN (covers the counters) */
      push((struct alarm){cq->now + 1 + (long)(bench_rng(s) % 1000), id});
    } TX_END
    pthread_cond_signal(&not_empty);
    pthread_mutex_unlock(&lock);
  }
}

static void consume(void) {
  for (;;) {
    pthread_mutex_lock(&lock);
    while (cq->n == 0 && cq->fired < total_ops) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 1000000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&not_empty, &lock, &ts);
    }
    if (cq->fired >= total_ops) {
      pthread_cond_broadcast(&not_empty);
      pthread_mutex_unlock(&lock);
      return;
    }
    TX_BEGIN(pop) {
      struct alarm a = pop_min(); /* its ADDN covers now/fired/late too */
      if (a.deadline < cq->now)
        cq->late++;
      else
        cq->now = a.deadline;
      cq->fired++;
    } TX_END
    pthread_cond_signal(&not_full);
    pthread_mutex_unlock(&lock);
  }
}

static void *consumer_thread(void *arg) {
  (void)arg;
  consume();
  return NULL;
}

static int setup(const char *path, long ops, int threads) {
  (void)threads;
  total_ops = ops;
  cq = pmdk_open(path, 64u << 20, sizeof *cq);
  return cq == NULL;
}

static void work(int tid, int threads, long ops) {
  (void)ops;
  uint64_t s = 0xA1A3ull + (uint64_t)tid * 49979687;
  if (threads == 1) {
    pthread_t th;
    pthread_create(&th, NULL, consumer_thread, NULL);
    produce(&s, total_ops);
    pthread_join(th, NULL);
    return;
  }
  int producers = threads / 2;
  if (tid < producers)
    produce(&s, total_ops / producers + (tid < total_ops % producers));
  else
    consume();
}

static int check(void) { return cq->fired == total_ops && cq->scheduled == total_ops && cq->n == 0; }

static const struct bench_prog prog = {"alarm", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
