// Every refused open says what it expected and what it found, and leaves the
// file byte-for-byte unchanged: bad sizes for a new heap, wrong magic, empty
// and truncated files, a file shorter than its header says, a version
// mismatch, a header checksum mismatch, a base address already in use, a
// second open in the same process, a heap held by another process, and the
// NOCREATE/CREATE_ONLY flags.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -rf %t.dir && mkdir %t.dir && %t %t.dir | FileCheck %s
// CHECK: size 0: heap size 0: a new heap needs a size > 0 (at least 393216 bytes); nothing created
// CHECK-NEXT: size 1000: heap size 1000 is not a multiple of the page size (4096); nothing created
// CHECK-NEXT: size 4096: heap size 4096 is too small: a heap needs at least 393216 bytes (header, 256 log slots, chunk map and 4 data chunks of 65536 bytes); nothing created
// CHECK-NEXT: magic: {{.*}}/bad is not a pmatomic heap: wrong magic (expected "PMATOMIC", found "NOTAHEAP"); unchanged
// CHECK-NEXT: binary magic: {{.*}} wrong magic (expected "PMATOMIC", found "\x00\x01PMATOM"); unchanged
// CHECK-NEXT: empty: {{.*}}/bad is empty (0 bytes): not a pmatomic heap (a heap starts with a 4096-byte header); unchanged
// CHECK-NEXT: truncated: {{.*}}/bad is truncated: 100 bytes (a pmatomic heap header alone needs 4096); unchanged
// CHECK-NEXT: short: {{.*}}/bad: file is 524288 bytes but its header says the heap is 1048576 bytes (truncated); unchanged
// CHECK-NEXT: long: {{.*}}/bad: file is 1052672 bytes but its header says the heap is 1048576 bytes; unchanged
// CHECK-NEXT: version: {{.*}}/bad: heap format version 2 (library expects 3); unchanged
// CHECK-NEXT: newer version: {{.*}}/bad: heap format version 4 (library expects 3); unchanged
// CHECK-NEXT: checksum: {{.*}}/bad: header checksum mismatch (stored 0x{{[0-9a-f]+}}, computed 0x{{[0-9a-f]+}}); unchanged
// CHECK-NEXT: base: {{.*}}/bad: base address unavailable: the heap must be mapped at 0x300000000000-0x300000100000, but that range is occupied by: 300000000000-300000001000 {{.*}}; unchanged
// CHECK-NEXT: second open: pma_open({{.*}}/good): a heap is already open in this process ({{.*}}/good); pmatomic supports one open heap per process
// CHECK-NEXT: other process: heap file {{.*}}/good is in use by another process (flock held); a heap can be open in one process at a time; unchanged
// CHECK-NEXT: nocreate: heap file {{.*}}/none does not exist (PMA_OPEN_NOCREATE); nothing created
// CHECK-NEXT: create-only: {{.*}}/good already exists (PMA_OPEN_CREATE_ONLY); unchanged
// CHECK-NEXT: good heap still opens: was_clean=1
#include "runtime-test.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

static char good[4096], bad[4096], none[4096];
static const char *dir;

/* nfiles -- entries in the test directory (temp files must not linger) */
static int nfiles(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* refuse -- open p must fail; print the message; p must be unchanged */
static void refuse(const char *label, const char *p, size_t size,
                   const struct pma_open_opts *o) {
  size_t n0 = 0, n1 = 0;
  char *before = slurp_if_present(p, &n0);
  int files = nfiles();
  pma_heap *h = pma_open_ex(p, size, o);
  CHECK(h == NULL);
  char *after = slurp_if_present(p, &n1);
  if (!before) {
    CHECK(!after && nfiles() == files);
    printf("%s: %s; nothing created\n", label, pma_errormsg());
  } else {
    CHECK(after && n0 == n1 && !memcmp(before, after, n0));
    printf("%s: %s; unchanged\n", label, pma_errormsg());
  }
  free(before);
  free(after);
}

/* make_bad -- bad := good with len bytes at off replaced by patch, and size */
static void make_bad(off_t off, const void *patch, size_t len, off_t size) {
  size_t n;
  char *g = slurp_if_present(good, &n);
  int fd = open(bad, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0 && write(fd, g, n) == (ssize_t)n);
  if (len)
    CHECK(pwrite(fd, patch, len, off) == (ssize_t)len);
  if (size >= 0)
    CHECK(ftruncate(fd, size) == 0);
  close(fd);
  free(g);
}

/* holder -- another process that keeps the heap open until its stdin closes */
static void holder(void *arg) {
  int *p = arg;
  pma_heap *h = pma_open(good, 0);
  CHECK(h);
  char c = 1;
  CHECK(write(p[1], &c, 1) == 1);
  CHECK(read(p[2], &c, 1) >= 0);
  pma_close(h);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  dir = argv[1];
  snprintf(good, sizeof good, "%s/good", dir);
  snprintf(bad, sizeof bad, "%s/bad", dir);
  snprintf(none, sizeof none, "%s/none", dir);

  refuse("size 0", none, 0, NULL);
  refuse("size 1000", none, 1000, NULL);
  refuse("size 4096", none, 4096, NULL);

  pma_heap *h = pma_open(good, 1 << 20);
  CHECK(h);
  CHECK(pma_close(h) == 0);

  make_bad(0, "NOTAHEAP", 8, -1);
  refuse("magic", bad, 0, NULL);
  make_bad(0, "\0\1PMATOM", 8, -1);
  refuse("binary magic", bad, 0, NULL);
  make_bad(0, "", 0, 0);
  refuse("empty", bad, 1 << 20, NULL);
  make_bad(0, "", 0, 100);
  refuse("truncated", bad, 0, NULL);
  make_bad(0, "", 0, 512 << 10);
  refuse("short", bad, 0, NULL);
  make_bad(0, "", 0, (1 << 20) + 4096);
  refuse("long", bad, 0, NULL);
  uint32_t older = PMA_FORMAT_VERSION - 1, newer = PMA_FORMAT_VERSION + 1;
  make_bad(8, &older, 4, -1);
  refuse("version", bad, 0, NULL);
  make_bad(8, &newer, 4, -1);
  refuse("newer version", bad, 0, NULL);
  make_bad(100, "x", 1, -1);
  refuse("checksum", bad, 0, NULL);

  make_bad(0, "", 0, -1);
  void *squat = mmap((void *)0x300000000000ul, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
                     MAP_FIXED_NOREPLACE, -1, 0);
  CHECK(squat == (void *)0x300000000000ul);
  refuse("base", bad, 0, NULL);
  munmap(squat, 4096);

  h = pma_open(good, 0);
  CHECK(h);
  CHECK(pma_open(good, 0) == NULL);
  printf("second open: %s\n", pma_errormsg());
  CHECK(pma_open(bad, 0) == NULL && strstr(pma_errormsg(), "already open"));
  CHECK(pma_close(h) == 0);

  int p[4];
  CHECK(pipe(p) == 0 && pipe(p + 2) == 0);
  int q[3] = {p[0], p[1], p[2]};
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[3]); /* so that the parent's close is our EOF */
    holder(q);
    _exit(0);
  }
  char c;
  CHECK(read(p[0], &c, 1) == 1);
  refuse("other process", good, 0, NULL);
  close(p[3]);
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

  struct pma_open_opts o = {.flags = PMA_OPEN_NOCREATE};
  refuse("nocreate", none, 1 << 20, &o);
  o.flags = PMA_OPEN_CREATE_ONLY;
  refuse("create-only", good, 1 << 20, &o);

  h = pma_open(good, 0);
  CHECK(h);
  printf("good heap still opens: was_clean=%d\n", pma_recovery(h)->was_clean);
  CHECK(pma_close(h) == 0);
  return 0;
}
