/*
 * queue.c (PMDK) -- the two-lock queue of ../progs/queue.c with libpmemobj
 * transactions: one transaction per enqueue and per dequeue.
 */
#include "pmdk_common.h"

#define PREFILL 1024

struct node {
  long value;
  struct node *next;
};
struct queue {
  struct node *head, *tail;
  long enq, deq;
};
static struct queue *q;
static pthread_mutex_t head_lock = PTHREAD_MUTEX_INITIALIZER, tail_lock = PTHREAD_MUTEX_INITIALIZER;

static void enqueue(long v) {
  pthread_mutex_lock(&tail_lock);
  TX_BEGIN(pop) {
    struct node *n = pmdk_alloc(sizeof *n);
    n->value = v;
    n->next = NULL;
    ADD(q->tail->next);
    q->tail->next = n;
    ADD(q->tail);
    q->tail = n;
    ADD(q->enq);
    q->enq++;
  } TX_END
  pthread_mutex_unlock(&tail_lock);
}

static int dequeue(long *v) {
  int r = 0;
  pthread_mutex_lock(&head_lock);
  struct node *old = q->head, *first = __atomic_load_n(&old->next, __ATOMIC_ACQUIRE);
  if (first) {
    TX_BEGIN(pop) {
      *v = first->value;
      ADD(q->head);
      q->head = first;
      ADD(q->deq);
      q->deq++;
      pmdk_free(old);
    } TX_END
    r = 1;
  }
  pthread_mutex_unlock(&head_lock);
  return r;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  q = pmdk_open(path, 128u << 20, sizeof *q);
  if (!q)
    return 1;
  TX_BEGIN(pop) {
    struct node *d = pmdk_alloc(sizeof *d);
    ADD(*q);
    q->head = q->tail = d;
  } TX_END
  for (long i = 0; i < PREFILL; i++)
    enqueue(i);
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  long v;
  for (long i = 0; i < ops; i++) {
    enqueue(tid * 1000000000L + i);
    dequeue(&v);
  }
}

static int check(void) {
  long n = 0;
  for (struct node *p = q->head->next; p; p = p->next)
    n++;
  return n == q->enq - q->deq && n == PREFILL;
}

static const struct bench_prog prog = {"queue", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
