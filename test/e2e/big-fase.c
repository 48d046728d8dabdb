// One FASE that rewrites 8 MiB element by element (a million logged stores,
// the undo log grows through many chunks) is rolled back whole after SIGKILL,
// and a committed one is kept whole.
// RUN: %cc-pma -O2 %s -o %t %link-pma && %t %t.heap | FileCheck %s
// CHECK: killed mid-FASE: 1048576 of 1048576 elements restored, 1 FASE rolled back
// CHECK: committed: 1048576 of 1048576 elements kept
#include <pmatomic.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define N (1L << 20)

/* rewrite -- child: one FASE over the whole array, then die */
static void rewrite(const char *path, long mul, int commit) {
  pma_heap *h = pma_open(path, 64u << 20);
  if (!h)
    _exit(3);
  long *a = pma_root(h, N * sizeof(long));
  pma_begin();
  for (long i = 0; i < N; i++)
    a[i] = i * mul;
  if (commit)
    pma_end();
  kill(getpid(), SIGKILL);
}

/* count -- reopen and count elements equal to i*mul */
static long count(const char *path, long mul, unsigned long long *rolled) {
  pma_heap *h = pma_open(path, 64u << 20);
  if (!h) {
    printf("reopen: %s\n", pma_errormsg());
    return -1;
  }
  long *a = pma_root(h, N * sizeof(long)), n = 0;
  for (long i = 0; i < N; i++)
    n += a[i] == i * mul;
  *rolled = pma_recovery(h)->fases_rolled_back;
  pma_close(h);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  unlink(argv[1]);
  pma_heap *h = pma_open(argv[1], 64u << 20);
  if (!h) {
    printf("create: %s\n", pma_errormsg());
    return 1;
  }
  long *a = pma_root(h, N * sizeof(long));
  pma_begin();
  for (long i = 0; i < N; i++)
    a[i] = i;
  pma_end();
  pma_close(h);
  unsigned long long rolled;
  for (int commit = 0; commit < 2; commit++) {
    pid_t pid = fork();
    if (pid == 0)
      rewrite(argv[1], 3, commit);
    waitpid(pid, NULL, 0);
    long n = count(argv[1], commit ? 3 : 1, &rolled);
    if (commit)
      printf("committed: %ld of %ld elements kept\n", n, N);
    else
      printf("killed mid-FASE: %ld of %ld elements restored, %llu FASE rolled back\n", n, N, rolled);
  }
  return 0;
}
