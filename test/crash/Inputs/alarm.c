/*
 * alarm.c -- crash-test program: an alarm clock.  Producer threads insert
 * alarms (time, id) into a list sorted by time in the persistent heap, under
 * the queue mutex, and signal a condition variable; consumer threads wait on
 * it with pthread_cond_wait or pthread_cond_timedwait inside their FASE, pop
 * the earliest alarm, free it and account it in persistent counters.
 *
 * Lock order: a producer's own lock < the stats lock < the queue lock.
 *  - producers hold their own counter mutex while they wait for room in the
 *    queue (pthread_cond_wait): the wait releases the queue mutex in the
 *    middle of a FASE; after inserting, they release the queue mutex before
 *    counting the alarm (a consumer can pop it before the producer commits);
 *  - "patient" consumers (even numbers) take the stats mutex, then the queue
 *    mutex, and wait with pthread_cond_wait holding both: again a release in
 *    the middle of a FASE;
 *  - "timed" consumers (odd numbers) hold only the queue mutex and wait with
 *    pthread_cond_timedwait (1 ms, so timeouts happen too); they account the
 *    pop in the stats with a trylock, or in a backlog kept under the queue
 *    mutex when the stats mutex is busy (held by a waiting patient consumer).
 *
 *   alarm HEAP run [PRODUCERS [CONSUMERS]]      until killed (crashloop.py)
 *   alarm HEAP check                            recover and verify
 *   alarm HEAP sim [PRODUCERS [CONSUMERS [N]]]  for pmatomic crashtest: verify,
 *                                               each producer inserts N alarms,
 *                                               the consumers drain the queue,
 *                                               verify, close
 *
 * The clock (persistent) is the time of the last alarm popped; a consumer
 * that finds the queue empty also advances it by one tick before it waits, so
 * the wait must commit that tick: a producer may set an alarm against it
 * (set_at = clock) and commit while the consumer is still waiting.
 *
 * Invariants: the list is sorted by (time, id); every alarm is a live block
 * with its seal, set at or before the clock, due after the clock and at most
 * SPAN ticks after it was set; produced = sum of the producers' counts =
 * pending + consumed; consumed = the sum of the consumers' counts = stats +
 * backlog; and per id, for the last RING ids: each is either in the list
 * (exactly once) or consumed, never both.
 */
#include <errno.h>
#include <pmatomic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x414c41524dull
#define RING 4096 /* per-id states kept for the last RING ids */
#define QMAX 48   /* producers wait while this many alarms are pending */
#define SPAN 1000 /* an alarm is set 1..SPAN ticks after the last one popped */
#define MAXP 8
#define MAXC 8
#define PENDING 1
#define CONSUMED 2

struct alarm {
  long time, id;
  long set_at; /* the clock when the alarm was set */
  uint64_t seal;
  struct alarm *next;
};
struct producer {
  pthread_mutex_t lock;
  long produced;
};
struct clock {
  uint64_t magic;
  pthread_mutex_t qlock, stats_lock;
  /* under qlock */
  struct alarm *head;
  long now;     /* the clock: the last alarm popped, or one tick per idle wait */
  long next_id; /* alarms ever produced */
  long pending;
  long backlog; /* pops not yet added to popped (stats lock was busy) */
  long consumed_by[MAXC];
  uint64_t ring[RING]; /* id * 4 + PENDING or CONSUMED, at id % RING */
  /* under stats_lock */
  long popped;
  /* under prod[i].lock */
  struct producer prod[MAXP];
};
static struct clock *c;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static _Atomic long pops_here;
static _Atomic int stop;
static long per_producer = -1; /* -1: until killed */

/* seal -- what an intact alarm holds in its seal */
static uint64_t seal(const struct alarm *a) {
  return ((uint64_t)a->time * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)a->set_at << 20) ^
         (uint64_t)a->id ^ MAGIC;
}

/* spin -- some work inside the critical section */
static void spin(unsigned n) {
  volatile unsigned x = 0;
  for (unsigned i = 0; i < n; i++)
    x += i;
}

/* room -- may a producer add alarm next_id now (queue lock held) */
static int room(void) {
  return c->pending < QMAX && (c->ring[c->next_id % RING] & 3) != PENDING;
}

/* produce -- insert one alarm; the producer's own lock is held across the wait */
static void produce(int p, unsigned *seed) {
  struct producer *me = &c->prod[p];
  pthread_mutex_lock(&me->lock);
  pthread_mutex_lock(&c->qlock);
  while (!room())
    pthread_cond_wait(&not_full, &c->qlock); /* releases qlock inside the FASE */
  struct alarm *a = pma_malloc(sizeof *a);
  if (!a) {
    fprintf(stderr, "alarm: out of heap: %s\n", pma_errormsg());
    abort();
  }
  a->id = c->next_id;
  a->set_at = c->now;
  a->time = c->now + 1 + (long)(rand_r(seed) % SPAN);
  a->seal = seal(a);
  struct alarm **pp = &c->head;
  while (*pp && ((*pp)->time < a->time || ((*pp)->time == a->time && (*pp)->id < a->id)))
    pp = &(*pp)->next;
  a->next = *pp;
  *pp = a;
  c->ring[a->id % RING] = (uint64_t)a->id * 4 + PENDING;
  c->next_id++;
  c->pending++;
  pthread_cond_signal(&nonempty);
  pthread_mutex_unlock(&c->qlock); /* released in the middle of the FASE */
  spin(500);
  me->produced++;
  pthread_mutex_unlock(&me->lock);
}

/* pop -- take the earliest alarm (queue lock held, list not empty) */
static void pop(int who) {
  struct alarm *a = c->head;
  c->head = a->next;
  c->pending--;
  c->now = a->time;
  c->ring[a->id % RING] = (uint64_t)a->id * 4 + CONSUMED;
  c->consumed_by[who]++;
  memset(&a->seal, 0, sizeof a->seal);
  pma_free(a);
  pthread_cond_signal(&not_full);
  pops_here++;
}

/* consume_patient -- stats lock, then queue lock, pthread_cond_wait holding both */
static int consume_patient(int who) {
  pthread_mutex_lock(&c->stats_lock);
  pthread_mutex_lock(&c->qlock);
  while (!c->head && !stop) {
    c->now++; /* time passes while the queue is empty (committed by the wait) */
    pthread_cond_wait(&nonempty, &c->qlock); /* the stats lock stays held */
  }
  int got = c->head != NULL;
  if (got) {
    pop(who);
    spin(300);
    c->popped += 1 + c->backlog;
    c->backlog = 0;
  }
  pthread_mutex_unlock(&c->qlock);
  pthread_mutex_unlock(&c->stats_lock);
  return got;
}

/* consume_timed -- queue lock only, pthread_cond_timedwait with 1 ms timeouts */
static int consume_timed(int who) {
  pthread_mutex_lock(&c->qlock);
  while (!c->head && !stop) {
    c->now++;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_nsec += 1000000;
    if (t.tv_nsec >= 1000000000) {
      t.tv_sec++;
      t.tv_nsec -= 1000000000;
    }
    int rc = pthread_cond_timedwait(&nonempty, &c->qlock, &t);
    if (rc && rc != ETIMEDOUT) {
      fprintf(stderr, "alarm: pthread_cond_timedwait: %s\n", strerror(rc));
      abort();
    }
  }
  int got = c->head != NULL;
  if (got) {
    pop(who);
    if (pthread_mutex_trylock(&c->stats_lock) == 0) {
      c->popped += 1 + c->backlog;
      c->backlog = 0;
      pthread_mutex_unlock(&c->stats_lock); /* inner unlock */
    } else {
      c->backlog++;
    }
  }
  pthread_mutex_unlock(&c->qlock);
  return got;
}

/* producer -- per_producer alarms, or until killed */
static void *producer(void *arg) {
  int p = (int)(uintptr_t)arg;
  unsigned seed = (unsigned)p * 7919u + (per_producer < 0 ? (unsigned)getpid() : 1u);
  for (long n = 0; per_producer < 0 || n < per_producer; n++)
    produce(p, &seed);
  return NULL;
}

/* consumer -- until stopped with the queue empty */
static void *consumer(void *arg) {
  int who = (int)(uintptr_t)arg;
  while (who % 2 ? consume_timed(who) : consume_patient(who))
    ;
  return NULL;
}

/* check -- 0 when every invariant holds, else prints what broke and returns 1 */
static int check(const char *when) {
  static unsigned char seen[RING];
  memset(seen, 0, sizeof seen);
  long n = 0, ptime = -1, pid = -1, produced = 0, consumed = 0;
  for (int i = 0; i < MAXP; i++)
    produced += c->prod[i].produced;
  for (int i = 0; i < MAXC; i++)
    consumed += c->consumed_by[i];
  long low = c->next_id > RING ? c->next_id - RING : 0;
  for (struct alarm *a = c->head; a; a = a->next) {
    if (!pma_is_heap(a, sizeof *a) || pma_usable_size(a) < sizeof *a || ++n > QMAX) {
      printf("%s: bad alarm %p after %ld alarms\n", when, (void *)a, n);
      return 1;
    }
    if (a->seal != seal(a)) {
      printf("%s: alarm %ld (time %ld) is torn\n", when, a->id, a->time);
      return 1;
    }
    if (a->time < ptime || (a->time == ptime && a->id <= pid)) {
      printf("%s: alarm (%ld, %ld) after (%ld, %ld): unsorted or duplicated\n", when, a->time,
             a->id, ptime, pid);
      return 1;
    }
    if (a->time < c->now || a->set_at > c->now || a->time <= a->set_at ||
        a->time > a->set_at + SPAN) {
      printf("%s: alarm %ld set at %ld for %ld, but the clock says %ld\n", when, a->id,
             a->set_at, a->time, c->now);
      return 1;
    }
    if (a->id < low || a->id >= c->next_id || c->ring[a->id % RING] != (uint64_t)a->id * 4 + PENDING) {
      printf("%s: alarm %ld in the list, but produced %ld, state %#llx\n", when, a->id,
             c->next_id, (unsigned long long)c->ring[a->id % RING]);
      return 1;
    }
    seen[a->id % RING] = 1;
    ptime = a->time;
    pid = a->id;
  }
  for (long id = low; id < c->next_id; id++) {
    uint64_t s = c->ring[id % RING];
    uint64_t want = (uint64_t)id * 4 + (seen[id % RING] ? PENDING : CONSUMED);
    if (s != want) {
      printf("%s: alarm %ld has state %#llx, expected %#llx (%s the list)\n", when, id,
             (unsigned long long)s, (unsigned long long)want, seen[id % RING] ? "in" : "not in");
      return 1;
    }
  }
  if (n != c->pending || produced != c->next_id || c->next_id != c->pending + consumed ||
      consumed != c->popped + c->backlog) {
    printf("%s: %ld alarms listed, pending %ld; produced %ld by the producers' counts, next id "
           "%ld; consumed %ld, stats %ld + backlog %ld\n",
           when, n, c->pending, produced, c->next_id, consumed, c->popped, c->backlog);
    return 1;
  }
  return 0;
}

/* start -- launch np producers and nc consumers */
static void start(pthread_t *th, int np, int nc) {
  for (int i = 0; i < np; i++)
    pthread_create(&th[i], NULL, producer, (void *)(uintptr_t)i);
  for (int i = 0; i < nc; i++)
    pthread_create(&th[np + i], NULL, consumer, (void *)(uintptr_t)i);
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  pma_heap *h = pma_open(argv[1], 4u << 20);
  if (!h) {
    fprintf(stderr, "alarm: %s\n", pma_errormsg());
    return 2;
  }
  c = pma_root(h, sizeof *c);
  if (!c || pma_usable_size(c) < sizeof *c) {
    printf("alarm: the root %p is not a live block\n", (void *)c);
    return c ? 1 : 2;
  }
  if (c->magic != MAGIC) {
    pma_begin();
    pthread_mutex_init(&c->qlock, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
    for (int i = 0; i < MAXP; i++)
      pthread_mutex_init(&c->prod[i].lock, NULL);
    c->magic = MAGIC;
    pma_end();
  }
#ifdef REINIT_LOCKS
  /* without pmatomic, nothing resets the mutexes a killed run left locked */
  pthread_mutex_init(&c->qlock, NULL);
  pthread_mutex_init(&c->stats_lock, NULL);
  for (int i = 0; i < MAXP; i++)
    pthread_mutex_init(&c->prod[i].lock, NULL);
#endif
  if (!strcmp(argv[2], "check")) {
    int bad = check("check");
    printf("check: produced %ld, pending %ld, clock %ld, consumed by", c->next_id, c->pending,
           c->now);
    for (int i = 0; i < MAXC; i++)
      if (c->consumed_by[i])
        printf(" #%d: %ld", i, c->consumed_by[i]);
    printf(", stats %ld + backlog %ld; recovery rolled back %llu FASEs: %s\n", c->popped,
           c->backlog, (unsigned long long)pma_recovery(h)->fases_rolled_back,
           bad ? "VIOLATION" : "OK");
    pma_close(h);
    return bad;
  }
  int np = argc > 3 ? atoi(argv[3]) : 2;
  int nc = argc > 4 ? atoi(argv[4]) : 2;
  if (np < 1 || np > MAXP || nc < 1 || nc > MAXC) {
    fprintf(stderr, "alarm: 1..%d producers and 1..%d consumers\n", MAXP, MAXC);
    return 2;
  }
  pthread_t th[MAXP + MAXC];
  if (!strcmp(argv[2], "run")) {
    if (check("after recovery"))
      return 1;
    start(th, np, nc);
    while (pops_here < 32L * nc)
      usleep(200);
    printf("ready\n");
    fflush(stdout);
    pause();
    return 0;
  }
  if (strcmp(argv[2], "sim"))
    return 2;
  per_producer = argc > 5 ? atol(argv[5]) : 10;
  if (check("after recovery"))
    return 1;
  start(th, np, nc);
  for (int i = 0; i < np; i++)
    pthread_join(th[i], NULL);
  pthread_mutex_lock(&c->qlock);
  stop = 1; /* the producers are done: the consumers drain the queue and end */
  pthread_cond_broadcast(&nonempty);
  pthread_mutex_unlock(&c->qlock);
  for (int i = 0; i < nc; i++)
    pthread_join(th[np + i], NULL);
  int bad = check("after run");
  if (!bad && (c->head || c->pending)) {
    printf("after run: %ld alarms left after the consumers stopped\n", c->pending);
    bad = 1;
  }
  pma_close(h);
  return bad;
}
