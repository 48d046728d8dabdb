/*
 * pmatomic.c -- the pmatomic command-line tool: dispatch to subcommands
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmatomic_tool.h"

/* tool_die -- print "pmatomic: <message>" and exit 2 */
void tool_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("pmatomic: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

/* tool_number -- parse option value as an integer in [lo, hi] or die saying so */
long tool_number(const char *opt, const char *s, long lo, long hi) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 0);
  if (errno || end == s || *end || v < lo || v > hi)
    tool_die("%s expects a whole number from %ld to %ld, found '%s'", opt, lo, hi, s);
  return v;
}

/* tool_subst -- malloc'd copy of s with every occurrence of pat replaced by rep */
char *tool_subst(const char *s, const char *pat, const char *rep) {
  size_t pl = strlen(pat), rl = strlen(rep), n = 0;
  for (const char *p = s; (p = strstr(p, pat)); p += pl)
    n++;
  char *out = malloc(strlen(s) + n * rl + 1), *o = out;
  if (!out)
    tool_die("out of memory");
  for (const char *p; (p = strstr(s, pat)); s = p + pl) {
    memcpy(o, s, (size_t)(p - s));
    o += p - s;
    memcpy(o, rep, rl);
    o += rl;
  }
  strcpy(o, s);
  return out;
}

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *what;
} cmds[] = {
    {"info", cmd_info, "describe a heap file: version, size, base, clean or not, logs, usage"},
    {"check", cmd_check, "verify every invariant of a heap file (never modifies it)"},
    {"recover", cmd_recover, "roll back incomplete FASEs of a heap without the application"},
    {"crashtest", cmd_crashtest, "power-failure crash testing of a program with the simulator"},
};

/* usage -- list the subcommands */
static void usage(FILE *f) {
  fputs("Usage: pmatomic COMMAND [OPTIONS] [ARGS]\n\nCommands:\n", f);
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].what);
  fputs("\n`pmatomic COMMAND --help` describes each command.\n", f);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(argv[1], cmds[i].name))
      return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "pmatomic: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
