/*
 * kvlru.c -- a small sharded key-value cache with LRU eviction
 *
 * 16 shards, each with its own mutex, a chained hash table, a doubly linked
 * LRU list, a capacity and hit/miss/eviction counters.  Keys are strings
 * ("key:<n>"), values 64-byte strings.  Zipf-like skew (a hot tenth of the
 * keys gets half the traffic); 60% GET (a hit moves the entry to the LRU
 * front), 35% SET (update in place or insert, evicting the LRU tail when the
 * shard is full), 5% DEL.  The key space is 4x the capacity.
 */
#include "../common.h"

#define SHARDS 16
#define BUCKETS 1024
#define CAPACITY 1024 /* per shard */
#define KEYS (SHARDS * CAPACITY * 4)
#define KLEN 24
#define VLEN 64

struct item {
  struct item *hnext, *prev, *next;
  uint64_t hash;
  char key[KLEN];
  char value[VLEN];
  long version;
};
struct shard {
  pthread_mutex_t lock;
  struct item *bucket[BUCKETS];
  struct item lru; /* sentinel: lru.next is the most recent */
  long count, hits, misses, evictions, sets, dels;
};
struct kv {
  struct shard s[SHARDS];
};
static struct kv *kv;

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void lru_unlink(struct item *it) {
  it->prev->next = it->next;
  it->next->prev = it->prev;
}
static void lru_front(struct shard *sh, struct item *it) {
  it->next = sh->lru.next;
  it->prev = &sh->lru;
  sh->lru.next->prev = it;
  sh->lru.next = it;
}

static struct item **find(struct shard *sh, const char *key, uint64_t h) {
  struct item **pp = &sh->bucket[h % BUCKETS];
  for (; *pp; pp = &(*pp)->hnext)
    if ((*pp)->hash == h && !strcmp((*pp)->key, key))
      break;
  return pp;
}

static void unhash(struct shard *sh, struct item *it) {
  struct item **pp = find(sh, it->key, it->hash);
  *pp = it->hnext;
  lru_unlink(it);
  sh->count--;
}

static int kv_get(const char *key, char *out) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  pthread_mutex_lock(&sh->lock);
  struct item *it = *find(sh, key, h >> 8);
  if (it) {
    memcpy(out, it->value, VLEN);
    if (sh->lru.next != it) {
      lru_unlink(it);
      lru_front(sh, it);
    }
    sh->hits++;
  } else {
    sh->misses++;
  }
  pthread_mutex_unlock(&sh->lock);
  return it != NULL;
}

static void kv_set(const char *key, long ver) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  pthread_mutex_lock(&sh->lock);
  struct item **pp = find(sh, key, h >> 8), *it = *pp;
  if (!it) {
    if (sh->count >= CAPACITY) {
      struct item *victim = sh->lru.prev;
      unhash(sh, victim);
      pma_free(victim);
      sh->evictions++;
      pp = find(sh, key, h >> 8);
    }
    it = pma_malloc(sizeof *it);
    it->hash = h >> 8;
    strncpy(it->key, key, KLEN - 1);
    it->key[KLEN - 1] = 0;
    it->hnext = NULL;
    *pp = it;
    sh->count++;
  } else {
    lru_unlink(it);
  }
  lru_front(sh, it);
  snprintf(it->value, VLEN, "value of %s, version %ld", key, ver);
  it->version = ver;
  sh->sets++;
  pthread_mutex_unlock(&sh->lock);
}

static void kv_del(const char *key) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  pthread_mutex_lock(&sh->lock);
  struct item *it = *find(sh, key, h >> 8);
  if (it) {
    unhash(sh, it);
    pma_free(it);
  }
  sh->dels++;
  pthread_mutex_unlock(&sh->lock);
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  kv = bench_open_root(path, 128u << 20, sizeof *kv);
  if (!kv)
    return 1;
  pma_begin();
  for (int i = 0; i < SHARDS; i++) {
    pthread_mutex_init(&kv->s[i].lock, NULL);
    kv->s[i].lru.next = kv->s[i].lru.prev = &kv->s[i].lru;
  }
  pma_end();
  char key[KLEN];
  for (long k = 0; k < SHARDS * CAPACITY / 2; k++) {
    snprintf(key, sizeof key, "key:%ld", k * 8);
    kv_set(key, 0);
  }
  return 0;
}

static void work(int tid, int threads, long ops) {
  (void)threads;
  uint64_t s = 0x4B5ull + (uint64_t)tid * 2038074743;
  char key[KLEN], val[VLEN];
  long hits = 0;
  for (long i = 0; i < ops; i++) {
    uint64_t r = bench_rng(&s);
    long k = (r & 1) ? (long)((r >> 1) % (KEYS / 10)) : (long)((r >> 1) % KEYS);
    snprintf(key, sizeof key, "key:%ld", k);
    unsigned p = (unsigned)(r >> 50) % 100;
    if (p < 60)
      hits += kv_get(key, val);
    else if (p < 95)
      kv_set(key, i);
    else
      kv_del(key);
  }
  (void)hits;
}

static int check(void) {
  for (int i = 0; i < SHARDS; i++) {
    struct shard *sh = &kv->s[i];
    long n = 0;
    for (struct item *it = sh->lru.next; it != &sh->lru; it = it->next, n++)
      if (it->next->prev != it || *find(sh, it->key, it->hash) != it)
        return 0;
    if (n != sh->count || n > CAPACITY)
      return 0;
  }
  return 1;
}

static const struct bench_prog prog = {"kvlru", setup, work, check, BENCH_PMA_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
