/*
 * queue.c -- Michael & Scott two-lock concurrent queue in the persistent heap
 *
 * One lock for the head (dequeuers), one for the tail (enqueuers), a dummy
 * node between them.  Each operation is an enqueue followed by a dequeue, so
 * the queue keeps its prefilled length; a dequeued node is freed in its FASE.
 */
#include "../common.h"

#define PREFILL 1024

struct node {
  long value;
  struct node *next;
};
struct queue {
  pthread_mutex_t head_lock, tail_lock;
  struct node *head, *tail;
  long enq, deq; /* counted under the respective lock */
};
static struct queue *q;

static void enqueue(long v) {
  pthread_mutex_lock(&q->tail_lock);
  struct node *n = pma_malloc(sizeof *n); /* inside the FASE: rolled back with it */
  n->value = v;
  n->next = NULL;
  q->tail->next = n;
  q->tail = n;
  q->enq++;
  pthread_mutex_unlock(&q->tail_lock);
}

static int dequeue(long *v) {
  pthread_mutex_lock(&q->head_lock);
  struct node *old = q->head, *first = __atomic_load_n(&old->next, __ATOMIC_ACQUIRE);
  if (!first) {
    pthread_mutex_unlock(&q->head_lock);
    return 0;
  }
  *v = first->value;
  q->head = first;
  q->deq++;
  pma_free(old);
  pthread_mutex_unlock(&q->head_lock);
  return 1;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  q = bench_open_root(path, 128u << 20, sizeof *q);
  if (!q)
    return 1;
  pma_begin();
  pthread_mutex_init(&q->head_lock, NULL);
  pthread_mutex_init(&q->tail_lock, NULL);
  struct node *d = pma_malloc(sizeof *d);
  d->next = NULL;
  d->value = 0;
  q->head = q->tail = d;
  pma_end();
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

static const struct bench_prog prog = {"queue", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
