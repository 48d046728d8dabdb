// Every lock form delimits a FASE: writes under an rwlock (read or write),
// a spinlock or a C11 mutex are rolled back when the process dies inside, an
// in-heap lock left held by the dead process does not block the next one,
// inner write/spin/mtx releases are published (the lock is free at once and
// the thread that takes it records a dependency and its commit waits for
// ours) while inner read releases publish nothing, and a condition wait
// commits before it waits.
// RUN: %cc-pma -O2 %s -o %t %link-pma && %t %t.heap | FileCheck %s
// RUN: %cc-pma -O0 -g %s -o %t0 %link-pma && %t0 %t0.heap | FileCheck %s
// CHECK: wrlock: rolled back 1, x=0 y=0, relock ok
// CHECK: rdlock: rolled back 1, x=0 y=0, relock ok
// CHECK: spin: rolled back 1, x=0 y=0, relock ok
// CHECK: mtx: rolled back 1, x=0 y=0, relock ok
// CHECK: inner wrlock release: free at once, the taker recorded 1 dependency and waited 1, free after commit
// CHECK: inner spin release: free at once, the taker recorded 1 dependency and waited 1, free after commit
// CHECK: inner mtx release: free at once, the taker recorded 1 dependency and waited 1, free after commit
// CHECK: inner rdlock release: free at once, the taker recorded 0 dependency and waited 0
// CHECK: cnd_timedwait: x=7 kept (committed before the wait), rolled back 0
// CHECK: pthread_cond_clockwait: x=9 kept (committed before the wait), rolled back 0
#define _GNU_SOURCE /* pthread_cond_clockwait */
#include <errno.h>
#include <pmatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

struct root {
  pthread_rwlock_t rw;
  pthread_spinlock_t spin;
  mtx_t mtx;
  cnd_t cnd;
  pthread_mutex_t m, m2;
  pthread_cond_t cond;
  long x, y;
};
static struct root *r;
static const char *path;

enum form { WR, RD, SPIN, MTX };
static const char *const names[] = {"wrlock", "rdlock", "spin", "mtx"};

/* lock / unlock -- one form at a time */
static void lock(enum form f) {
  if (f == WR) pthread_rwlock_wrlock(&r->rw);
  else if (f == RD) pthread_rwlock_rdlock(&r->rw);
  else if (f == SPIN) pthread_spin_lock(&r->spin);
  else mtx_lock(&r->mtx);
}
static void unlock(enum form f) {
  if (f == WR || f == RD) pthread_rwlock_unlock(&r->rw);
  else if (f == SPIN) pthread_spin_unlock(&r->spin);
  else mtx_unlock(&r->mtx);
}

/* open_root -- open the heap (dies on error) */
static pma_heap *open_root(void) {
  pma_heap *h = pma_open(path, 1u << 20);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    exit(1);
  }
  r = pma_root(h, sizeof *r);
  return h;
}

/* crash_inside -- child: write x, y under form f, die holding it */
static void crash_inside(enum form f) {
  if (fork() == 0) {
    open_root();
    lock(f);
    r->x = 1;
    r->y = 2;
    kill(getpid(), SIGKILL);
  }
  wait(NULL);
  pma_heap *h = open_root();
  unsigned long long rb = pma_recovery(h)->fases_rolled_back;
  alarm(5); /* a leftover lock that is not reset would hang here */
  lock(f == RD ? WR : f);
  unlock(f == RD ? WR : f);
  alarm(0);
  printf("%s: rolled back %llu, x=%ld y=%ld, relock ok\n", names[f], rb, r->x, r->y);
  pma_close(h);
}

/* try_other -- from another thread: can form f be taken right now */
static void *try_other(void *arg) {
  enum form f = (enum form)(long)arg;
  int rc;
  if (f == WR || f == RD) rc = pthread_rwlock_trywrlock(&r->rw);
  else if (f == SPIN) rc = pthread_spin_trylock(&r->spin);
  else rc = mtx_trylock(&r->mtx) == thrd_success ? 0 : EBUSY;
  if (rc == 0)
    unlock(f == RD ? WR : f);
  return (void *)(long)(rc == 0);
}

/* free_now -- ask another thread whether f is free */
static int free_now(enum form f) {
  pthread_t th;
  void *res;
  pthread_create(&th, NULL, try_other, (void *)(long)f);
  pthread_join(th, &res);
  return (int)(long)res;
}

/* publication -- inner release of f while m is held; another thread takes f */
static void publication(enum form f) {
  pma_heap *h = open_root();
  struct pma_stats s0, s1;
  pthread_mutex_lock(&r->m);
  lock(f);
  r->x++;
  unlock(f);
  pma_get_stats(&s0);
  int during = free_now(f);
  pma_get_stats(&s1);
  pthread_mutex_unlock(&r->m);
  int after = free_now(f);
  printf("inner %s release: %s, the taker recorded %llu dependency and waited %llu",
         f == RD ? "rdlock" : names[f], during ? "free at once" : "HELD",
         (unsigned long long)(s1.dep_records - s0.dep_records),
         (unsigned long long)(s1.fases_waited - s0.fases_waited));
  printf("%s\n", f == RD ? "" : after ? ", free after commit" : ", BUSY after commit");
  pma_close(h); /* aborts if a FASE still waited */
}

/* wait_commits -- x set before a timed condition wait survives a kill after it */
static void wait_commits(int c11) {
  if (fork() == 0) {
    open_root();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000;
    }
    if (c11) {
      mtx_lock(&r->mtx);
      r->x = 7;
      cnd_timedwait(&r->cnd, &r->mtx, &ts);
    } else {
      pthread_mutex_lock(&r->m2);
      r->x = 9;
      pthread_cond_clockwait(&r->cond, &r->m2, CLOCK_REALTIME, &ts);
    }
    kill(getpid(), SIGKILL); /* still holding the lock: a new, empty FASE */
  }
  wait(NULL);
  pma_heap *h = open_root();
  printf("%s: x=%ld kept (committed before the wait), rolled back %llu\n",
         c11 ? "cnd_timedwait" : "pthread_cond_clockwait", r->x,
         (unsigned long long)pma_recovery(h)->fases_rolled_back);
  pma_close(h);
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  path = argv[1];
  unlink(path);
  pma_heap *h = open_root();
  pma_begin();
  pthread_rwlock_init(&r->rw, NULL);
  pthread_spin_init(&r->spin, PTHREAD_PROCESS_PRIVATE);
  mtx_init(&r->mtx, mtx_plain | mtx_timed);
  cnd_init(&r->cnd);
  pthread_mutex_init(&r->m, NULL);
  pthread_mutex_init(&r->m2, NULL);
  pthread_cond_init(&r->cond, NULL);
  r->x = r->y = 0;
  pma_end();
  pma_close(h);
  for (enum form f = WR; f <= MTX; f++)
    crash_inside(f);
  publication(WR);
  publication(SPIN);
  publication(MTX);
  publication(RD);
  wait_commits(1);
  wait_commits(0);
  return 0;
}
