/*
 * errormsg.c -- thread-local error messages and fatal errors
 *
 * Public functions that fail return NULL or a negative errno and leave a
 * message here for the calling thread (PMDK's habit): the message says what
 * was expected and what was found.  Broken invariants on paths that cannot
 * return an error go through pma_fatal(): message to stderr, then abort().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define PMA_ERRMSG_MAX 512

static __thread char errbuf[PMA_ERRMSG_MAX];

/* pma_errormsg -- last error message of the calling thread ("" if none) */
PMA_EXPORT const char *pma_errormsg(void) { return errbuf; }

/* pma_err -- record a printf-style message for the calling thread */
void pma_err(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof errbuf, fmt, ap);
  va_end(ap);
}

/* pma_err_clear -- forget the last message (a successful call) */
void pma_err_clear(void) { errbuf[0] = '\0'; }

/* pma_fatal -- print "pmatomic: fatal: ..." to stderr and abort */
_Noreturn void pma_fatal(const char *fmt, ...) {
  char buf[PMA_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    n = 0;
  if ((size_t)n >= sizeof buf)
    n = sizeof buf - 1;
  /* write(2), not stdio: we may be deep inside a store hook or a signal-ish
   * context where stdio locks are unsafe. */
  static const char pfx[] = "pmatomic: fatal: ";
  ssize_t r = write(STDERR_FILENO, pfx, sizeof pfx - 1);
  r = write(STDERR_FILENO, buf, (size_t)n);
  r = write(STDERR_FILENO, "\n", 1);
  (void)r;
  abort();
}
