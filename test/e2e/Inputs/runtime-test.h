/*
 * runtime-test.h -- helpers for the runtime e2e tests (test/e2e/runtime-*.c)
 *
 * The tests call the store hooks by hand, exactly where the pass would put
 * them: ST(x, v) is "__pma_storeN(&x); x = v;".  Crashes happen in forked
 * children so the parent can reopen the heap and look at the result.
 */
#ifndef RUNTIME_TEST_H
#define RUNTIME_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <pmatomic.h>
#include <pmatomic_interface.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* CHECK -- fail the test with the line, the condition and pma_errormsg() */
#define CHECK(c)                                                                      \
  do {                                                                                \
    if (!(c)) {                                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s (pma_errormsg: \"%s\")\n", __FILE__,   \
              __LINE__, #c, pma_errormsg());                                          \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)

/* hook -- the store hook the pass would pick for an n-byte store */
static inline void hook(void *p, size_t n) {
  switch (n) {
  case 1: __pma_store1(p); break;
  case 2: __pma_store2(p); break;
  case 4: __pma_store4(p); break;
  case 8: __pma_store8(p); break;
  case 16: __pma_store16(p); break;
  default: __pma_store_n(p, n); break;
  }
}

/* ST -- an instrumented store: hook, then the store */
#define ST(lv, val)                                                                   \
  do {                                                                                \
    __typeof__(lv) *st_p_ = &(lv);                                                    \
    hook(st_p_, sizeof *st_p_);                                                       \
    *st_p_ = (val);                                                                   \
  } while (0)

/* MEMCPY / MEMSET -- instrumented memcpy/memset */
#define MEMCPY(d, s, n) (__pma_store_n((d), (n)), memcpy((d), (s), (n)))
#define MEMSET(d, c, n) (__pma_store_n((d), (n)), memset((d), (c), (n)))

enum crash { CRASH_EXIT, CRASH_ABORT, CRASH_KILL };

/* crash -- end the process the way a crash would, without any cleanup */
static inline void crash(enum crash how) {
  switch (how) {
  case CRASH_EXIT: _exit(42);
  case CRASH_ABORT: {
    struct rlimit no = {0, 0};
    setrlimit(RLIMIT_CORE, &no);
    abort();
  }
  case CRASH_KILL: kill(getpid(), SIGKILL);
  }
  _exit(43);
}

/* in_child -- run fn(arg) in a child process; returns its wait status */
static inline int in_child(void (*fn)(void *), void *arg) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    fn(arg);
    _exit(0);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  return st;
}

/* crashed -- did status st come from one of the crash() kinds */
static inline int crashed(int st) {
  return (WIFEXITED(st) && WEXITSTATUS(st) == 42) ||
         (WIFSIGNALED(st) && (WTERMSIG(st) == SIGKILL || WTERMSIG(st) == SIGABRT));
}

/* slurp_if_present -- the whole file (size in *n), NULL if it does not exist */
static inline char *slurp_if_present(const char *p, size_t *n) {
  int fd = open(p, O_RDONLY);
  if (fd < 0)
    return NULL;
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  char *b = malloc((size_t)st.st_size + 1);
  CHECK(b && pread(fd, b, (size_t)st.st_size, 0) == st.st_size);
  close(fd);
  *n = (size_t)st.st_size;
  return b;
}

/* slurp -- the whole file (size in *n); it must exist */
static inline char *slurp(const char *p, size_t *n) {
  char *b = slurp_if_present(p, n);
  CHECK(b != NULL);
  return b;
}

/* spit -- write n bytes to p (created or truncated) */
static inline void spit(const char *p, const char *b, size_t n) {
  int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0 && pwrite(fd, b, n, 0) == (ssize_t)n);
  close(fd);
}

#endif
