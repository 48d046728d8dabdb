/*
 * wh-fill.c -- a program written without pmatomic that fills most of its
 * heap, for the whole-heap restart tests (issue #18 item 15):
 *
 *   PMA_WHOLE_HEAP=HEAP wh-fill MIB kill|exit|root|check
 *
 * Checks first that the heap it starts on holds none of an earlier run's
 * blocks (pma_usage: a restart of an unmodified program gets the heap back
 * empty) -- or, with PMA_WHOLE_HEAP_KEEP=1 or "root", how many it holds.
 * Then allocates MIB MiB (small strings and 192 KiB buffers, linked into a
 * list under a mutex, every byte written) and either SIGKILLs itself (kill),
 * exits (exit), or (root) keeps a run counter in the heap's root object
 * first and SIGKILLs itself.
 * check: the `pmatomic crashtest` protocol (%h through PMA_WHOLE_HEAP): exit
 * 1 unless the heap starts empty, then allocate and exit 0.
 * Prints "out of memory after N KiB" and exits 1 when malloc fails.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the few pmatomic calls used to observe (weak: absent without the runtime) */
struct pma_usage {
  uint64_t small_blocks, small_bytes, large_extents, large_bytes;
};
extern void *pma_heap_current(void) __attribute__((weak));
extern int pma_usage(void *h, struct pma_usage *u) __attribute__((weak));
extern void *pma_root(void *h, size_t size) __attribute__((weak));

struct node {
  struct node *next;
  size_t len;
  char data[];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *head;

int main(int argc, char **argv) {
  if (argc != 3 || !pma_heap_current || !pma_heap_current()) {
    fprintf(stderr, "usage: PMA_WHOLE_HEAP=HEAP %s MIB kill|exit|root|check\n", argv[0]);
    return 2;
  }
  /* before the first allocation of this run: what the heap holds */
  struct pma_usage u;
  if (pma_usage(pma_heap_current(), &u))
    return 2;
  printf("at start: %llu blocks in use\n",
         (unsigned long long)(u.small_blocks + u.large_extents));
  if (!strcmp(argv[2], "check") && u.small_blocks + u.large_extents)
    return 1;
  if (!strcmp(argv[2], "root")) {
    long *runs = pma_root(pma_heap_current(), sizeof *runs);
    pthread_mutex_lock(&lock);
    ++*runs;
    pthread_mutex_unlock(&lock);
    printf("run %ld on this heap\n", *runs);
  }
  size_t want = (size_t)atol(argv[1]) << 20, got = 0;
  for (unsigned k = 0; got < want; k++) {
    size_t len = k % 8 == 7 ? 192 << 10 : 200 + k % 3000;
    struct node *n = malloc(sizeof *n + len);
    if (!n) {
      printf("out of memory after %zu KiB\n", got >> 10);
      return 1;
    }
    n->len = len;
    memset(n->data, (int)k, len);
    pthread_mutex_lock(&lock);
    n->next = head;
    head = n;
    pthread_mutex_unlock(&lock);
    got += sizeof *n + len;
  }
  printf("allocated %zu MiB\n", want >> 20);
  fflush(stdout);
  if (!strcmp(argv[2], "kill") || !strcmp(argv[2], "root"))
    raise(SIGKILL);
  return 0;
}
