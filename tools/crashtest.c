/*
 * crashtest.c -- `pmatomic crashtest`: power-failure crash testing of a program
 *
 * Drives a program that uses a pmatomic heap through the crash simulator
 * (PMA_MODE=sim, docs/design.md section 7):
 *
 *   1. run PROG once on a fresh heap to count its persistence events N;
 *   2. for each chosen crash point k in 1..N and each image policy, run PROG
 *      crashing at event k (the simulator writes the media image - what was
 *      flushed and fenced, plus what the policy lets through - and exits 86);
 *   3. run PROG again: it recovers and must exit 0 (its own invariant check);
 *   4. for sampled points, crash during that recovery at each of its events,
 *      and during the recovery of the recovery (two deep), and at a few
 *      events after the recovery (the recovered program's own work), then
 *      check.
 *
 * A run "crashed at k" when it exits with status 86 and its report says
 * crashed=1.  A program that exits without pma_close also leaves a crash
 * image (crashed=1) but keeps its own exit status: for the driver that is a
 * run that ended before its crash point.
 *
 * PROG ARGS is run with every "%h" in ARGS replaced by the heap path.  PROG
 * must open the heap, check its invariants (exit 1 if broken), do a bounded
 * amount of work and exit 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pmatomic_tool.h"

#define SIM_EXIT 86

enum policy { POL_NONE, POL_ALL, POL_RANDOM, POL_PREFIX, NPOL };
static const char *const policy_names[NPOL] = {"none", "all", "random", "prefix"};

struct ct_opts {
  long points;          /* 0 = every point */
  int images;           /* random/prefix images per point */
  unsigned policies;    /* bit per enum policy */
  uint64_t seed;
  int rec_depth;        /* 0, 1 or 2 */
  long rec_points;      /* crash points that also get recovery crashes */
  long post_points;     /* of those, crashes after the recovery (in the program) */
  int stop;             /* stop at the first failure */
  int timeout;          /* seconds per run */
  long only_point;      /* replay one point (with only_policy/seed) */
  int verbose, quiet;
  char **argv;          /* PROG ARGS (with %h) */
  int argc;
};

struct ct_run {
  int status;           /* exit code, or 128+signal, or -1 on timeout */
  long events, rec_events;
  int crashed;          /* exit 86 and crashed=1: the power failed at the crash point */
  long deps_rolled;     /* committed FASEs its open rolled back with the FASE they read from */
  char *output;         /* combined stdout+stderr (malloc'd) */
};

struct ct_totals {
  long runs, points, images, rec_crashes, post_crashes, failures;
  long dep_images;      /* images whose recovery rolled back a committed dependent */
};

static char heap_path[PATH_MAX];
static char report_path[PATH_MAX];
static char out_path[PATH_MAX];

/* rng -- splitmix64: reproducible sampling from the seed */
static uint64_t rng(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* slurp -- read a whole small file into a malloc'd string ("" if absent) */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return strdup("");
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += r;
    if (n + 1 >= cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (!buf)
    return strdup("");
  buf[n] = '\0';
  return buf;
}

/* report_value -- the number after "key=" in the simulator's report, or -1 */
static long report_value(const char *rep, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = rep; (p = strstr(p, key)); p += kl)
    if ((p == rep || p[-1] == ' ' || p[-1] == '\n') && p[kl] == '=')
      return strtol(p + kl + 1, NULL, 10);
  return -1;
}

/* run_prog -- run PROG ARGS under the simulator; crash_at 0 = no crash */
static void run_prog(const struct ct_opts *o, long crash_at, enum policy pol, uint64_t seed,
                     struct ct_run *r) {
  memset(r, 0, sizeof *r);
  unlink(report_path);
  char **av = calloc((size_t)o->argc + 1, sizeof *av);
  for (int i = 0; i < o->argc; i++)
    av[i] = tool_subst(o->argv[i], "%h", heap_path);
  pid_t pid = fork();
  if (pid < 0)
    tool_die("crashtest: fork: %s", strerror(errno));
  if (pid == 0) {
    char buf[32];
    setenv("PMA_MODE", "sim", 1);
    setenv("PMA_SIM_REPORT", report_path, 1);
    snprintf(buf, sizeof buf, "%ld", crash_at);
    setenv("PMA_SIM_CRASH_AT", buf, 1);
    setenv("PMA_SIM_POLICY", policy_names[pol], 1);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
    setenv("PMA_SIM_SEED", buf, 1);
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execvp(av[0], av);
    fprintf(stderr, "cannot run %s: %s\n", av[0], strerror(errno));
    _exit(127);
  }
  for (int i = 0; i < o->argc; i++)
    free(av[i]);
  free(av);
  int st = 0;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid)
      break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec >= o->timeout) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      r->status = -1;
      break;
    }
    struct timespec d = {0, 200000};
    nanosleep(&d, NULL);
  }
  if (r->status != -1)
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  char *rep = slurp(report_path);
  r->events = report_value(rep, "events");
  r->rec_events = report_value(rep, "recovery_events");
  r->crashed = r->status == SIM_EXIT && report_value(rep, "crashed") == 1;
  r->deps_rolled = report_value(rep, "dependents_rolled_back");
  free(rep);
  r->output = slurp(out_path);
}

/* describe -- how a run ended, for messages */
static const char *describe(const struct ct_run *r, char *buf, size_t n) {
  if (r->status == -1)
    snprintf(buf, n, "timed out");
  else if (r->status >= 128)
    snprintf(buf, n, "killed by signal %d", r->status - 128);
  else
    snprintf(buf, n, "exit %d", r->status);
  return buf;
}

/* print_cmd -- PROG ARGS as the user typed them (for reproducer lines) */
static void print_cmd(FILE *f, const struct ct_opts *o) {
  for (int i = 0; i < o->argc; i++)
    fprintf(f, " %s", o->argv[i]);
}

/* fail -- report one failure with the command that reproduces it */
static void fail(const struct ct_opts *o, struct ct_totals *t, const char *what, long k,
                 enum policy pol, uint64_t seed, const long *rec, int depth,
                 const struct ct_run *r) {
  char d[64];
  t->failures++;
  fprintf(stdout, "\nFAIL: %s (crash point %ld, policy %s, seed %llu", what, k, policy_names[pol],
          (unsigned long long)seed);
  for (int i = 0; i < depth; i++)
    fprintf(stdout, ", recovery crash %d at %ld", i + 1, rec[i]);
  fprintf(stdout, "): %s\n", describe(r, d, sizeof d));
  const char *out = r->output ? r->output : "";
  size_t len = strlen(out);
  fprintf(stdout, "  output: %.*s%s\n", (int)(len > 600 ? 600 : len), out, len > 600 ? "..." : "");
  fprintf(stdout, "  reproduce: pmatomic crashtest --point %ld --policy %s --seed %llu", k,
          policy_names[pol], (unsigned long long)seed);
  if (depth)
    fprintf(stdout, " --recovery-at %ld", rec[0]);
  if (depth > 1)
    fprintf(stdout, ",%ld", rec[1]);
  fprintf(stdout, " --");
  print_cmd(stdout, o);
  fprintf(stdout, "\n");
}

/* one_image -- crash at k with (pol, seed), optionally crash inside the next
 * recoveries at rec[0..depth-1], then check; 0 if the final check passed,
 * 1 on failure, 2 if k lies past the end of the run */
static int one_image(const struct ct_opts *o, struct ct_totals *t, long k, enum policy pol,
                     uint64_t seed, const long *rec, int depth) {
  struct ct_run r;
  unlink(heap_path);
  run_prog(o, k, pol, seed, &r);
  t->runs++;
  if (!r.crashed) {
    int past = r.status == 0;
    if (!past)
      fail(o, t, "the crashing run failed before reaching its crash point", k, pol, seed, rec, 0, &r);
    free(r.output);
    return past ? 2 : 1;
  }
  free(r.output);
  int dep_seen = 0;
  for (int i = 0; i < depth; i++) {
    run_prog(o, rec[i], pol, seed + (uint64_t)i + 1, &r);
    t->runs++;
    t->rec_crashes++;
    dep_seen |= r.deps_rolled > 0;
    if (!r.crashed && r.status != 0) {
      fail(o, t, "a run crashed during recovery failed", k, pol, seed, rec, i + 1, &r);
      free(r.output);
      return 1;
    }
    free(r.output);
    if (!r.crashed)
      break; /* recovery had fewer events than rec[i]: the run completed */
  }
  run_prog(o, 0, POL_NONE, 0, &r);
  t->runs++;
  dep_seen |= r.deps_rolled > 0;
  t->dep_images += dep_seen;
  int bad = r.status != 0;
  if (bad)
    fail(o, t, "recovery + invariant check failed", k, pol, seed, rec, depth, &r);
  free(r.output);
  return bad;
}

/* recovery_events -- how many persistence events the recovery after a crash
 * at (k, pol, seed) takes (-1 if unknown); *total: events of that whole run */
static long recovery_events(const struct ct_opts *o, struct ct_totals *t, long k, enum policy pol,
                            uint64_t seed, long *total) {
  struct ct_run r;
  unlink(heap_path);
  run_prog(o, k, pol, seed, &r);
  free(r.output);
  run_prog(o, 0, POL_NONE, 0, &r);
  t->runs += 2;
  free(r.output);
  *total = r.events;
  return r.rec_events;
}

/* rec_point -- is crash point number idx (of n) one of the m whose recovery
 * is crashed too: m points spread evenly over the run, not its first m */
static int rec_point(long idx, long n, long m) {
  if (m >= n)
    return 1;
  return (idx + 1) * m / n != idx * m / n;
}

/* tool_basename -- the last component of a path */
static const char *tool_basename(const char *p) {
  const char *b = strrchr(p, '/');
  return b ? b + 1 : p;
}

/* clean_dir -- remove everything in the scratch directory (PROG may leave
 * files next to the heap), then the directory */
static void clean_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
      }
    closedir(d);
  }
  rmdir(dir);
}

/* usage -- the man-page-style help */
static void usage(FILE *f) {
  fputs("Usage: pmatomic crashtest [OPTIONS] -- PROG [ARGS...]\n"
        "\n"
        "Power-failure crash testing.  Runs PROG under the crash simulator (PMA_MODE=sim):\n"
        "once to count its persistence events (every flush, fence, FASE begin/commit and\n"
        "instrumented store), then, for each chosen crash point and image policy, crashes it\n"
        "there (the simulator writes the crash image and exits 86), reruns it (recovery +\n"
        "PROG's own check), and crashes some recoveries too.  Every \"%h\" in ARGS is\n"
        "replaced by the heap file path; PROG may keep other files next to it.  PROG must\n"
        "exit 0 when its invariants hold.  See docs/crashtest.md.\n"
        "\n"
        "Options:\n"
        "  --points N          sample N crash points (default: every point)\n"
        "  --policies LIST     image policies, comma separated, from none,all,random,prefix\n"
        "                      (default none,prefix,random)\n"
        "  --images K          images per point for random and prefix (default 1)\n"
        "  --seed S            seed for sampling and images (default 1)\n"
        "  --recovery-depth D  crash inside recovery 0, 1 or 2 deep (default 2)\n"
        "  --recovery-points M crash points whose recovery is crashed too, spread over\n"
        "                      the run (default 8)\n"
        "  --post-recovery N   for each of those, also crash at N sampled events after\n"
        "                      the recovery, in the recovered program (default 2)\n"
        "  -x, --stop          stop at the first failure\n"
        "  --timeout SEC       limit per run (default 60)\n"
        "  --point K --policy P [--recovery-at J[,J2]]\n"
        "                      replay one image (what a failure line prints)\n"
        "  -v, --verbose       print every image\n"
        "  -q, --quiet         no progress line\n"
        "  -h, --help          this text\n"
        "\n"
        "Exit status: 0 no failure, 1 a failure (each printed with the command that\n"
        "reproduces it), 2 usage error.  Single-threaded programs are reproducible\n"
        "event for event; in multi-threaded ones the event count depends on thread\n"
        "scheduling, so a replay may crash at a different store.\n",
        f);
}

/* parse_policies -- "none,prefix" -> bit set; -1 on a bad name */
static int parse_policies(const char *s, unsigned *out) {
  *out = 0;
  char *dup = strdup(s), *save = NULL;
  for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int found = 0;
    for (int p = 0; p < NPOL; p++)
      if (!strcmp(tok, policy_names[p])) {
        *out |= 1u << p;
        found = 1;
      }
    if (!found) {
      fprintf(stderr, "pmatomic crashtest: unknown policy '%s' (expected none, all, random or prefix)\n", tok);
      free(dup);
      return -1;
    }
  }
  free(dup);
  return *out ? 0 : -1;
}

/* cmd_crashtest -- entry point of `pmatomic crashtest` */
int cmd_crashtest(int argc, char **argv) {
  struct ct_opts o = {.images = 1, .seed = 1, .rec_depth = 2, .rec_points = 8, .post_points = 2,
                      .timeout = 60,
                      .policies = (1u << POL_NONE) | (1u << POL_PREFIX) | (1u << POL_RANDOM)};
  long rec_at[2] = {0, 0};
  int nrec_at = 0, one_pol = -1, i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      i++;
      break;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
      o.verbose = 1;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      o.quiet = 1;
    } else if (!strcmp(a, "-x") || !strcmp(a, "--stop")) {
      o.stop = 1;
    } else if (v && !strcmp(a, "--post-recovery")) {
      o.post_points = tool_number(a, argv[++i], 0, LONG_MAX);
    } else if (v && !strcmp(a, "--points")) {
      o.points = tool_number(a, argv[++i], 1, LONG_MAX);
    } else if (v && !strcmp(a, "--images")) {
      o.images = (int)tool_number(a, argv[++i], 1, 1000000);
    } else if (v && !strcmp(a, "--seed")) {
      o.seed = (uint64_t)tool_number(a, argv[++i], 0, LONG_MAX);
    } else if (v && !strcmp(a, "--recovery-depth")) {
      o.rec_depth = (int)tool_number(a, argv[++i], 0, 2);
    } else if (v && !strcmp(a, "--recovery-points")) {
      o.rec_points = tool_number(a, argv[++i], 0, LONG_MAX);
    } else if (v && !strcmp(a, "--timeout")) {
      o.timeout = (int)tool_number(a, argv[++i], 1, 86400);
    } else if (v && !strcmp(a, "--point")) {
      o.only_point = tool_number(a, argv[++i], 1, LONG_MAX);
    } else if (v && !strcmp(a, "--policies")) {
      if (parse_policies(argv[++i], &o.policies))
        return 2;
    } else if (v && !strcmp(a, "--policy")) {
      unsigned bits;
      if (parse_policies(argv[++i], &bits) || (bits & (bits - 1))) {
        fprintf(stderr, "pmatomic crashtest: --policy takes one policy name\n");
        return 2;
      }
      one_pol = __builtin_ctz(bits);
    } else if (v && !strcmp(a, "--recovery-at")) {
      char *end;
      rec_at[0] = strtol(argv[++i], &end, 10);
      nrec_at = 1;
      if (*end == ',') {
        rec_at[1] = strtol(end + 1, &end, 10);
        nrec_at = 2;
      }
      if (*end || rec_at[0] < 1 || (nrec_at == 2 && rec_at[1] < 1)) {
        fprintf(stderr, "pmatomic crashtest: --recovery-at expects J or J,J2 (positive event numbers), found '%s'\n", argv[i]);
        return 2;
      }
    } else {
      fprintf(stderr, "pmatomic crashtest: unknown option '%s' (see pmatomic crashtest --help)\n", a);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "pmatomic crashtest: expected '-- PROG [ARGS...]' after the options\n");
    return 2;
  }
  o.argv = argv + i;
  o.argc = argc - i;
  int has_h = 0;
  for (int j = 0; j < o.argc; j++)
    has_h |= strstr(o.argv[j], "%h") != NULL;
  if (!has_h) {
    fprintf(stderr, "pmatomic crashtest: no \"%%h\" in PROG ARGS: the program must be told the heap path\n");
    return 2;
  }

  char dir[] = "/tmp/pmatomic-crashtest-XXXXXX";
  if (!mkdtemp(dir))
    tool_die("crashtest: mkdtemp: %s", strerror(errno));
  snprintf(heap_path, sizeof heap_path, "%s/heap", dir);
  snprintf(report_path, sizeof report_path, "%s/report", dir);
  snprintf(out_path, sizeof out_path, "%s/output", dir);
  struct ct_totals t = {0};
  int rc = 0;

  if (o.only_point) {
    enum policy pol = one_pol >= 0 ? (enum policy)one_pol : POL_NONE;
    int r = one_image(&o, &t, o.only_point, pol, o.seed, rec_at, nrec_at);
    if (r == 2)
      printf("crash point %ld lies past the end of the run: nothing to test\n", o.only_point);
    else if (r == 0)
      printf("crash point %ld, policy %s, seed %llu: recovered and checked OK\n", o.only_point,
             policy_names[pol], (unsigned long long)o.seed);
    rc = r == 1;
    goto out;
  }

  /* count the events of a clean run */
  struct ct_run base;
  unlink(heap_path);
  run_prog(&o, 0, POL_NONE, 0, &base);
  t.runs++;
  if (base.status != 0 || base.events < 0) {
    char d[64];
    printf("pmatomic crashtest: the uncrashed run of");
    print_cmd(stdout, &o);
    printf(" did not succeed (%s%s)\n  output: %s\n", describe(&base, d, sizeof d),
           base.events < 0 ? ", no simulator report: is it linked with libpmatomic_rt and does it open %h?" : "",
           base.output);
    free(base.output);
    rc = 1;
    goto out;
  }
  free(base.output);
  long n = base.events;
  long npoints = o.points && o.points < n ? o.points : n;
  uint64_t s = o.seed;
  int tty = isatty(2) && !o.quiet;
  printf("crashtest:");
  print_cmd(stdout, &o);
  printf("\n  %ld persistence events in a clean run; testing %ld crash points%s\n", n, npoints,
         npoints < n ? " (sampled)" : "");
  fflush(stdout);

  for (long idx = 0; idx < npoints; idx++) {
    long k = npoints < n ? 1 + (long)(rng(&s) % (uint64_t)n) : idx + 1;
    t.points++;
    for (int p = 0; p < NPOL && !(o.stop && t.failures); p++) {
      if (!(o.policies & (1u << p)))
        continue;
      int reps = (p == POL_RANDOM || p == POL_PREFIX) ? o.images : 1;
      for (int rep = 0; rep < reps && !(o.stop && t.failures); rep++) {
        uint64_t seed = rng(&s) % 1000000007u;
        int r = one_image(&o, &t, k, (enum policy)p, seed, NULL, 0);
        if (r == 2)
          continue;
        t.images++;
        if (o.verbose)
          printf("  point %ld policy %s seed %llu: %s\n", k, policy_names[p],
                 (unsigned long long)seed, r ? "FAIL" : "ok");
      }
    }
    /* crash inside the recovery of rec_points points spread over the run,
     * one and two deep, and a little after it */
    if (o.rec_depth > 0 && rec_point(idx, npoints, o.rec_points)) {
      enum policy pol = (o.policies & (1u << POL_RANDOM)) ? POL_RANDOM : POL_NONE;
      uint64_t seed = rng(&s) % 1000000007u;
      long total, re = recovery_events(&o, &t, k, pol, seed, &total);
      for (long j = 1; j <= re && !(o.stop && t.failures); j++) {
        long rec[2] = {j, 0};
        t.images += one_image(&o, &t, k, pol, seed, rec, 1) != 2;
        if (o.rec_depth > 1) {
          rec[1] = 1 + (long)(rng(&s) % (uint64_t)re);
          t.images += one_image(&o, &t, k, pol, seed, rec, 2) != 2;
        }
      }
      for (long j = 0; j < o.post_points && total > re && !(o.stop && t.failures); j++) {
        long rec[2] = {re + 1 + (long)(rng(&s) % (uint64_t)(total - re)), 0};
        long before = t.rec_crashes;
        t.images += one_image(&o, &t, k, pol, seed, rec, 1) != 2;
        t.post_crashes += t.rec_crashes - before;
        t.rec_crashes = before;
      }
    }
    if (o.stop && t.failures)
      break;
    if (tty) {
      fprintf(stderr, "\r  point %ld/%ld: %ld images, %ld failures", idx + 1, npoints, t.images, t.failures);
      fflush(stderr);
    }
  }
  if (tty)
    fprintf(stderr, "\n");
  printf("crashtest: %ld points, %ld images (%ld crashes inside recovery, %ld after it), %ld runs, "
         "%ld failures [%s]; %ld images rolled back a committed FASE that read from an "
         "incomplete one\n",
         t.points, t.images, t.rec_crashes, t.post_crashes, t.runs, t.failures,
         tool_basename(o.argv[0]), t.dep_images);
  rc = t.failures != 0;
out:
  clean_dir(dir);
  return rc;
}
