/*
 * hashmap.c -- chained hash map with one mutex per bucket
 *
 * Uniform random keys over twice the prefilled size: 20% lookups, 50%
 * upserts (insert or update the value), 30% deletes.
 */
#include "../common.h"

#define NBUCKETS 4096
#define KEYS 65536

struct entry {
  long key, value;
  struct entry *next;
};
struct bucket {
  pthread_mutex_t lock;
  struct entry *head;
  long count;
};
struct map {
  struct bucket b[NBUCKETS];
};
static struct map *m;

static inline unsigned hash(long k) { return (unsigned)((uint64_t)k * 0x9E3779B97F4A7C15ull >> 52); }

static int lookup(long k, long *v) {
  struct bucket *b = &m->b[hash(k)];
  int found = 0;
  pthread_mutex_lock(&b->lock);
  for (struct entry *e = b->head; e; e = e->next)
    if (e->key == k) {
      *v = e->value;
      found = 1;
      break;
    }
  pthread_mutex_unlock(&b->lock);
  return found;
}

static void upsert(long k, long v) {
  struct bucket *b = &m->b[hash(k)];
  pthread_mutex_lock(&b->lock);
  struct entry *e;
  for (e = b->head; e; e = e->next)
    if (e->key == k)
      break;
  if (e) {
    e->value = v;
  } else {
    e = pma_malloc(sizeof *e);
    e->key = k;
    e->value = v;
    e->next = b->head;
    b->head = e;
    b->count++;
  }
  pthread_mutex_unlock(&b->lock);
}

static void erase(long k) {
  struct bucket *b = &m->b[hash(k)];
  pthread_mutex_lock(&b->lock);
  for (struct entry **pp = &b->head; *pp; pp = &(*pp)->next)
    if ((*pp)->key == k) {
      struct entry *e = *pp;
      *pp = e->next;
      b->count--;
      pma_free(e);
      break;
    }
  pthread_mutex_unlock(&b->lock);
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  m = bench_open_root(path, 128u << 20, sizeof *m);
  if (!m)
    return 1;
  pma_begin();
  for (int i = 0; i < NBUCKETS; i++)
    pthread_mutex_init(&m->b[i].lock, NULL);
  pma_end();
  for (long k = 0; k < KEYS; k += 2)
    upsert(k, k);
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  uint64_t s = 0x1234567ull + (uint64_t)tid * 7919;
  long v, sum = 0;
  for (long i = 0; i < ops; i++) {
    uint64_t r = bench_rng(&s);
    long k = (long)(r % KEYS);
    unsigned p = (unsigned)(r >> 40) % 100;
    if (p < 20)
      sum += lookup(k, &v);
    else if (p < 70)
      upsert(k, (long)i);
    else
      erase(k);
  }
  (void)sum;
}

static int check(void) {
  for (int i = 0; i < NBUCKETS; i++) {
    long n = 0;
    for (struct entry *e = m->b[i].head; e; e = e->next) {
      if (hash(e->key) != (unsigned)i)
        return 0;
      n++;
    }
    if (n != m->b[i].count)
      return 0;
  }
  return 1;
}

static const struct bench_prog prog = {"hashmap", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
