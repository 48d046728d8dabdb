/*
 * btree.c -- B+tree behind one global mutex
 *
 * Order 32 (up to 31 keys per node), top-down preemptive splits, leaves
 * chained.  Uniform random keys: 80% upserts, 20% lookups; the tree grows
 * during the run.
 */
#include "../common.h"

#define ORD 32
#define KEYS (1L << 22)

struct node {
  int leaf, n;
  long key[ORD - 1];
  void *ptr[ORD]; /* children, or values (leaf: ptr[i] is the value of key[i]) */
  struct node *next; /* leaf chain */
};
struct tree {
  pthread_mutex_t lock;
  struct node *root;
  long size;
};
static struct tree *t;

static struct node *node_new(int leaf) {
  struct node *n = pma_malloc(sizeof *n);
  n->leaf = leaf;
  n->n = 0;
  n->next = NULL;
  return n;
}

/* split_child -- x->ptr[i] is full: split it in two, separator into x */
static void split_child(struct node *x, int i) {
  struct node *y = x->ptr[i], *z = node_new(y->leaf);
  int mid = y->n / 2;
  long sep;
  if (y->leaf) {
    z->n = y->n - mid;
    memcpy(z->key, y->key + mid, z->n * sizeof(long));
    memcpy(z->ptr, y->ptr + mid, z->n * sizeof(void *));
    z->next = y->next;
    y->next = z;
    sep = z->key[0];
  } else {
    sep = y->key[mid];
    z->n = y->n - mid - 1;
    memcpy(z->key, y->key + mid + 1, z->n * sizeof(long));
    memcpy(z->ptr, y->ptr + mid + 1, (z->n + 1) * sizeof(void *));
  }
  y->n = mid;
  memmove(x->key + i + 1, x->key + i, (x->n - i) * sizeof(long));
  memmove(x->ptr + i + 2, x->ptr + i + 1, (x->n - i) * sizeof(void *));
  x->key[i] = sep;
  x->ptr[i + 1] = z;
  x->n++;
}

static inline int upper(const struct node *x, long k) {
  int i = 0;
  while (i < x->n && k >= x->key[i])
    i++;
  return i;
}

static void upsert(long k, long v) {
  pthread_mutex_lock(&t->lock);
  if (t->root->n == ORD - 1) {
    struct node *s = node_new(0);
    s->ptr[0] = t->root;
    split_child(s, 0);
    t->root = s;
  }
  struct node *x = t->root;
  while (!x->leaf) {
    int i = upper(x, k);
    if (((struct node *)x->ptr[i])->n == ORD - 1) {
      split_child(x, i);
      if (k >= x->key[i])
        i++;
    }
    x = x->ptr[i];
  }
  int i = 0;
  while (i < x->n && x->key[i] < k)
    i++;
  if (i < x->n && x->key[i] == k) {
    x->ptr[i] = (void *)v;
  } else {
    memmove(x->key + i + 1, x->key + i, (x->n - i) * sizeof(long));
    memmove(x->ptr + i + 1, x->ptr + i, (x->n - i) * sizeof(void *));
    x->key[i] = k;
    x->ptr[i] = (void *)v;
    x->n++;
    t->size++;
  }
  pthread_mutex_unlock(&t->lock);
}

static int lookup(long k, long *v) {
  int found = 0;
  pthread_mutex_lock(&t->lock);
  struct node *x = t->root;
  while (!x->leaf)
    x = x->ptr[upper(x, k)];
  for (int i = 0; i < x->n; i++)
    if (x->key[i] == k) {
      *v = (long)x->ptr[i];
      found = 1;
      break;
    }
  pthread_mutex_unlock(&t->lock);
  return found;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  t = bench_open_root(path, 128u << 20, sizeof *t);
  if (!t)
    return 1;
  pma_begin();
  pthread_mutex_init(&t->lock, NULL);
  t->root = node_new(1);
  pma_end();
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  uint64_t s = 0xB7EEull + (uint64_t)tid * 104729;
  long v, sum = 0;
  for (long i = 0; i < ops; i++) {
    uint64_t r = bench_rng(&s);
    long k = (long)(r % KEYS);
    if ((r >> 40) % 100 < 80)
      upsert(k, i);
    else
      sum += lookup(k, &v);
  }
  (void)sum;
}

static int check(void) {
  struct node *x = t->root;
  while (!x->leaf)
    x = x->ptr[0];
  long n = 0, prev = -1;
  for (; x; x = x->next)
    for (int i = 0; i < x->n; i++, n++) {
      if (x->key[i] <= prev)
        return 0;
      prev = x->key[i];
    }
  return n == t->size;
}

static const struct bench_prog prog = {"btree", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
