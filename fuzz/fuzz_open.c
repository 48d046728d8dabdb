/*
 * fuzz_open.c -- libFuzzer target: a heap image through every reader
 *
 * Each input is a heap image.  Its static header checksum is recomputed
 * first (otherwise nearly every mutation would stop at the checksum), then
 * the image is written to a temporary file and goes through `pmatomic check`,
 * `pmatomic info`, and pma_open (recovery, allocator rebuild) with a root
 * read and pma_close.  (No allocation: in a heap with no free chunk the first
 * FASE cannot get a log chunk, which is a documented fatal error.)  Properties: nothing crashes, aborts,
 * hangs or trips the sanitizers; and a heap that pma_open accepted and
 * pma_close closed passes `pmatomic check`.
 *
 * Seeds are real heaps made at start-up (LLVMFuzzerInitialize) into the
 * directory named by PMA_FUZZ_SEEDS, when set: a clean heap with small and
 * large blocks, and heaps left by a child killed inside a FASE (one short, one
 * whose log spans two chunks).  Nothing is committed: fuzz/run.sh makes the
 * directory and passes it as the corpus.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pmatomic.h>
#include <pmatomic_interface.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format.h"
#include "pmatomic_tool.h"

#define SEED_SIZE 393216 /* the smallest heap */

static char path[256];
static int devnull = -1, out_fd = -1;

/* tool_die -- the tool's fatal exit (pmatomic.c is not linked: it has main) */
void tool_die(const char *fmt, ...) {
  (void)fmt;
  abort();
}

/* seed_child -- fill a heap; mode 1 and 2 die inside a FASE that logged a
 * few bytes (1) or more than one log chunk holds (2) */
static void seed_child(const char *file, int mode) {
  pma_heap *h = pma_open(file, SEED_SIZE);
  if (!h)
    _exit(1);
  long *r = pma_root(h, 64);
  void *small = pma_malloc(50), *gone = pma_malloc(60);
  void *large = mode == 0 ? pma_malloc(70000) : NULL;
  pma_free(gone);
  pma_begin();
  __pma_store8(&r[0]);
  r[0] = (long)pma_usable_size(small);
  __pma_store8(&r[1]);
  r[1] = large != NULL;
  if (mode == 2)
    __pma_store_n(r, 100000); /* logged, not stored */
  if (mode)
    kill(getpid(), SIGKILL);
  pma_end();
  pma_close(h);
  _exit(0);
}

/* make_seeds -- real heaps into dir */
static void make_seeds(const char *dir) {
  static const char *names[] = {"clean.heap", "pending.heap", "pending-2chunks.heap"};
  for (int i = 0; i < 3; i++) {
    char file[512];
    snprintf(file, sizeof file, "%s/%s", dir, names[i]);
    unlink(file);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
      seed_child(file, i);
    int st;
    waitpid(pid, &st, 0);
  }
}

/* LLVMFuzzerInitialize -- temp file name, quiet stdout, seeds */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/pma-fuzz-%d.heap", tmp ? tmp : "/tmp", (int)getpid());
  const char *seeds = getenv("PMA_FUZZ_SEEDS");
  if (seeds)
    make_seeds(seeds);
  devnull = open("/dev/null", O_WRONLY);
  out_fd = dup(1);
  return 0;
}

/* quiet -- send stdout of the tool commands to /dev/null (on) or back; stderr
 * stays, so that a sanitizer's report is seen */
static void quiet(int on) {
  fflush(stdout);
  dup2(on ? devnull : out_fd, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (8u << 20))
    return 0;
  uint8_t *img = malloc(size ? size : 1);
  memcpy(img, data, size);
  if (size >= sizeof(struct pma_hdr_static)) {
    struct pma_hdr_static s;
    memcpy(&s, img, sizeof s);
    s.checksum = pma_hdr_checksum(&s);
    memcpy(img + offsetof(struct pma_hdr_static, checksum), &s.checksum, 8);
  }
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || (size && write(fd, img, size) != (ssize_t)size))
    abort();
  close(fd);
  free(img);

  char *argv[] = {"check", path, NULL};
  quiet(1);
  cmd_check(2, argv);
  argv[0] = "info";
  cmd_info(2, argv);
  quiet(0);

  struct pma_open_opts o = {.flags = PMA_OPEN_NOCREATE};
  pma_heap *h = pma_open_ex(path, 0, &o);
  if (h) {
    volatile char sink = 0;
    size_t rs = pma_root_size(h);
    char *r = rs ? pma_root(h, 0) : NULL;
    for (size_t i = 0; r && i < rs; i += 64)
      sink += r[i];
    if (pma_close(h))
      abort();
    argv[0] = "check";
    quiet(1);
    int rc = cmd_check(2, argv);
    quiet(0);
    if (rc) {
      /* accepted and closed, yet inconsistent: show why, then report */
      cmd_check(2, argv);
      fflush(stdout);
      fprintf(stderr, "fuzz_open: pma_open accepted the heap but `pmatomic check` rejects it "
                      "after pma_close\n");
      abort();
    }
  }
  unlink(path);
  return 0;
}
