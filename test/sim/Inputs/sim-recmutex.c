/*
 * sim-recmutex.c -- crash-simulator program: a recursive mutex initialised
 * inside a FASE is still recursive after any power failure
 *
 *   sim-recmutex HEAP [ROUNDS]
 * The run that finds the heap new initialises an in-heap mutex as
 * PTHREAD_MUTEX_RECURSIVE with pthread_mutex_init, inside a FASE (under a
 * DRAM mutex) that also sets a flag saying so.  Every run whose heap has the
 * flag then locks that mutex twice from its one thread, ROUNDS times, and
 * counts the rounds under it.
 *
 * libc's stores into the mutex (its kind above all) are not the program's:
 * they reach the media only because the pass logs and notes the whole object
 * before the pthread_mutex_init call (pass/LibcWriters.cpp).  Without that,
 * an image taken after the commit holds the flag but a zeroed mutex -- a
 * normal one -- and the second lock deadlocks; alarm() turns the deadlock into
 * a failure with a message instead of a hang.
 */
#include "sim-open.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct root {
  pthread_mutex_t m;
  char pad[88];  /* the flag is on another cache line than the mutex */
  long inited;   /* set in the FASE that initialised m */
  long rounds;   /* rounds counted under m, locked twice */
};

static pthread_mutex_t setup = PTHREAD_MUTEX_INITIALIZER; /* DRAM: makes the FASE */

/* deadlocked -- SIGALRM: the second lock of the recursive mutex never returned */
static void deadlocked(int sig) {
  static const char msg[] =
      "after recovery: the second lock of the in-heap recursive mutex deadlocked "
      "(it came back as a normal mutex)\n";
  (void)sig;
  if (write(1, msg, sizeof msg - 1) < 0)
    _exit(1);
  _exit(1);
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  int rounds = argc > 2 ? atoi(argv[2]) : 3;
  pma_heap *h;
  struct root *r = sim_open_root(argv[1], 1u << 20, sizeof *r, &h);

  if (!r->inited) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_lock(&setup);
    pthread_mutex_init(&r->m, &a);
    r->inited = 1;
    pthread_mutex_unlock(&setup);
    pthread_mutexattr_destroy(&a);
  }

  signal(SIGALRM, deadlocked);
  for (int i = 0; i < rounds; i++) {
    alarm(10);
    pthread_mutex_lock(&r->m);
    pthread_mutex_lock(&r->m);
    r->rounds++;
    pthread_mutex_unlock(&r->m);
    pthread_mutex_unlock(&r->m);
    alarm(0);
  }
  pma_close(h);
  return 0;
}
