/*
 * queue.c -- crash-test program: a two-lock (Michael-Scott) queue in the
 * heap, like bench/progs/queue.c: enqueuers under the tail lock, dequeuers
 * under the head lock, a dummy node between them
 *
 *   queue HEAP run [THREADS]   until killed
 *   queue HEAP check           recover; head and tail live, tail reachable
 *                              from head with a NULL link, the nodes between
 *                              count enq - deq
 *
 * The dequeuer reads the dummy's link with no lock or atomic ordering it
 * after the enqueuer's store (the queue is racy by design): only the
 * load-tracking mode (-fplugin-arg-pmatomic-track-loads) links the dequeue
 * to the enqueue whose node it took.  Without it a kill can roll back an
 * enqueue whose node a committed dequeue made the head.
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC 0x5155455545ull

struct node {
  long value;
  struct node *next;
};
struct queue {
  uint64_t magic;
  pthread_mutex_t head_lock, tail_lock;
  struct node *head, *tail;
  long enq, deq;
};
static struct queue *q;
static _Atomic long done_here;

/* spin -- some work inside the critical section */
static void spin(unsigned n) {
  volatile unsigned x = 0;
  for (unsigned i = 0; i < n; i++)
    x += i;
}

static void enqueue(long v) {
  pthread_mutex_lock(&q->tail_lock);
  struct node *n = pma_malloc(sizeof *n);
  if (!n)
    abort();
  n->value = v;
  n->next = NULL;
  q->tail->next = n;
  q->tail = n;
  q->enq++;
  spin(3000); /* the node is visible to dequeuers, the FASE still open */
  pthread_mutex_unlock(&q->tail_lock);
}

static int dequeue(long *v) {
  pthread_mutex_lock(&q->head_lock);
  struct node *old = q->head, *first = old->next;
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

/* enqueuers and dequeuers: even threads enqueue, odd ones dequeue */
static void *worker(void *arg) {
  unsigned i = (unsigned)(uintptr_t)arg;
  long v;
  for (long n = 0;; n++) {
    if (i % 2 == 0) {
      if (q->enq - q->deq < 64) /* racy peek: only paces the enqueuers */
        enqueue(n);
    } else {
      dequeue(&v);
    }
    done_here++;
  }
  return NULL;
}

/* live -- p is an allocated block that can hold a node */
static int live(const struct node *p) {
  return p && pma_is_heap(p, sizeof *p) && pma_usable_size(p) >= sizeof *p;
}

/* check -- 0 when the invariants hold, else prints and returns 1 */
static int check(const char *when) {
  if (!live(q->head) || !live(q->tail)) {
    printf("%s: head %p or tail %p is not a live block\n", when, (void *)q->head,
           (void *)q->tail);
    return 1;
  }
  long n = 0;
  for (struct node *p = q->head; p != q->tail; n++) {
    p = p->next;
    if (!live(p) || n > q->enq) {
      printf("%s: node %ld after the head is %p, not a live block\n", when, n + 1, (void *)p);
      return 1;
    }
  }
  if (q->tail->next || n != q->enq - q->deq) {
    printf("%s: tail->next %p, %ld nodes, enq %ld deq %ld\n", when, (void *)q->tail->next, n,
           q->enq, q->deq);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    fprintf(stderr, "queue: %s\n", pma_errormsg());
    return 2;
  }
  q = pma_root(h, sizeof *q);
  if (q->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&q->head_lock, NULL);
    pthread_mutex_init(&q->tail_lock, NULL);
    struct node *d = pma_malloc(sizeof *d);
    d->value = 0;
    d->next = NULL;
    q->head = q->tail = d;
    q->magic = MAGIC;
    pma_end();
  }
  if (!strcmp(argv[2], "check")) {
    int bad = check("check");
    printf("check: enq %ld deq %ld, recovery rolled back %llu FASEs (%llu of them committed): "
           "%s\n",
           q->enq, q->deq, (unsigned long long)pma_recovery(h)->fases_rolled_back,
           (unsigned long long)pma_recovery(h)->dependents_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  if (check("after recovery"))
    return 1;
  int nthreads = argc > 3 ? atoi(argv[3]) : 4;
  if (nthreads < 2 || nthreads > 16)
    return 2;
  pthread_t th[16];
  for (int i = 0; i < nthreads; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
  while (done_here < 256L * nthreads)
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
