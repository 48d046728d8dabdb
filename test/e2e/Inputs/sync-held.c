/*
 * sync-held.c -- every kind of in-heap synchronisation object held or waited
 * on at a SIGKILL, then used by the restarted program (test/e2e/sync-held.c,
 * test/wholeheap/sync-held.test).  Compiled with the plugin: the pthread and
 * semaphore calls below are the program's own, rewritten by the pass.
 *
 *   sync-held hold HEAP   initialise the objects in the heap's root, get
 *                         each into the state below, SIGKILL itself
 *   sync-held use HEAP [OBJ]  reopen, use each object (or only OBJ: cond,
 *                         rwlock, mutex, barrier, sem); a hang is a SIGALRM
 *
 * At the kill: two threads wait on condition variable c (and one on c2),
 * three threads read-hold rwlock rw, two threads wait at barrier b (count 3)
 * and one at b2 (count 2), two threads wait on semaphore s0 (value 0), s3
 * has value 3, and the main thread holds recursive mutex rm at depth 2,
 * error-checking mutex em at depth 1 and spinlock sp.
 *
 * -DWHOLE_HEAP: the whole-heap build (no pma_open; the heap is
 * PMA_WHOLE_HEAP, the root is found with pma_heap_current()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct root {
  pthread_mutex_t m; /* the condition variables' mutex */
  pthread_cond_t c, c2;
  long waiting, items;   /* under m */
  pthread_rwlock_t rw;
  pthread_mutex_t rm, em; /* recursive, error-checking */
  pthread_spinlock_t sp;
  pthread_barrier_t b, b2;
  sem_t s0, s3;
  long ready; /* 1 once the objects are initialised */
};
static struct root *r;

#define CHECK(c)                                                                   \
  do {                                                                             \
    if (!(c)) {                                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c);        \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

/* glibc internals peeked at to know that the waiters really wait (x86-64) */
static unsigned barrier_in(pthread_barrier_t *b) { return __atomic_load_n((unsigned *)b, __ATOMIC_RELAXED); }
static unsigned sem_waiters(sem_t *s) {
  return (unsigned)(__atomic_load_n((uint64_t *)s, __ATOMIC_RELAXED) >> 32);
}
static unsigned cond_refs(pthread_cond_t *c) { return __atomic_load_n(&c->__data.__wrefs, __ATOMIC_RELAXED) >> 3; }

static const char *name(int rc) {
  switch (rc) {
  case 0: return "0";
  case EBUSY: return "EBUSY";
  case EDEADLK: return "EDEADLK";
  case EAGAIN: return "EAGAIN";
  case PTHREAD_BARRIER_SERIAL_THREAD: return "SERIAL";
  default: return "?";
  }
}

/* open_root -- the heap's root (created in hold mode) */
static void open_root(const char *path, int create) {
#ifdef WHOLE_HEAP
  (void)path;
  (void)create;
  r = pma_root(pma_heap_current(), sizeof *r);
#else
  pma_heap *h = pma_open(path, create ? 1 << 20 : 0);
  if (!h) {
    fprintf(stderr, "pma_open: %s\n", pma_errormsg());
    exit(1);
  }
  r = pma_root(h, sizeof *r);
#endif
  CHECK(r);
}

/* ------------------------------------------------------------- hold */

static void *cond_waiter(void *arg) {
  pthread_cond_t *c = arg;
  pthread_mutex_lock(&r->m);
  r->waiting++;
  for (;;)
    pthread_cond_wait(c, &r->m); /* never told to stop */
  return NULL;
}

static atomic_int readers;
static void *reader(void *arg) {
  (void)arg;
  CHECK(pthread_rwlock_rdlock(&r->rw) == 0);
  atomic_fetch_add(&readers, 1);
  for (;;)
    pause();
  return NULL;
}

static void *barrier_waiter(void *arg) {
  pthread_barrier_wait(arg);
  CHECK(0 && "the barrier round cannot complete before the kill");
  return NULL;
}

static void *sem_waiter(void *arg) {
  sem_wait(arg);
  CHECK(0 && "s0 is never posted before the kill");
  return NULL;
}

static void spawn(void *(*fn)(void *), void *arg) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fn, arg) == 0);
}

/* until -- wait (at most 5 s) for cond */
#define until(cond)                                                                \
  do {                                                                             \
    for (int i_ = 0; !(cond); i_++) {                                              \
      CHECK(i_ < 50000);                                                           \
      usleep(100);                                                                 \
    }                                                                              \
  } while (0)

static int hold(const char *path) {
  open_root(path, 1);
  CHECK(!r->ready);
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutex_init(&r->m, NULL);
  pthread_cond_init(&r->c, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a flag the reset keeps */
  pthread_cond_init(&r->c2, &ca);
  pthread_rwlock_init(&r->rw, NULL);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&r->rm, &at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&r->em, &at);
  pthread_spin_init(&r->sp, PTHREAD_PROCESS_PRIVATE);
  pthread_barrier_init(&r->b, NULL, 3);
  pthread_barrier_init(&r->b2, NULL, 2);
  sem_init(&r->s0, 0, 0);
  sem_init(&r->s3, 0, 0);
  r->ready = 1;

  spawn(cond_waiter, &r->c);
  spawn(cond_waiter, &r->c);
  spawn(cond_waiter, &r->c2);
  for (int i = 0; i < 3; i++)
    spawn(reader, NULL);
  spawn(barrier_waiter, &r->b);
  spawn(barrier_waiter, &r->b);
  spawn(barrier_waiter, &r->b2);
  spawn(sem_waiter, &r->s0);
  spawn(sem_waiter, &r->s0);
  for (int i = 0; i < 3; i++)
    sem_post(&r->s3);

  for (long w = 0; w < 3;) { /* all three have released m inside the wait */
    usleep(100);
    pthread_mutex_lock(&r->m);
    w = r->waiting;
    pthread_mutex_unlock(&r->m);
  }
  until(cond_refs(&r->c) == 2 && cond_refs(&r->c2) == 1);
  until(atomic_load(&readers) == 3);
  until(barrier_in(&r->b) == 2 && barrier_in(&r->b2) == 1);
  until(sem_waiters(&r->s0) == 2);
  usleep(20000); /* let the waiters reach their futex waits */

  CHECK(pthread_mutex_lock(&r->rm) == 0 && pthread_mutex_lock(&r->rm) == 0);
  CHECK(pthread_mutex_lock(&r->em) == 0);
  CHECK(pthread_spin_lock(&r->sp) == 0);
  printf("holding: 3 cond waiters, 3 readers, rm depth 2, em, spin, 3 barrier waiters, 2 sem waiters\n");
  fflush(stdout);
  kill(getpid(), SIGKILL);
  return 1;
}

/* -------------------------------------------------------------- use */

static atomic_int got;
static void *consumer(void *arg) {
  int n = (int)(intptr_t)arg;
  pthread_mutex_lock(&r->m);
  for (int i = 0; i < n; i++) {
    while (r->items == 0)
      pthread_cond_wait(&r->c, &r->m);
    r->items--;
    atomic_fetch_add(&got, 1);
  }
  pthread_mutex_unlock(&r->m);
  return NULL;
}

static atomic_int woken;
static void *broadcast_waiter(void *arg) {
  (void)arg;
  pthread_mutex_lock(&r->m);
  r->waiting++;
  while (r->items >= 0)
    pthread_cond_wait(&r->c, &r->m);
  pthread_mutex_unlock(&r->m);
  atomic_fetch_add(&woken, 1);
  return NULL;
}

static void use_cond(void) {
  /* five hand-overs by signal: the fourth signal has to switch groups past
   * the dead waiters' group, which glibc waits to drain */
  pthread_t t;
  r->items = 0;
  CHECK(pthread_create(&t, NULL, consumer, (void *)(intptr_t)5) == 0);
  for (int i = 0; i < 5; i++) {
    pthread_mutex_lock(&r->m);
    r->items++;
    pthread_cond_signal(&r->c);
    pthread_mutex_unlock(&r->m);
    until(atomic_load(&got) == i + 1);
  }
  pthread_join(t, NULL);
  pthread_mutex_lock(&r->m);
  r->waiting = 0;
  pthread_mutex_unlock(&r->m);
  pthread_t w[2];
  for (int i = 0; i < 2; i++)
    CHECK(pthread_create(&w[i], NULL, broadcast_waiter, NULL) == 0);
  for (long n = 0; n < 2;) {
    usleep(100);
    pthread_mutex_lock(&r->m);
    n = r->waiting;
    pthread_mutex_unlock(&r->m);
  }
  pthread_mutex_lock(&r->m);
  r->items = -1;
  pthread_cond_broadcast(&r->c);
  pthread_mutex_unlock(&r->m);
  for (int i = 0; i < 2; i++)
    pthread_join(w[i], NULL);
  int clock_kept = (r->c2.__data.__wrefs & 2) != 0; /* read before the reset too */
  int d = pthread_cond_destroy(&r->c2);
  printf("cond: %d signals handed over, broadcast woke %d, destroy of the other %s, its clock kept %d\n",
         atomic_load(&got), atomic_load(&woken), name(d), clock_kept);
}

static void *read_and_leave(void *arg) {
  (void)arg;
  int rc = pthread_rwlock_rdlock(&r->rw);
  if (rc == 0)
    rc = pthread_rwlock_unlock(&r->rw);
  return (void *)(intptr_t)rc;
}

static void use_rwlock(void) {
  int a = pthread_rwlock_wrlock(&r->rw);
  int b = pthread_rwlock_unlock(&r->rw);
  void *rc;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, read_and_leave, NULL) == 0);
  pthread_join(t, &rc);
  int c = pthread_rwlock_rdlock(&r->rw);
  int d = pthread_rwlock_trywrlock(&r->rw);
  CHECK(pthread_rwlock_unlock(&r->rw) == 0);
  printf("rwlock: wrlock %s unlock %s, rdlock+unlock in a thread %s, rdlock %s trywrlock %s\n",
         name(a), name(b), name((int)(intptr_t)rc), name(c), name(d));
}

static void use_mutexes(void) {
  int a = pthread_mutex_lock(&r->rm), b = pthread_mutex_lock(&r->rm);
  int c = pthread_mutex_unlock(&r->rm), d = pthread_mutex_unlock(&r->rm);
  int e = pthread_mutex_unlock(&r->rm); /* not owned any more */
  printf("recursive: lock %s lock %s unlock %s unlock %s, third unlock %s\n", name(a), name(b),
         name(c), name(d), e == EPERM ? "EPERM" : name(e));
  a = pthread_mutex_lock(&r->em);
  b = pthread_mutex_lock(&r->em);
  c = pthread_mutex_unlock(&r->em);
  printf("errorcheck: lock %s relock %s unlock %s\n", name(a), name(b), name(c));
  a = pthread_spin_lock(&r->sp);
  b = pthread_spin_trylock(&r->sp);
  c = pthread_spin_unlock(&r->sp);
  printf("spin: lock %s trylock %s unlock %s\n", name(a), name(b), name(c));
}

static atomic_int serial;
static void *barrier_rounds(void *arg) {
  (void)arg;
  for (int i = 0; i < 2; i++) {
    int rc = pthread_barrier_wait(&r->b);
    CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
      atomic_fetch_add(&serial, 1);
  }
  return NULL;
}

static void use_barriers(void) {
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    CHECK(pthread_create(&t[i], NULL, barrier_rounds, NULL) == 0);
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  int d = pthread_barrier_destroy(&r->b2);
  printf("barrier: 2 rounds of 3 threads, %d serial; destroy of the other %s\n",
         atomic_load(&serial), name(d));
}

static void use_sems(void) {
  int v0, v3;
  sem_getvalue(&r->s0, &v0); /* getvalue is not wrapped: the value as the crash left it */
  sem_getvalue(&r->s3, &v3);
  unsigned before = sem_waiters(&r->s0);
  int a = sem_post(&r->s0);
  unsigned after = sem_waiters(&r->s0);
  int b = sem_wait(&r->s0);
  int c = sem_trywait(&r->s0) == 0 ? 0 : errno;
  int d = 0;
  for (int i = 0; i < 3; i++)
    d |= sem_trywait(&r->s3);
  int e = sem_trywait(&r->s3) == 0 ? 0 : errno;
  printf("sem: values kept %d and %d; dead waiters counted %u, after the first post %u; "
         "post %s wait %s trywait %s; 3 trywaits %s, a fourth %s\n",
         v0, v3, before, after, name(a), name(b), name(c), name(d), name(e));
}

static int use(const char *path, const char *only) {
  alarm(20); /* a hang fails the test instead of stopping the run */
  open_root(path, 0);
  CHECK(r->ready);
#define PART(n, f)                                                                 \
  if (!only || !strcmp(only, n))                                                   \
    f();
  PART("cond", use_cond)
  PART("rwlock", use_rwlock)
  PART("mutex", use_mutexes)
  PART("barrier", use_barriers)
  PART("sem", use_sems)
  CHECK(!pma_in_fase());
  printf("all used\n");
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && !strcmp(argv[1], "hold"))
    return hold(argv[2]);
  if ((argc == 3 || argc == 4) && !strcmp(argv[1], "use"))
    return use(argv[2], argc == 4 ? argv[3] : NULL);
  fprintf(stderr, "usage: %s hold HEAP | use HEAP [OBJ]\n", argv[0]);
  return 2;
}
