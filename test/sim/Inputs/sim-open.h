/*
 * sim-open.h -- the preamble of the crash-simulator test programs
 */
#ifndef SIM_OPEN_H
#define SIM_OPEN_H

#include <pmatomic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

/* sim_open_root -- open the heap at path (created with size bytes) into *hp
 * and return its root of root_size bytes.  Exits 2 when the heap cannot be
 * opened or has no root, 1 when the root is not a live block of that size
 * (after a recovery: a broken heap). */
static void *sim_open_root(const char *path, size_t size, size_t root_size, pma_heap **hp) {
  pma_heap *h = pma_open(path, size);
  if (!h) {
    printf("open: %s\n", pma_errormsg());
    exit(2);
  }
  void *r = pma_root(h, root_size);
  if (!r || pma_usable_size(r) < root_size) {
    printf("root: %p is not a live block (%s)\n", r, pma_errormsg());
    exit(r ? 1 : 2);
  }
  *hp = h;
  return r;
}

/* sim_rounds -- the ROUNDS argument (argv[2]), dflt when absent */
static inline int sim_rounds(int argc, char **argv, int dflt) {
  return argc > 2 ? atoi(argv[2]) : dflt;
}

/* The partner thread B of the two-thread programs.  Their persistence events
 * must be numbered the same in every run, so B never runs on its own: main
 * hands it one step at a time (sim_partner_step, typically with a FASE of
 * its own still open) and waits for the step's end. */
struct sim_partner {
  sem_t go, done;
  volatile int quit;
  pthread_t tid;
};

/* sim_partner -- the process's one partner */
static inline struct sim_partner *sim_partner(void) {
  static struct sim_partner p;
  return &p;
}

/* sim_partner_start -- create B running fn */
static inline void sim_partner_start(void *(*fn)(void *)) {
  struct sim_partner *p = sim_partner();
  sem_init(&p->go, 0, 0);
  sem_init(&p->done, 0, 0);
  if (pthread_create(&p->tid, NULL, fn, NULL)) {
    printf("pthread_create failed\n");
    exit(2);
  }
}

/* sim_partner_wait -- in B: wait for main's next step; 0 when B must stop */
static inline int sim_partner_wait(void) {
  struct sim_partner *p = sim_partner();
  sem_wait(&p->go);
  return !p->quit;
}

/* sim_partner_done -- in B: the step main waits for is over */
static inline void sim_partner_done(void) { sem_post(&sim_partner()->done); }

/* sim_partner_step -- in main: let B run one step and wait until it is done */
static inline void sim_partner_step(void) {
  struct sim_partner *p = sim_partner();
  sem_post(&p->go);
  sem_wait(&p->done);
}

/* sim_partner_stop -- in main: stop B and join it */
static inline void sim_partner_stop(void) {
  struct sim_partner *p = sim_partner();
  p->quit = 1;
  sem_post(&p->go);
  pthread_join(p->tid, NULL);
}

#endif /* SIM_OPEN_H */
