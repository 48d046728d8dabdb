/*
 * wh-alloc.c -- a multi-threaded program written without pmatomic: in
 * whole-heap mode every block it (and libc for it) allocates must come from
 * the persistent heap, and its critical sections must be FASEs.
 *
 * It uses pmatomic only to *observe* that, through weak references that stay
 * NULL when it is linked without the runtime.
 * Usage: wh-alloc THREADS ITERS
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern int pma_is_heap(const void *addr, size_t len) __attribute__((weak));
extern void *pma_heap_current(void) __attribute__((weak));
struct pma_stats {
  uint64_t fases, log_records, log_bytes, filtered_stores, flushes, fences, nt_bytes;
};
extern void pma_get_stats(struct pma_stats *out) __attribute__((weak));

struct node {
  struct node *next;
  char *name;
  long value;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct node *head;
static long total;
static int iters;
static long checked, outside;
static int heap_open; /* whole-heap mode is on */

/* note -- count a block that should be in the heap */
static void note(const char *what, const void *p, size_t len) {
  checked++;
  if (heap_open && !pma_is_heap(p, len)) {
    if (outside++ < 5)
      printf("not in the heap: %s %p\n", what, p);
  }
}

/* worker -- allocate nodes and link them under the lock */
static void *worker(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < iters; i++) {
    struct node *n = malloc(sizeof *n);
    char buf[32];
    snprintf(buf, sizeof buf, "t%ld-%d", id, i);
    pthread_mutex_lock(&list_lock);
    n->name = strdup(buf);
    n->value = i;
    n->next = head;
    head = n;
    total += i;
    pthread_mutex_unlock(&list_lock);
    if (i % 4 == 3) { /* free one node again, inside a critical section */
      pthread_mutex_lock(&list_lock);
      struct node *d = head;
      head = d->next;
      total -= d->value;
      free(d->name);
      free(d);
      pthread_mutex_unlock(&list_lock);
    }
  }
  return NULL;
}

/* churn -- a short-lived thread: allocates, frees, keeps one block alive */
static void *churn(void *arg) {
  char *p = malloc(100);
  snprintf(p, 100, "churn %ld", (long)arg);
  void *q = malloc(5000);
  free(q);
  return p; /* freed by the joining thread */
}

/* forked -- a child may read and write what it inherited (a private copy)
 * and allocate (from glibc); the parent's heap is unaffected */
static int forked(struct node *n) {
  long before = n->value;
  pid_t pid = fork();
  if (pid == 0) {
    n->value = -12345;
    char *p = malloc(64);
    strcpy(p, "child");
    free(p);
    free(n->name); /* an inherited heap block: left alone in the child */
    _exit(n->value == -12345 ? 0 : 1);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 && n->value == before;
}

int main(int argc, char **argv) {
  heap_open = pma_heap_current && pma_heap_current();
  int nthreads = argc > 1 ? atoi(argv[1]) : 4;
  iters = argc > 2 ? atoi(argv[2]) : 1000;
  pthread_t th[64];
  for (long i = 0; i < nthreads; i++)
    pthread_create(&th[i], NULL, worker, (void *)i);
  for (int i = 0; i < nthreads; i++)
    pthread_join(th[i], NULL);

  long n = 0, sum = 0;
  pthread_mutex_lock(&list_lock);
  for (struct node *p = head; p; p = p->next, n++) {
    sum += p->value;
    note("node", p, sizeof *p);
    note("strdup", p->name, strlen(p->name) + 1);
  }
  pthread_mutex_unlock(&list_lock);

  for (long i = 0; i < 50; i++) {
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, churn, (void *)i);
    pthread_join(t, &r);
    note("thread result", r, 100);
    free(r);
  }
  printf("fork %s\n", head && forked(head) ? "ok" : "FAILED");

  /* the rest of the family, and what libc allocates on our behalf */
  void *a = calloc(100, 8), *b = NULL;
  note("calloc", a, 800);
  for (int i = 0; i < 800; i++)
    if (((char *)a)[i])
      printf("calloc memory not zeroed\n");
  a = realloc(a, 100000);
  note("realloc", a, 100000);
  if (posix_memalign(&b, 64, 200) || ((uintptr_t)b & 63))
    printf("posix_memalign failed\n");
  note("posix_memalign", b, 200);
  void *c = aligned_alloc(4096, 4096);
  if ((uintptr_t)c & 4095)
    printf("aligned_alloc misaligned\n");
  note("aligned_alloc", c, 4096);
  void *d = memalign(32, 100), *e = valloc(10);
  note("memalign", d, 100);
  note("valloc", e, 10);
  if (malloc_usable_size(d) < 100)
    printf("malloc_usable_size %zu < 100\n", malloc_usable_size(d));
  char *line = NULL;
  size_t cap = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f || getline(&line, &cap, f) < 0)
    printf("getline failed\n");
  note("getline", line, cap);
  char *s = NULL;
  if (asprintf(&s, "%ld nodes", n) < 0)
    printf("asprintf failed\n");
  note("asprintf", s, strlen(s) + 1);
  fclose(f);
  free(line);
  free(s);
  free(a);
  free(b);
  free(c);
  free(d);
  free(e);

  printf("nodes %ld sum %ld total %ld %s\n", n, sum, total, sum == total ? "ok" : "MISMATCH");
  if (heap_open)
    printf("in heap: %ld of %ld blocks\n", checked - outside, checked);
  else
    printf("no heap: %ld blocks from glibc\n", checked);
  if (heap_open && pma_get_stats) {
    struct pma_stats st;
    pma_get_stats(&st);
    printf("fases %s\n", st.fases >= (unsigned long)(nthreads * iters) ? "counted" : "missing");
  }
  return sum == total && !outside ? 0 : 1;
}
