// Bit flips in the heap's metadata never crash, hang or misapply.  A sample
// heap holds a root {a, b, x} with the invariant a == b (both 5, committed);
// a child starts a FASE that stores a = 6 and then x = 7 and is killed, so the
// log holds a pending FASE whose rollback is needed for a == b.  For every bit
// of the static header (256 bytes), the dynamic header's fields, the log slot
// in use, the log chunk header and the pending FASE's records, a copy of the
// heap with that bit flipped is opened in a child process (10 s alarm):
// - either pma_open refuses with a message,
// - or it opens and then a == b holds, pma_malloc/pma_free work and pma_close
//   returns 0.
// Anything else (a signal, a timeout, a == b broken, an empty message) is a
// failure.  The slot's retired_seq and head_seq and the header's recovering
// word are sealed (design.md section 5), so even the flip that would turn
// retired_seq into the pending FASE's own number (2 -> 3 here) is refused.
// `pmatomic check` runs on the same copy: it must exit 0 or 1 (never crash),
// and 1 whenever the open refused.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -rf %t.dir && mkdir %t.dir && %t %t.dir %pmatomic | FileCheck %s
// CHECK: static header: 2048 bits: 2048 refused, 0 opened consistent, 0 failures
// CHECK-NEXT: dynamic header: 320 bits: {{[0-9]+}} refused, {{[0-9]+}} opened consistent, 0 failures
// CHECK-NEXT: log slot 0: 256 bits: {{[0-9]+}} refused, {{[0-9]+}} opened consistent, 0 failures
// CHECK-NEXT: log chunk header: 128 bits: {{[0-9]+}} refused, {{[0-9]+}} opened consistent, 0 failures
// CHECK-NEXT: pending records: 384 bits: {{[0-9]+}} refused, {{[0-9]+}} opened consistent, 0 failures
// CHECK-NEXT: total: 3136 bits flipped, {{[0-9]+}} refused, {{[0-9]+}} opened consistent, 0 failures; pmatomic check agreed on every refusal
#include "runtime-test.h"
#include <fcntl.h>
#include <sys/stat.h>

struct root { long a, b, x; };
static char sample[4096], copy[4096];
static const char *tool;
static unsigned long tot_bits, tot_refused, tot_ok, tot_fail, check_disagree;

/* child -- start a FASE that breaks a == b until it also stores b; die inside it */
static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(sample, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  ST(r->a, 6);
  ST(r->x, 7);
  crash(CRASH_KILL);
}

/* trial -- in a child: open the copy; exit 10 refused, 0 consistent, else failure */
static void trial(void *arg) {
  (void)arg;
  alarm(10);
  pma_heap *h = pma_open(copy, 0);
  if (!h)
    _exit(pma_errormsg()[0] ? 10 : 11);
  struct root *r = pma_root(h, 0);
  if (!r)
    _exit(12);
  if (r->a != r->b) {
    fprintf(stderr, "a=%ld b=%ld after open: ", r->a, r->b);
    _exit(13);
  }
  void *p = pma_malloc(100);
  if (!p)
    _exit(14);
  pma_free(p);
  _exit(pma_close(h) == 0 ? 0 : 15);
}

/* run_check -- `pmatomic check` on the copy: its exit status, or -1 if it did not exit */
static int run_check(void) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    alarm(10);
    execl(tool, tool, "check", copy, (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* region -- flip every bit of img[off, off+len) in turn */
static void region(const char *label, const char *img, size_t n, size_t off, size_t len) {
  int fd = open(copy, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  char *b = malloc(n);
  unsigned long refused = 0, ok = 0, fail = 0;
  for (size_t bit = 0; bit < 8 * len; bit++) {
    memcpy(b, img, n);
    b[off + bit / 8] ^= (char)(1 << (bit % 8));
    CHECK(pwrite(fd, b, n, 0) == (ssize_t)n);
    int cst = run_check(); /* before the open: a successful open changes the file */
    int st = in_child(trial, NULL);
    int refusal = WIFEXITED(st) && WEXITSTATUS(st) == 10;
    if (refusal)
      refused++;
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
      ok++;
    else {
      fail++;
      fprintf(stderr, "FAIL: %s: byte %zu bit %zu: %s %d\n", label, off + bit / 8, bit % 8,
              WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    if (cst != 0 && cst != 1) {
      check_disagree++;
      fprintf(stderr, "FAIL: %s: byte %zu bit %zu: pmatomic check status %d\n", label,
              off + bit / 8, bit % 8, cst);
    } else if (refusal && cst != 1) {
      check_disagree++;
      fprintf(stderr, "FAIL: %s: byte %zu bit %zu: open refused, pmatomic check said 0\n", label,
              off + bit / 8, bit % 8);
    }
  }
  free(b);
  close(fd);
  printf("%s: %zu bits: %lu refused, %lu opened consistent, %lu failures\n", label, 8 * len,
         refused, ok, fail);
  tot_bits += 8 * len;
  tot_refused += refused;
  tot_ok += ok;
  tot_fail += fail;
}

int main(int argc, char **argv) {
  CHECK(argc == 3);
  tool = argv[2];
  snprintf(sample, sizeof sample, "%s/sample", argv[1]);
  snprintf(copy, sizeof copy, "%s/copy", argv[1]);
  pma_heap *h = pma_open(sample, 393216);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  CHECK(r);
  pma_begin();
  ST(r->a, 5);
  ST(r->b, 5);
  pma_end();
  CHECK(pma_close(h) == 0);
  CHECK(crashed(in_child(child, NULL)));

  int fd = open(sample, O_RDONLY);
  struct stat st;
  CHECK(fd >= 0 && fstat(fd, &st) == 0);
  size_t n = (size_t)st.st_size;
  char *img = malloc(n);
  CHECK(pread(fd, img, n, 0) == (ssize_t)n);
  close(fd);

  uint64_t first, hdr0, hdr1;
  memcpy(&first, img + 4096 + 8, 8); /* slot 0: retired_seq, first_chunk, owner_tid */
  CHECK(first && first < n);
  memcpy(&hdr0, img + first + 16, 8);
  size_t r1 = (size_t)first + 16 + 16 + ((((hdr0 >> 48) & 0x3fff) + 7) & ~7ull);
  memcpy(&hdr1, img + r1, 8);
  size_t end = r1 + 16 + ((((hdr1 >> 48) & 0x3fff) + 7) & ~7ull);

  region("static header", img, n, 0, 256);
  region("dynamic header", img, n, 256, 40); /* clean, root off/size, open count, recovering */
  region("log slot 0", img, n, 4096, 32);    /* retired_seq, first_chunk, owner_tid, head_seq */
  region("log chunk header", img, n, first, 16);
  region("pending records", img, n, first + 16, end - first - 16);
  printf("total: %lu bits flipped, %lu refused, %lu opened consistent, %lu failures; %s\n",
         tot_bits, tot_refused, tot_ok, tot_fail,
         check_disagree ? "pmatomic check DISAGREED" : "pmatomic check agreed on every refusal");
  free(img);
  return tot_fail || check_disagree;
}
