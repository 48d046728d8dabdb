/*
 * sim-list.c -- crash-simulator program: sorted linked list insert/delete
 *
 *   sim-list HEAP [THREADS] [OPS]
 * One global mutex; nodes allocated and freed inside the critical section;
 * a count kept in the root.  Checks: sorted, count matches, every node a live
 * heap block with an intact seal, no cycle.
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct node {
  long key;
  uint64_t seal;
  struct node *next;
};
struct list {
  pthread_mutex_t lock;
  long ready, count;
  struct node *head;
};
static struct list *l;
static int ops = 10;

/* check -- 0 if every invariant holds, else prints and returns 1 */
static int check(const char *when) {
  long n = 0, prev = -1;
  for (struct node *p = l->head; p; p = p->next) {
    if (!pma_is_heap(p, sizeof *p) || pma_usable_size(p) < sizeof *p || ++n > 100000) {
      printf("%s: bad node %p\n", when, (void *)p);
      return 1;
    }
    if (p->key <= prev || p->seal != ((uint64_t)p->key * 0x9E3779B97F4A7C15ull)) {
      printf("%s: node %ld unsorted or torn\n", when, p->key);
      return 1;
    }
    prev = p->key;
  }
  if (n != l->count) {
    printf("%s: %ld nodes, count says %ld\n", when, n, l->count);
    return 1;
  }
  return 0;
}

/* worker -- insert or delete keys, one critical section each */
static void *worker(void *arg) {
  unsigned seed = (unsigned)(long)arg;
  for (int k = 0; k < ops; k++) {
    long key = rand_r(&seed) % 32;
    pthread_mutex_lock(&l->lock);
    struct node **pp = &l->head;
    while (*pp && (*pp)->key < key)
      pp = &(*pp)->next;
    if (*pp && (*pp)->key == key) {
      struct node *d = *pp;
      *pp = d->next;
      l->count--;
      pma_free(d);
    } else {
      struct node *m = pma_malloc(sizeof *m);
      if (m) {
        m->key = key;
        m->seal = (uint64_t)key * 0x9E3779B97F4A7C15ull;
        m->next = *pp;
        *pp = m;
        l->count++;
      }
    }
    pthread_mutex_unlock(&l->lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  ops = argc > 3 ? atoi(argv[3]) : 10;
  pma_heap *h = pma_open(argv[1], 1u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    return 2;
  }
  l = pma_root(h, sizeof *l);
  if (!l)
    return 2;
  if (pma_usable_size(l) < sizeof *l) {
    printf("after recovery: the root %p is not a live block\n", (void *)l);
    return 1;
  }
  if (!l->ready) {
    pma_begin();
    pthread_mutex_init(&l->lock, NULL);
    l->ready = 1;
    pma_end();
  }
  if (check("after recovery"))
    return 1;
  pthread_t th[8];
  for (long i = 0; i < threads && i < 8; i++)
    pthread_create(&th[i], NULL, worker, (void *)(i + 1));
  for (int i = 0; i < threads && i < 8; i++)
    pthread_join(th[i], NULL);
  int bad = check("after run");
  pma_close(h);
  return bad;
}
