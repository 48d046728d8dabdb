/*
 * alarm.c -- alarm clock: producers schedule alarms, consumers fire them
 *
 * A bounded min-heap of alarms (deadline, id) under one mutex with two
 * condition variables.  Producers wait on "not full" with pthread_cond_wait,
 * consumers wait on "not empty" with pthread_cond_timedwait (1 ms), pop the
 * earliest alarm and advance the persistent clock to its deadline.  THREADS
 * threads are split into producers and consumers (THREADS=1: one of each);
 * OPS alarms are scheduled and fired in total.
 */
#include "../common.h"
#include <errno.h>

#define CAP 64

struct alarm {
  long deadline, id;
};
struct clockq {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  long now, fired, scheduled, late;
  int n;
  struct alarm h[CAP];
};
static struct clockq *cq;
static long total_ops;

static void push(struct alarm a) {
  int i = cq->n++;
  while (i > 0 && cq->h[(i - 1) / 2].deadline > a.deadline) {
    cq->h[i] = cq->h[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  cq->h[i] = a;
}

static struct alarm pop(void) {
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
    pthread_mutex_lock(&cq->lock);
    while (cq->n == CAP)
      pthread_cond_wait(&cq->not_full, &cq->lock);
    long id = cq->scheduled++;
    push((struct alarm){cq->now + 1 + (long)(bench_rng(s) % 1000), id});
    pthread_cond_signal(&cq->not_empty);
    pthread_mutex_unlock(&cq->lock);
  }
}

static void consume(void) {
  for (;;) {
    pthread_mutex_lock(&cq->lock);
    while (cq->n == 0 && cq->fired < total_ops) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 1000000;
      if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&cq->not_empty, &cq->lock, &ts);
    }
    if (cq->fired >= total_ops) {
      pthread_cond_broadcast(&cq->not_empty);
      pthread_mutex_unlock(&cq->lock);
      return;
    }
    struct alarm a = pop();
    if (a.deadline < cq->now)
      cq->late++;
    else
      cq->now = a.deadline;
    cq->fired++;
    pthread_cond_signal(&cq->not_full);
    pthread_mutex_unlock(&cq->lock);
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
  cq = bench_open_root(path, 64u << 20, sizeof *cq);
  if (!cq)
    return 1;
  pma_begin();
  pthread_mutex_init(&cq->lock, NULL);
  pthread_cond_init(&cq->not_empty, NULL);
  pthread_cond_init(&cq->not_full, NULL);
  pma_end();
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)ops;
  uint64_t s = 0xA1A3ull + (uint64_t)tid * 49979687;
  if (threads == 1) { /* one producer and one extra consumer thread */
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

static const struct bench_prog prog = {"alarm", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
