/*
 * cowlist.c (PMDK) -- the copy-on-write array list of ../progs/cowlist.c with
 * libpmemobj: each update allocates the copy transactionally (no snapshot
 * needed for a block allocated in the transaction), snapshots the root
 * pointer and version, frees the old array.
 */
#include "pmdk_common.h"

struct array {
  long n;
  long v[];
};
struct cow {
  struct array *a;
  long version;
};
static struct cow *c;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct array *copy_of(const struct array *a, long n) {
  struct array *b = pmdk_alloc(sizeof *b + n * sizeof(long));
  b->n = n;
  memcpy(b->v, a->v, (a->n < n ? a->n : n) * sizeof(long));
  return b;
}

static void update(int kind, uint64_t r) {
  pthread_mutex_lock(&lock);
  TX_BEGIN(pop) {
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
    ADD(*c);
    c->a = b;
    c->version++;
    pmdk_free(a);
  } TX_END
  pthread_mutex_unlock(&lock);
}

static long get(uint64_t r) {
  pthread_mutex_lock(&lock);
  long v = c->a->v[r % (uint64_t)c->a->n];
  pthread_mutex_unlock(&lock);
  return v;
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  c = pmdk_open(path, 128u << 20, sizeof *c);
  if (!c)
    return 1;
  TX_BEGIN(pop) {
    struct array *a = pmdk_alloc(sizeof *a + 256 * sizeof(long));
    a->n = 256;
    for (long i = 0; i < 256; i++)
      a->v[i] = i;
    ADD(c->a);
    c->a = a;
  } TX_END
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

static const struct bench_prog prog = {"cowlist", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
