/*
 * cowlist.c -- copy-on-write array list
 *
 * One mutex guards the pointer to an immutable array; every update copies
 * the array (about 256 longs) into a new block, changes the copy, publishes
 * it and frees the old one - all in one FASE.  20% reads (element at a
 * random index), 40% sets, 20% appends, 20% removals (length kept within
 * 128..384).
 */
#include "../common.h"

struct array {
  long n;
  long v[];
};
struct cow {
  pthread_mutex_t lock;
  struct array *a;
  long version;
};
static struct cow *c;

static struct array *copy_of(const struct array *a, long n) {
  struct array *b = pma_malloc(sizeof *b + n * sizeof(long));
  b->n = n;
  memcpy(b->v, a->v, (a->n < n ? a->n : n) * sizeof(long));
  return b;
}

static void update(int kind, uint64_t r) {
  pthread_mutex_lock(&c->lock);
  struct array *a = c->a, *b;
  long i = (long)(r % (uint64_t)a->n);
  if (kind == 1 || (kind == 2 && a->n >= 384) || (kind == 3 && a->n <= 128)) {
    b = copy_of(a, a->n);
    b->v[i] = (long)r;
  } else if (kind == 2) {
    b = copy_of(a, a->n + 1);
    b->v[a->n] = (long)r;
  } else {
    b = copy_of(a, a->n - 1);
    if (i < b->n)
      memcpy(b->v + i, a->v + i + 1, (b->n - i) * sizeof(long));
  }
  c->a = b;
  c->version++;
  pma_free(a);
  pthread_mutex_unlock(&c->lock);
}

static long get(uint64_t r) {
  pthread_mutex_lock(&c->lock);
  long v = c->a->v[r % (uint64_t)c->a->n];
  pthread_mutex_unlock(&c->lock);
  return v;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  c = bench_open_root(path, 128u << 20, sizeof *c);
  if (!c)
    return 1;
  pma_begin();
  pthread_mutex_init(&c->lock, NULL);
  struct array *a = pma_malloc(sizeof *a + 256 * sizeof(long));
  a->n = 256;
  for (long i = 0; i < 256; i++)
    a->v[i] = i;
  c->a = a;
  pma_end();
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  uint64_t s = 0xC0Cull + (uint64_t)tid * 32452843;
  long sum = 0;
  for (long i = 0; i < ops; i++) {
    uint64_t r = bench_rng(&s);
    unsigned p = (unsigned)(r >> 48) % 100;
    if (p < 20)
      sum += get(r);
    else
      update(p < 60 ? 1 : p < 80 ? 2 : 3, r);
  }
  (void)sum;
}

static int check(void) { return c->a->n >= 127 && c->a->n <= 385; }

static const struct bench_prog prog = {"cowlist", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
