/*
 * kvlru.c (PMDK) -- the sharded LRU key-value cache of ../progs/kvlru.c with
 * libpmemobj: volatile shard mutexes, one transaction per GET/SET/DEL that
 * snapshots every field it changes (libpmemobj skips ranges already added).
 */
#include "pmdk_common.h"

#define SHARDS 16
#define BUCKETS 1024
#define CAPACITY 1024
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
  struct item *bucket[BUCKETS];
  struct item lru;
  long count, hits, misses, evictions, sets, dels;
};
struct kv {
  struct shard s[SHARDS];
};
static struct kv *kv;
static pthread_mutex_t locks[SHARDS];

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void lru_unlink(struct item *it) {
  ADD(it->prev->next);
  it->prev->next = it->next;
  ADD(it->next->prev);
  it->next->prev = it->prev;
}
static void lru_front(struct shard *sh, struct item *it) {
  ADD(it->next);
  ADD(it->prev);
  it->next = sh->lru.next;
  it->prev = &sh->lru;
  ADD(sh->lru.next->prev);
  sh->lru.next->prev = it;
  ADD(sh->lru.next);
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
  ADD(*pp);
  *pp = it->hnext;
  lru_unlink(it);
  ADD(sh->count);
  sh->count--;
}

static int kv_get(const char *key, char *out) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  struct item *it;
  pthread_mutex_lock(&locks[h % SHARDS]);
  TX_BEGIN(pop) {
    it = *find(sh, key, h >> 8);
    if (it) {
      memcpy(out, it->value, VLEN);
      if (sh->lru.next != it) {
        lru_unlink(it);
        lru_front(sh, it);
      }
      ADD(sh->hits);
      sh->hits++;
    } else {
      ADD(sh->misses);
      sh->misses++;
    }
  } TX_END
  pthread_mutex_unlock(&locks[h % SHARDS]);
  return it != NULL;
}

static void kv_set(const char *key, long ver) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  pthread_mutex_lock(&locks[h % SHARDS]);
  TX_BEGIN(pop) {
    struct item **pp = find(sh, key, h >> 8), *it = *pp;
    if (!it) {
      if (sh->count >= CAPACITY) {
        struct item *victim = sh->lru.prev;
        unhash(sh, victim);
        pmdk_free(victim);
        ADD(sh->evictions);
        sh->evictions++;
        pp = find(sh, key, h >> 8);
      }
      it = pmdk_alloc(sizeof *it);
      it->hash = h >> 8;
      strncpy(it->key, key, KLEN - 1);
      it->key[KLEN - 1] = 0;
      it->hnext = NULL;
      ADD(*pp);
      *pp = it;
      ADD(sh->count);
      sh->count++;
    } else {
      lru_unlink(it);
      ADD(it->value);
      ADD(it->version);
    }
    lru_front(sh, it);
    snprintf(it->value, VLEN, "value of %s, version %ld", key, ver);
    it->version = ver;
    ADD(sh->sets);
    sh->sets++;
  } TX_END
  pthread_mutex_unlock(&locks[h % SHARDS]);
}

static void kv_del(const char *key) {
  uint64_t h = fnv(key);
  struct shard *sh = &kv->s[h % SHARDS];
  pthread_mutex_lock(&locks[h % SHARDS]);
  TX_BEGIN(pop) {
    struct item *it = *find(sh, key, h >> 8);
    if (it) {
      unhash(sh, it);
      pmdk_free(it);
    }
    ADD(sh->dels);
    sh->dels++;
  } TX_END
  pthread_mutex_unlock(&locks[h % SHARDS]);
}

static int setup(const char *path, long ops, int threads) {
  (void)ops;
  (void)threads;
  kv = pmdk_open(path, 128u << 20, sizeof *kv);
  if (!kv)
    return 1;
  TX_BEGIN(pop) {
    for (int i = 0; i < SHARDS; i++) {
      pthread_mutex_init(&locks[i], NULL);
      ADD(kv->s[i].lru);
      kv->s[i].lru.next = kv->s[i].lru.prev = &kv->s[i].lru;
    }
  } TX_END
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

static const struct bench_prog prog = {"kvlru", setup, work, check, BENCH_PMDK_DEFAULTS};
int main(int argc, char **argv) { return bench_main(&prog, argc, argv); }
