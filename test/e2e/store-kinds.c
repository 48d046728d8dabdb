// Every kind of store the pass instruments is rolled back when the process is
// killed inside the FASE, and kept when the FASE committed before the kill.
// RUN: %cc-pma -O0 %s -o %t0 %link-pma && %t0 %t0.heap | FileCheck %s
// RUN: %cc-pma -O1 %s -o %t1 %link-pma && %t1 %t1.heap | FileCheck %s
// RUN: %cc-pma -O2 %s -o %t2 %link-pma && %t2 %t2.heap | FileCheck %s
// RUN: %cc-pma -O3 -g %s -o %t3 %link-pma && %t3 %t3.heap | FileCheck %s
// CHECK: rollback: rolled back 1 FASE, all 13 kinds restored
// CHECK: commit: all 13 kinds kept
#include <pmatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int v8i __attribute__((vector_size(32)));
struct pair { long a, b, c; };

struct root {
  pthread_mutex_t lock;
  char c;
  short s;
  int i;
  long l;
  double d;
  __int128 q;
  v8i v;
  struct pair p;
  char buf[64];
  char str[32];
  char cat[32];
  _Atomic long at;
  long cas;
};

static struct root *r;

/* fill -- give every field a value derived from k */
static void fill(int k) {
  r->c = (char)k;
  r->s = (short)(k * 3);
  r->i = k * 5;
  r->l = k * 7L;
  r->d = k * 1.5;
  r->q = (__int128)k << 70;
  r->v = (v8i){k, k, k, k, k, k, k, k};
  struct pair p = {k, k + 1, k + 2};
  r->p = p;                                   /* aggregate copy */
  memset(r->buf, 'a' + k % 26, 32);           /* memset */
  memcpy(r->buf + 32, r->buf, 16);            /* memcpy */
  char tmp[16];
  snprintf(tmp, sizeof tmp, "s%d", k);
  strcpy(r->str, tmp);                        /* libc writer */
  strcpy(r->cat, "x");
  strcat(r->cat, tmp);                        /* libc writer */
  atomic_store(&r->at, k * 11L);              /* atomic store */
  atomic_fetch_add(&r->at, 1);                /* atomicrmw */
  long expect = r->cas;
  __atomic_compare_exchange_n(&r->cas, &expect, k * 13L, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* same -- how many fields hold the values fill(k) wrote */
static int same(int k) {
  char tmp[16], cat[32];
  snprintf(tmp, sizeof tmp, "s%d", k);
  snprintf(cat, sizeof cat, "x%s", tmp);
  v8i want = {k, k, k, k, k, k, k, k};
  int n = 0;
  n += r->c == (char)k;
  n += r->s == (short)(k * 3);
  n += r->i == k * 5;
  n += r->l == k * 7L;
  n += r->d == k * 1.5;
  n += r->q == (__int128)k << 70;
  n += !memcmp(&r->v, &want, sizeof want);
  n += r->p.a == k && r->p.b == k + 1 && r->p.c == k + 2;
  n += r->buf[0] == 'a' + k % 26 && r->buf[31] == 'a' + k % 26 && r->buf[47] == 'a' + k % 26;
  n += !strcmp(r->str, tmp);
  n += !strcmp(r->cat, cat);
  n += atomic_load(&r->at) == k * 11L + 1;
  n += r->cas == k * 13L;
  return n;
}

/* child -- open the heap, run one FASE with the lock, die by SIGKILL inside or after it */
static void child(const char *path, int commit) {
  pma_heap *h = pma_open(path, 8u << 20);
  if (!h) {
    fprintf(stderr, "child: %s\n", pma_errormsg());
    _exit(3);
  }
  r = pma_root(h, sizeof *r);
  pthread_mutex_lock(&r->lock);
  fill(2);
  if (commit)
    pthread_mutex_unlock(&r->lock);
  kill(getpid(), SIGKILL);
  _exit(4);
}

/* scenario -- run child, reopen, report */
static int scenario(const char *path, int commit) {
  pid_t pid = fork();
  if (pid == 0)
    child(path, commit);
  int st;
  waitpid(pid, &st, 0);
  if (!WIFSIGNALED(st)) {
    printf("child did not die by signal (status %d)\n", st);
    return 1;
  }
  pma_heap *h = pma_open(path, 8u << 20);
  if (!h) {
    printf("reopen: %s\n", pma_errormsg());
    return 1;
  }
  r = pma_root(h, sizeof *r);
  unsigned long long rb = pma_recovery(h)->fases_rolled_back;
  int ok;
  if (commit) {
    ok = same(2);
    printf("commit: %s %d kinds kept\n", ok == 13 ? "all" : "ONLY", ok);
  } else {
    ok = same(1);
    printf("rollback: rolled back %llu FASE, %s %d kinds restored\n", rb, ok == 13 ? "all" : "ONLY", ok);
  }
  /* back to state 1 for the next scenario */
  pthread_mutex_lock(&r->lock);
  fill(1);
  pthread_mutex_unlock(&r->lock);
  pma_close(h);
  return ok == 13 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  unlink(argv[1]);
  pma_heap *h = pma_open(argv[1], 8u << 20);
  if (!h) {
    printf("create: %s\n", pma_errormsg());
    return 1;
  }
  r = pma_root(h, sizeof *r);
  pthread_mutex_init(&r->lock, NULL);
  pthread_mutex_lock(&r->lock);
  fill(1);
  pthread_mutex_unlock(&r->lock);
  pma_close(h);
  int bad = scenario(argv[1], 0);
  bad |= scenario(argv[1], 1);
  return bad;
}
