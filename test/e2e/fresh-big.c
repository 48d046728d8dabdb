// Large fresh blocks (docs/design.md section 6, "Fresh blocks"), compiled
// with the plugin, pmem mode: a FASE that allocates an 8 MiB block and writes
// 1 KiB of it flushes about what it wrote at commit, not the 131072 lines of
// the block (the pass keeps the hooks of its writes, the runtime notes their
// lines and logs nothing for them: the block is new in the FASE); a small
// block of a size the compiler cannot see is written through hooks without
// undo records either; an 8 MiB pma_calloc over memory an earlier block
// filled is zeroed with non-temporal stores, not flushed line by line; a
// process killed after the commit keeps the data, one killed inside the
// FASE gets the block freed again.
// RUN: %cc-pma -O2 -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && env PMA_MODE=pmem %t %t.heap | FileCheck %s
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s --check-prefix=PROC
// CHECK: 8 MiB pma_malloc, 1 KiB written: flushes < 1/64 of its lines, no undo record for the writes
// CHECK-NEXT: small variable-size block: no undo record for the writes
// CHECK-NEXT: 8 MiB pma_calloc over used memory: zero, non-temporal, flushes < 1/64 of its lines
// CHECK-NEXT: killed after the commit: data kept
// CHECK-NEXT: killed inside the FASE: block freed, 1 FASE rolled back
// PROC: killed after the commit: data kept
// PROC-NEXT: killed inside the FASE: block freed, 1 FASE rolled back
#include "runtime-test.h"

#include <pthread.h>

#define BIG (8u << 20)
#define TOUCH 1024

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile size_t small_len = 200; /* a size the compiler cannot see */
static int pmem;

struct root {
  unsigned char *p;
};

/* big_fase -- one FASE: allocate BIG bytes, write TOUCH of them */
static unsigned char *big_fase(struct root *r, int kill_inside) {
  pthread_mutex_lock(&m);
  unsigned char *p = pma_malloc(BIG);
  CHECK(p);
  for (size_t i = 0; i < TOUCH; i++)
    p[i] = (unsigned char)(i * 7 + 1);
  p[BIG - 1] = 0x5a;
  r->p = p;
  if (kill_inside)
    kill(getpid(), SIGKILL);
  pthread_mutex_unlock(&m);
  return p;
}

/* intact -- does p hold what big_fase wrote */
static int intact(const unsigned char *p) {
  for (size_t i = 0; i < TOUCH; i++)
    if (p[i] != (unsigned char)(i * 7 + 1))
      return 0;
  return p[BIG - 1] == 0x5a;
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  const char *path = argv[1];
  pma_heap *h = pma_open(path, 64u << 20);
  CHECK(h);
  pmem = getenv("PMA_MODE") && !strcmp(getenv("PMA_MODE"), "pmem");
  struct root *r = pma_root(h, sizeof *r);
  CHECK(r);
  struct pma_stats s0, s1;
  if (pmem) {
    pma_get_stats(&s0);
    unsigned char *p = big_fase(r, 0);
    pma_get_stats(&s1);
    CHECK(intact(p));
    uint64_t fl = s1.flushes - s0.flushes, rec = s1.log_records - s0.log_records;
    printf("8 MiB pma_malloc, 1 KiB written: flushes %s of its lines, %s\n",
           fl < BIG / 64 / 64 ? "< 1/64" : "at least 1/64",
           rec <= 2 ? "no undo record for the writes" : "undo records for the writes");
    /* a small block: noted whole, and its hooked writes log nothing */
    pma_get_stats(&s0);
    pthread_mutex_lock(&m);
    size_t n = small_len;
    unsigned char *q = pma_malloc(n);
    CHECK(q);
    for (size_t i = 0; i < n; i++)
      q[i] = (unsigned char)i;
    pthread_mutex_unlock(&m);
    pma_get_stats(&s1);
    pthread_mutex_lock(&m);
    pma_free(p);
    pma_free(q);
    r->p = NULL;
    pthread_mutex_unlock(&m);
    printf("small variable-size block: %s\n", s1.log_records - s0.log_records <= 2
                                                  ? "no undo record for the writes"
                                                  : "undo records for the writes");
    /* fill a big block, free it, then calloc over its memory */
    pthread_mutex_lock(&m);
    unsigned char *f = pma_malloc(BIG);
    CHECK(f);
    memset(f, 0xff, BIG);
    pthread_mutex_unlock(&m);
    pthread_mutex_lock(&m);
    pma_free(f);
    pthread_mutex_unlock(&m);
    pma_get_stats(&s0);
    pthread_mutex_lock(&m);
    unsigned char *c = pma_calloc(1, BIG);
    CHECK(c);
    r->p = c;
    pthread_mutex_unlock(&m);
    pma_get_stats(&s1);
    int zero = 1;
    for (size_t i = 0; i < BIG; i += 61)
      zero &= c[i] == 0;
    fl = s1.flushes - s0.flushes;
    printf("8 MiB pma_calloc over used memory: %s, %s, flushes %s of its lines\n",
           zero ? "zero" : "not zero", s1.nt_bytes - s0.nt_bytes >= BIG ? "non-temporal" : "cached",
           fl < BIG / 64 / 64 ? "< 1/64" : "at least 1/64");
    pthread_mutex_lock(&m);
    pma_free(c);
    r->p = NULL;
    pthread_mutex_unlock(&m);
  }
  pma_close(h);

  /* killed after the commit / inside the FASE, in a child */
  for (int inside = 0; inside < 2; inside++) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      pma_heap *hc = pma_open(path, 0);
      CHECK(hc);
      struct root *rc = pma_root(hc, sizeof *rc);
      CHECK(rc);
      if (rc->p) {
        pthread_mutex_lock(&m);
        pma_free(rc->p);
        rc->p = NULL;
        pthread_mutex_unlock(&m);
      }
      big_fase(rc, inside);
      kill(getpid(), SIGKILL);
    }
    int st;
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
    h = pma_open(path, 0);
    CHECK(h);
    r = pma_root(h, sizeof *r);
    struct pma_usage u;
    CHECK(pma_usage(h, &u) == 0);
    if (!inside)
      printf("killed after the commit: %s\n", r->p && intact(r->p) ? "data kept" : "data lost");
    else
      printf("killed inside the FASE: %s, %llu FASE rolled back\n",
             !r->p && u.large_extents == 0 ? "block freed" : "block kept",
             (unsigned long long)pma_recovery(h)->fases_rolled_back);
    pma_close(h);
  }
  return 0;
}
