/*
 * wh-bank.c -- a bank written without pmatomic (malloc, strdup, realloc,
 * free and pthread mutexes only), for SIGKILL crash loops in whole-heap mode
 * (test/crash/crashloop.py protocol):
 *
 *   PMA_WHOLE_HEAP=HEAP wh-bank HEAP run THREADS   transfer until killed
 *   PMA_WHOLE_HEAP=HEAP wh-bank HEAP check         the restart: inspect the heap
 *
 * `run` keeps every account in malloc'd memory; each transfer, under the two
 * accounts' mutexes (which live in the heap too), moves money, records it in
 * a malloc'd history node with a strdup'd memo, trims the history (free) and
 * appends to a realloc'd text buffer.  Debit and credit are far apart.
 * A program that does not know about pmatomic keeps its roots in globals,
 * which a crash loses: `run` writes the address of its account array to
 * HEAP.root (the heap is mapped at a fixed address), and `check`, started in
 * whole-heap mode on the same heap (so recovery has run), reads the accounts
 * at that address.  Invariants: the total is unchanged; every history list is
 * as long as its count and made of allocated blocks whose memos match; every
 * text buffer is as long as its length field and inside an allocated block.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NACC 32
#define START 1000
#define KEEP 6

/* observation only, absent when linked without the runtime */
struct pma_recovery_info {
  int was_clean, created;
  uint64_t fases_rolled_back, records_applied, bytes_restored, threads_recovered;
};
extern void *pma_heap_current(void) __attribute__((weak));
extern const struct pma_recovery_info *pma_recovery(const void *h) __attribute__((weak));

struct hist {
  struct hist *next;
  long amount;
  char *memo;
};

struct account {
  pthread_mutex_t lock;
  long balance;
  struct hist *hist;
  long nhist;
  char *text;
  size_t textlen;
};

static struct account *acc;

/* transfer -- move x from a[i] to a[j] (i < j), with history and text */
static void transfer(int i, int j, long x, int dir) {
  int from = dir ? i : j, to = dir ? j : i;
  pthread_mutex_lock(&acc[i].lock);
  pthread_mutex_lock(&acc[j].lock);
  acc[from].balance -= x;
  struct hist *h = malloc(sizeof *h);
  char memo[48];
  snprintf(memo, sizeof memo, "%d->%d %ld", from, to, x);
  h->memo = strdup(memo);
  h->amount = x;
  h->next = acc[from].hist;
  acc[from].hist = h;
  if (++acc[from].nhist > KEEP) {
    struct hist *p = acc[from].hist;
    for (int k = 1; k < KEEP; k++)
      p = p->next;
    struct hist *rest = p->next;
    p->next = NULL;
    while (rest) {
      struct hist *n = rest->next;
      free(rest->memo);
      free(rest);
      rest = n;
    }
    acc[from].nhist = KEEP;
  }
  size_t add = strlen(memo) + 1;
  if (acc[to].textlen + add > 4000)
    acc[to].textlen = 0; /* start over; the buffer stays */
  acc[to].text = realloc(acc[to].text, acc[to].textlen + add + 1);
  memcpy(acc[to].text + acc[to].textlen, memo, add - 1);
  acc[to].text[acc[to].textlen + add - 1] = ';';
  acc[to].textlen += add;
  acc[to].text[acc[to].textlen] = 0;
  acc[to].balance += x;
  pthread_mutex_unlock(&acc[j].lock);
  pthread_mutex_unlock(&acc[i].lock);
}

static void *worker(void *arg) {
  unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
  for (;;) {
    int i = rand_r(&seed) % NACC, j = rand_r(&seed) % NACC;
    if (i == j)
      continue;
    if (i > j) {
      int t = i;
      i = j;
      j = t;
    }
    transfer(i, j, 1 + rand_r(&seed) % 50, rand_r(&seed) & 1);
  }
  return NULL;
}

/* run -- set up the accounts, publish their address, transfer forever */
static int run(const char *heap, int nthreads) {
  acc = calloc(NACC, sizeof *acc);
  for (int i = 0; i < NACC; i++) {
    pthread_mutex_init(&acc[i].lock, NULL);
    acc[i].balance = START;
  }
  /* one critical section: its commit makes the set-up durable in pmem mode */
  pthread_mutex_lock(&acc[0].lock);
  acc[0].textlen = 0;
  pthread_mutex_unlock(&acc[0].lock);
  char path[4096], tmp[4200];
  snprintf(path, sizeof path, "%s.root", heap);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f || fprintf(f, "%p\n", (void *)acc) < 0 || fclose(f) || rename(tmp, path)) {
    perror(path);
    return 2;
  }
  pthread_t t;
  for (long k = 0; k < nthreads; k++)
    pthread_create(&t, NULL, worker, (void *)k);
  printf("ready\n");
  fflush(stdout);
  for (;;)
    pause();
}

/* check -- the restart: find the accounts and verify every invariant */
static int check(const char *heap) {
  char path[4096];
  snprintf(path, sizeof path, "%s.root", heap);
  FILE *f = fopen(path, "r");
  void *p = NULL;
  if (!f || fscanf(f, "%p", &p) != 1) {
    printf("no root file %s\n", path);
    return 2;
  }
  fclose(f);
  if (pma_recovery && pma_heap_current && pma_heap_current())
    printf("rolled back %llu FASEs\n",
           (unsigned long long)pma_recovery(pma_heap_current())->fases_rolled_back);
  acc = p;
  long total = 0;
  int bad = 0;
  for (int i = 0; i < NACC; i++) {
    struct account *a = &acc[i];
    total += a->balance;
    long n = 0;
    for (struct hist *h = a->hist; h && n <= KEEP; h = h->next, n++) {
      int from, to;
      long x;
      if (malloc_usable_size(h) < sizeof *h || malloc_usable_size(h->memo) == 0 ||
          sscanf(h->memo, "%d->%d %ld", &from, &to, &x) != 3 || from != i || x != h->amount) {
        printf("account %d: history node %ld is broken\n", i, n);
        bad = 1;
        break;
      }
    }
    if (n != a->nhist) {
      printf("account %d: %ld history nodes, count says %ld\n", i, n, a->nhist);
      bad = 1;
    }
    if (a->text && (strlen(a->text) != a->textlen || malloc_usable_size(a->text) <= a->textlen)) {
      printf("account %d: text of %zu bytes, length says %zu\n", i, strlen(a->text), a->textlen);
      bad = 1;
    }
  }
  if (total != (long)NACC * START) {
    printf("total %ld, expected %ld\n", total, (long)NACC * START);
    bad = 1;
  }
  printf("%s\n", bad ? "VIOLATED" : "consistent");
  return bad;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[2], "run"))
    return run(argv[1], argc > 3 ? atoi(argv[3]) : 4);
  if (argc >= 3 && !strcmp(argv[2], "check"))
    return check(argv[1]);
  fprintf(stderr, "usage: %s HEAP run [THREADS] | %s HEAP check\n", argv[0], argv[0]);
  return 2;
}
