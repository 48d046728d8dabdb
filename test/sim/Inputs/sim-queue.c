/*
 * sim-queue.c -- crash-simulator program: a two-lock (Michael-Scott) queue
 * whose dequeuer follows a link the enqueuer's still-open FASE wrote, in an
 * order fixed by semaphores (every crash point reproducible)
 *
 *   sim-queue HEAP [ROUNDS]
 * Each round, A (main) enqueues under the tail lock -- a new node, linked
 * from the tail node -- and lets B run while its FASE is open.  B, under the
 * head lock only, reads the dummy's next link (a plain load: no lock or
 * atomic orders it after A's store), takes the new node's value, makes it the
 * dummy and frees the old one; B commits, then A.  B read what A wrote, but
 * only the load-tracking mode (-fplugin-arg-pmatomic-track-loads) sees it:
 * without it a crash that finds B committed and A not rolls back A alone,
 * and the queue's head is a node whose allocation was rolled back.
 * Check: head and tail are live blocks, tail is reachable from head, the
 * tail's link is NULL, and the nodes between count enq - deq; the values
 * dequeued add up to sum.
 */
#include "sim-open.h"
#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

struct node {
  long value;
  struct node *next;
};
struct root {
  long ready;
  pthread_mutex_t head_lock, tail_lock;
  struct node *head, *tail;
  long enq, deq, sum, got;
};
static struct root *r;

/* live -- p is an allocated block that can hold a node */
static int live(const struct node *p) {
  return p && pma_is_heap(p, sizeof *p) && pma_usable_size(p) >= sizeof *p;
}

/* check -- 0 when the invariants hold */
static int check(const char *when) {
  if (!r->ready)
    return 0;
  if (!live(r->head) || !live(r->tail)) {
    printf("%s: head %p or tail %p is not a live block\n", when, (void *)r->head,
           (void *)r->tail);
    return 1;
  }
  long n = 0;
  for (struct node *p = r->head; p != r->tail; n++) {
    p = p->next;
    if (!live(p) || n > r->enq) {
      printf("%s: node %ld after the head is %p, not a live block (tail %p)\n", when, n + 1,
             (void *)p, (void *)r->tail);
      return 1;
    }
  }
  if (r->tail->next || n != r->enq - r->deq || r->got != r->sum) {
    printf("%s: tail->next %p, %ld nodes, enq %ld deq %ld, dequeued %ld of %ld\n", when,
           (void *)r->tail->next, n, r->enq, r->deq, r->got, r->sum);
    return 1;
  }
  return 0;
}

/* thread_b -- the dequeuer */
static void *thread_b(void *arg) {
  (void)arg;
  while (sim_partner_wait()) {
    pthread_mutex_lock(&r->head_lock);
    struct node *old = r->head, *first = old->next; /* written under tail_lock */
    if (first) {
      r->got += first->value;
      r->head = first;
      r->deq++;
      pma_free(old);
    }
    pthread_mutex_unlock(&r->head_lock);
    sim_partner_done();
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = sim_rounds(argc, argv, 2);
  pma_heap *h;
  r = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);
  if (check("after recovery"))
    return 1;
  if (!r->ready) {
    pma_begin();
    pthread_mutex_init(&r->head_lock, NULL);
    pthread_mutex_init(&r->tail_lock, NULL);
    struct node *d = pma_malloc(sizeof *d);
    d->value = 0;
    d->next = NULL;
    r->head = r->tail = d;
    r->ready = 1;
    pma_end();
  }
  sim_partner_start(thread_b);
  for (int i = 0; i < rounds; i++) {
    pthread_mutex_lock(&r->tail_lock);
    struct node *n = pma_malloc(sizeof *n);
    n->value = i + 1;
    n->next = NULL;
    r->tail->next = n;
    r->tail = n;
    r->enq++;
    r->sum += i + 1;
    sim_partner_step(); /* B's whole FASE runs while A's is open */
    pthread_mutex_unlock(&r->tail_lock);
  }
  sim_partner_stop();
  int bad = check("after run");
  pma_close(h);
  return bad;
}
