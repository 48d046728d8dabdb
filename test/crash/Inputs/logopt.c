/*
 * logopt.c -- crash test of the pass's logging optimisations (pass/LogOpt.cpp)
 *
 *   logopt HEAP run [THREADS]   SIGKILL protocol (test/crash/crashloop.py)
 *   logopt HEAP check           recover and verify
 *   logopt HEAP sim OPS [BULK]  crash-simulator protocol (pmatomic crashtest):
 *                               one thread, OPS operations, verify before and after
 *
 * A sorted list under one mutex.  Each operation (one FASE) exercises all
 * three optimisations; the test's RUN lines check with -Rpass that they fired:
 *  - fresh: an insert initialises the new node (key, value, seal, history,
 *    link) right after pma_malloc, with no hook;
 *  - covered: `last` is stored at the top and stored again on the delete
 *    path, after the list walk: the second store has no hook;
 *  - batched: count, sum and version, neighbours in the root, get one hook;
 *  - multi-range: every operation then moves an amount between two accounts
 *    (separate blocks) and pushes a generation onto one account's ring with a
 *    memmove of a length read at run time: the balances, the ring and the
 *    generation get one __pma_store_v hook, one multi-range record.
 * A bulk operation also stores to 1100 separate lines between the pma_malloc
 * and the node's initialisation: the dirty list overflows in between.
 * Invariants: sorted, every node a live block with intact seal and history,
 * count and sum match the nodes, `last` equals its copy (kept in another
 * block with its own hook), every bulk line holds the bulk generation, the
 * balances sum to TOTAL and each ring holds gen, gen-1, ... (RING entries).
 */
#include <pmatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC 0x4c4f474f50540001ull
#define HIST 4
#define NBIG 1100
#define BIG_STRIDE 16 /* longs: one 128-byte line pair per bulk store */
#define KEYS 48
#define RING 24 /* the memmove moves 23 longs: short enough for the multi-range record */
#define TOTAL 1000000L

struct node {
  long key, val;
  uint64_t seal;
  struct node *next;
  long hist[HIST];
};
struct aux {
  long last_copy;
  long bulk_gen;
};
struct acct {
  long bal;
  long pad[7]; /* the ring starts on another line */
  long gen;
  long ring[RING];
};
struct root {
  uint64_t magic;
  pthread_mutex_t lock;
  long count, sum, version; /* neighbours: one batch hook */
  long last;                /* stored twice on the delete path */
  struct node *head;
  struct aux *aux;
  long *big;
  struct acct *acct[2];
  long ring_len;
};

static struct root *r;
static volatile long done_ops;

/* seal -- what a node's seal must be */
static uint64_t seal(long key, long val) {
  return ((uint64_t)key * 0x9E3779B97F4A7C15ull) ^ (uint64_t)val;
}

/* op -- insert key (value val) or delete it if present: one FASE */
static void op(long key, long val, long bulk) {
  pthread_mutex_lock(&r->lock);
  r->last = key;
  struct node **pp = &r->head;
  while (*pp && (*pp)->key < key)
    pp = &(*pp)->next;
  struct node *d = *pp && (*pp)->key == key ? *pp : NULL;
  if (d) {
    *pp = d->next;
    r->count--;
    r->sum -= d->val;
    r->version++;
    r->last = -key;
    pma_free(d);
  } else {
    struct node *n = pma_malloc(sizeof *n);
    if (n) {
      if (bulk)
        for (int i = 0; i < NBIG; i++)
          r->big[i * BIG_STRIDE] = bulk;
      n->key = key;
      n->val = val;
      n->seal = seal(key, val);
      for (int i = 0; i < HIST; i++)
        n->hist[i] = key * (i + 1) + val;
      n->next = *pp;
      *pp = n;
      r->count++;
      r->sum += val;
      r->version++;
      if (bulk)
        r->aux->bulk_gen = bulk;
    }
  }
  r->aux->last_copy = r->last;
  /* Addresses known up front, stores to two blocks: one multi-range hook. */
  struct acct *a = r->acct[key & 1], *b = r->acct[(key & 1) ^ 1];
  long n = r->ring_len, amt = val % 17 + 1;
  a->bal -= amt;
  b->bal += amt;
  memmove(&a->ring[1], &a->ring[0], (size_t)(n - 1) * sizeof(long));
  a->ring[0] = a->gen + 1;
  a->gen++;
  pthread_mutex_unlock(&r->lock);
}

/* check -- every invariant; returns the number of problems (printed) */
static int check(void) {
  long n = 0, sum = 0, prev = -1;
  int bad = 0;
  for (struct node *p = r->head; p; p = p->next) {
    if (!pma_is_heap(p, sizeof *p) || pma_usable_size(p) < sizeof *p || ++n > 100000) {
      printf("bad node %p\n", (void *)p);
      return bad + 1;
    }
    if (p->key <= prev || p->seal != seal(p->key, p->val)) {
      printf("node %ld unsorted or torn\n", p->key);
      bad++;
    }
    for (int i = 0; i < HIST; i++)
      if (p->hist[i] != p->key * (i + 1) + p->val) {
        printf("node %ld: history %d is %ld\n", p->key, i, p->hist[i]);
        bad++;
        break;
      }
    prev = p->key;
    sum += p->val;
  }
  if (n != r->count || sum != r->sum) {
    printf("%ld nodes summing to %ld, root says %ld and %ld\n", n, sum, r->count, r->sum);
    bad++;
  }
  if (r->last != r->aux->last_copy) {
    printf("last %ld, its copy %ld\n", r->last, r->aux->last_copy);
    bad++;
  }
  if (r->acct[0]->bal + r->acct[1]->bal != TOTAL) {
    printf("balances %ld + %ld, expected a total of %ld\n", r->acct[0]->bal, r->acct[1]->bal,
           TOTAL);
    bad++;
  }
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < RING; i++)
      if (r->acct[k]->ring[i] != r->acct[k]->gen - i) {
        printf("account %d: ring[%d] is %ld, generation %ld\n", k, i, r->acct[k]->ring[i],
               r->acct[k]->gen);
        bad++;
        break;
      }
  for (int i = 0; i < NBIG; i++)
    if (r->big[i * BIG_STRIDE] != r->aux->bulk_gen) {
      printf("bulk line %d holds %ld, generation %ld\n", i, r->big[i * BIG_STRIDE],
             r->aux->bulk_gen);
      bad++;
      break;
    }
  return bad;
}

/* worker -- operations until killed; thread 0 also runs bulk ones */
static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg;
  for (long k = 1;; k++) {
    long bulk = (uintptr_t)arg % 8 == 0 && k % 16 == 0 ? (long)(seed & 0xffff) + k : 0;
    op(rand_r(&seed) % KEYS, rand_r(&seed) % 1000, bulk);
    __atomic_add_fetch(&done_ops, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s HEAP run [THREADS] | check | sim OPS [BULK]\n", argv[0]);
    return 2;
  }
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    printf("logopt: %s\n", pma_errormsg());
    return 2;
  }
  r = pma_root(h, sizeof *r);
  if (!r) {
    printf("logopt: %s\n", pma_errormsg());
    return 2;
  }
  if (r->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&r->lock, NULL);
    r->aux = pma_calloc(1, sizeof *r->aux);
    r->big = pma_calloc(NBIG * BIG_STRIDE, sizeof(long));
    r->acct[0] = pma_calloc(1, sizeof(struct acct));
    r->acct[1] = pma_calloc(1, sizeof(struct acct));
    if (!r->aux || !r->big || !r->acct[0] || !r->acct[1]) {
      printf("logopt: %s\n", pma_errormsg());
      return 2;
    }
    r->acct[0]->bal = TOTAL;
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < RING; i++)
        r->acct[k]->ring[i] = -i;
    r->ring_len = RING;
    r->magic = MAGIC;
    pma_end();
  }
  if (!strcmp(argv[2], "check")) {
    int bad = check();
    printf("check: %ld keys, recovery rolled back %llu FASEs: %s\n", r->count,
           (unsigned long long)pma_recovery(h)->fases_rolled_back, bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad ? 1 : 0;
  }
  if (!strcmp(argv[2], "sim")) {
    int ops = argc > 3 ? atoi(argv[3]) : 8, bulk = argc > 4 && atoi(argv[4]);
    if (check()) {
      printf("after recovery: VIOLATION\n");
      return 1;
    }
    unsigned seed = 7;
    for (int k = 0; k < ops; k++) {
      long key = rand_r(&seed) % 8, val = rand_r(&seed) % 1000;
      if (bulk && k == ops / 2) /* a new key: an insert, which runs the bulk loop */
        op(KEYS + k, val, 1000 + k);
      else
        op(key, val, 0);
    }
    int bad = check();
    pma_close(h);
    return bad ? 1 : 0;
  }
  int nthreads = argc > 3 ? atoi(argv[3]) : 3;
  pthread_t th;
  for (int i = 0; i < nthreads && i < 16; i++)
    pthread_create(&th, NULL, worker, (void *)(uintptr_t)(getpid() * 8 + i));
  while (done_ops < 16L * nthreads) /* "ready" means it works */
    usleep(200);
  printf("ready\n");
  fflush(stdout);
  pause();
  return 0;
}
