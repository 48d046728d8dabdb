/*
 * hashmap.c -- crash-test program: a persistent chained hash map
 *
 * Per-bucket mutexes; sorted chains; nodes allocated and freed with
 * pma_malloc/pma_free inside the critical section; a global element count and
 * key sum kept under a second, nested mutex.  `check` verifies the structure:
 * every chain sorted and in the right bucket, every node's self-check intact,
 * count and key sum equal to what the chains hold, no cycles, every node a
 * live heap block.
 *
 *   hashmap HEAP run [THREADS]   insert/update/delete until killed
 *   hashmap HEAP check           recover and verify
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKETS 61
#define KEYSPACE 4096
#define MAGIC 0x484d4150ull
#define NODE_SEAL 0x5eed5eed5eedull

struct node {
  long key;
  long val;
  uint64_t seal; /* key ^ val ^ NODE_SEAL */
  char payload[40];
  struct node *next;
};

struct map {
  uint64_t magic;
  pthread_mutex_t count_lock;
  long count;
  long keysum;
  struct {
    pthread_mutex_t lock;
    struct node *head;
  } bucket[NBUCKETS];
};

static struct map *map;
static _Atomic long done_here; /* operations completed by this process */

/* account -- adjust the global count and key sum (nested lock) */
static void account(long dcount, long dkey) {
  pthread_mutex_lock(&map->count_lock);
  map->count += dcount;
  map->keysum += dkey;
  pthread_mutex_unlock(&map->count_lock);
}

/* stamp -- fill a payload with a digest of (key, val): real work inside the
 * critical section, between publishing a node and accounting for it */
static void stamp(char *payload, long key, long val) {
  unsigned long h = (unsigned long)key * 31 + (unsigned long)val;
  for (int i = 0; i < 400; i++)
    h = h * 6364136223846793005ul + 1442695040888963407ul;
  snprintf(payload, 40, "v%ld:%lx", val, h);
}

/* op -- insert, update or delete one key, all under the bucket lock */
static void op(long key, long val, int del) {
  unsigned b = (unsigned)key % NBUCKETS;
  pthread_mutex_lock(&map->bucket[b].lock);
  struct node **pp = &map->bucket[b].head;
  while (*pp && (*pp)->key < key)
    pp = &(*pp)->next;
  struct node *n = *pp;
  if (n && n->key == key) {
    if (del) {
      *pp = n->next;
      account(-1, -key);
      memset(n, 0xdd, sizeof *n); /* a freed node must never be seen again */
      pma_free(n);
    } else {
      n->val = val;
      stamp(n->payload, key, val);
      n->seal = (uint64_t)key ^ (uint64_t)val ^ NODE_SEAL;
    }
  } else if (!del) {
    struct node *m = pma_malloc(sizeof *m);
    if (m) {
      m->key = key;
      m->val = val;
      m->seal = (uint64_t)key ^ (uint64_t)val ^ NODE_SEAL;
      m->next = n;
      *pp = m;
      stamp(m->payload, key, val);
      account(1, key);
    }
  }
  pthread_mutex_unlock(&map->bucket[b].lock);
}

/* worker -- random operations forever */
static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (;;) {
    long key = rand_r(&seed) % KEYSPACE;
    int r = rand_r(&seed) % 10;
    op(key, rand_r(&seed), r < 4);
    done_here++;
  }
  return NULL;
}

/* check -- verify every structural invariant; returns the number of problems */
static int check(void) {
  long count = 0, keysum = 0;
  int bad = 0;
  for (unsigned b = 0; b < NBUCKETS; b++) {
    long prev = -1, steps = 0;
    for (struct node *n = map->bucket[b].head; n; n = n->next) {
      if (!pma_is_heap(n, sizeof *n) || pma_usable_size(n) < sizeof *n) {
        printf("bucket %u: node %p is not a live heap block\n", b, (void *)n);
        return bad + 1;
      }
      if (++steps > KEYSPACE) {
        printf("bucket %u: cycle\n", b);
        return bad + 1;
      }
      if (n->key <= prev || (unsigned)n->key % NBUCKETS != b) {
        printf("bucket %u: key %ld out of order or misplaced\n", b, n->key);
        bad++;
      }
      if (n->seal != ((uint64_t)n->key ^ (uint64_t)n->val ^ NODE_SEAL)) {
        printf("bucket %u: key %ld torn (val %ld)\n", b, n->key, n->val);
        bad++;
      }
      prev = n->key;
      count++;
      keysum += n->key;
    }
  }
  if (count != map->count || keysum != map->keysum) {
    printf("count %ld/%ld keysum %ld/%ld mismatch\n", count, map->count, keysum, map->keysum);
    bad++;
  }
  return bad;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s HEAP run [THREADS] | %s HEAP check\n", argv[0], argv[0]);
    return 2;
  }
  pma_heap *h = pma_open(argv[1], 32u << 20);
  if (!h) {
    fprintf(stderr, "hashmap: %s\n", pma_errormsg());
    return 2;
  }
  map = pma_root(h, sizeof *map);
  if (!map) {
    fprintf(stderr, "hashmap: %s\n", pma_errormsg());
    return 2;
  }
  if (map->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&map->count_lock, NULL);
    for (int b = 0; b < NBUCKETS; b++)
      pthread_mutex_init(&map->bucket[b].lock, NULL);
    map->magic = MAGIC;
    pma_end();
  }
#ifdef REINIT_LOCKS
  /* without pmatomic, nothing resets the mutexes a killed run left locked */
  pthread_mutex_init(&map->count_lock, NULL);
  for (int b = 0; b < NBUCKETS; b++)
    pthread_mutex_init(&map->bucket[b].lock, NULL);
#endif
  if (!strcmp(argv[2], "check")) {
    int bad = check();
    printf("check: %ld keys, recovery rolled back %llu FASEs: %s\n", map->count,
           (unsigned long long)pma_recovery(h)->fases_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad ? 1 : 0;
  }
  int nthreads = argc > 3 ? atoi(argv[3]) : 3;
  pthread_t th[32];
  for (int i = 0; i < nthreads && i < 32; i++)
    pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(getpid() * 7 + i));
  while (done_here < 16L * nthreads) /* "ready" means it works: a deadlock never says it */
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
