/*
 * hashmap.c (PMDK) -- the per-bucket-lock hash map of ../progs/hashmap.c with
 * libpmemobj transactions (same keys, same mix).
 */
#include "pmdk_common.h"

#define NBUCKETS 4096
#define KEYS 65536

struct entry {
  long key, value;
  struct entry *next;
};
struct bucket {
  struct entry *head;
  long count;
};
struct map {
  struct bucket b[NBUCKETS];
};
static struct map *m;
static pthread_mutex_t locks[NBUCKETS];

static inline unsigned hash(long k) { return (unsigned)((uint64_t)k * 0x9E3779B97F4A7C15ull >> 52); }

static int lookup(long k, long *v) {
  unsigned h = hash(k);
  int found = 0;
  pthread_mutex_lock(&locks[h]);
  for (struct entry *e = m->b[h].head; e; e = e->next)
    if (e->key == k) {
      *v = e->value;
      found = 1;
      break;
    }
  pthread_mutex_unlock(&locks[h]);
  return found;
}

static void upsert(long k, long v) {
  unsigned h = hash(k);
  struct bucket *b = &m->b[h];
  pthread_mutex_lock(&locks[h]);
  TX_BEGIN(pop) {
    struct entry *e;
    for (e = b->head; e; e = e->next)
      if (e->key == k)
        break;
    if (e) {
      ADD(e->value);
      e->value = v;
    } else {
      e = pmdk_alloc(sizeof *e);
      e->key = k;
      e->value = v;
      e->next = b->head;
      ADD(*b);
      b->head = e;
      b->count++;
    }
  } TX_END
  pthread_mutex_unlock(&locks[h]);
}

static void erase(long k) {
  unsigned h = hash(k);
  struct bucket *b = &m->b[h];
  pthread_mutex_lock(&locks[h]);
  TX_BEGIN(pop) {
    for (struct entry **pp = &b->head; *pp; pp = &(*pp)->next)
      if ((*pp)->key == k) {
        struct entry *e = *pp;
        ADD(*pp);
        *pp = e->next;
        ADD(b->count);
        b->count--;
        pmdk_free(e);
        break;
      }
  } TX_END
  pthread_mutex_unlock(&locks[h]);
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  m = pmdk_open(path, 128u << 20, sizeof *m);
  if (!m)
    return 1;
  for (int i = 0; i < NBUCKETS; i++)
    pthread_mutex_init(&locks[i], NULL);
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

static const struct bench_prog prog = {"hashmap", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
