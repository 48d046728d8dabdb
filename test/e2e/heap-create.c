// Heap creation (issue #18 item 8).  A new heap is built in an unnamed
// O_TMPFILE file and linked in when complete, so a creation killed part-way
// leaves nothing; where that is not available it is built under a named
// temporary "<heap>.tmp.<pid>.<8 hex>", which a killed creation leaves behind
// and the next pma_open removes when its creator is gone, keeping the
// temporaries of live creators (a flock on the file, or a pid that names a
// live process) and every file that is not exactly that pattern.
// PMA_PREALLOC chooses whether a new heap has all its blocks reserved (full)
// or is sparse; unset, process mode is sparse and pmem mode full.
// PMA_TEST_CREATE (tests only) forces the named temporary and kills the
// creator once the new file is sized.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -rf %t.d && mkdir %t.d && env PMA_VERBOSE=1 %t %t.d/h.heap 2>&1 | FileCheck %s
//
// CHECK: killed creation, unnamed file: 0 files left
// CHECK-NEXT: killed creation, named temporary: 1 file left
// The killed creators' temporaries are removed, with a message under PMA_VERBOSE:
// CHECK-DAG: pmatomic: removed {{.*}}/h.heap.tmp.[[DEAD:[0-9]+]].0badc0de: the temporary file of a heap creation that process [[DEAD]] did not finish (1048576 bytes; that process no longer exists)
// CHECK-DAG: pmatomic: removed {{.*}}/h.heap.tmp.[[KILLED:[0-9]+]].{{[0-9a-f]+}}: the temporary file of a heap creation that process [[KILLED]] did not finish (8388608 bytes; that process no longer exists)
// CHECK-NOT: pmatomic: removed
// CHECK: pmatomic: opened {{.*}}h.heap (process mode, 8388608 bytes at {{.*}}, created, sparse)
// CHECK: killed creator's temporary: removed
// CHECK-NEXT: killed creation's named temporary: removed
// CHECK-NEXT: live creator (flock): kept
// CHECK-NEXT: live pid, no flock yet: kept
// CHECK-NEXT: dead pid, flock held (other pid namespace): kept
// CHECK-NEXT: not the pattern (suffix): kept
// CHECK-NEXT: not the pattern (upper-case hex): kept
// CHECK-NEXT: not the pattern (7 hex digits): kept
// CHECK-NEXT: not the pattern (other heap): kept
// CHECK-NEXT: not a regular file: kept
//
// Preallocation:
// CHECK-NEXT: PMA_PREALLOC=bogus: PMA_PREALLOC: expected full or sparse, found "bogus"
// CHECK-NEXT: pmatomic: opened {{.*}} (process mode, 8388608 bytes at {{.*}}, created, sparse)
// CHECK-NEXT: default, process mode: sparse
// CHECK-NEXT: pmatomic: opened {{.*}} (pmem mode, 8388608 bytes at {{.*}}, created, blocks reserved)
// CHECK-NEXT: default, pmem mode: every block reserved
// CHECK-NEXT: pmatomic: opened {{.*}} (pmem mode, 8388608 bytes at {{.*}}, created, sparse)
// CHECK-NEXT: PMA_PREALLOC=sparse, pmem mode: sparse
// CHECK-NEXT: pmatomic: opened {{.*}} (process mode, 8388608 bytes at {{.*}}, created, blocks reserved)
// CHECK-NEXT: PMA_PREALLOC=full, process mode: every block reserved
// CHECK-NEXT: pmatomic: opened {{.*}} (process mode, 8388608 bytes at {{.*}}, created, sparse)
// CHECK-NEXT: sparse again: sparse
// CHECK: sparse heap reopened: root 4242
#include <dirent.h>
#include <sys/file.h>

#include "runtime-test.h"

#define SIZE (8u << 20)

static char dir[4096];

/* tmpname -- "<dir>/<heap>.tmp.<pid><suffix>" */
static void tmpname(char *out, size_t n, const char *heap, long pid, const char *suffix) {
  snprintf(out, n, "%s/%s.tmp.%ld%s", dir, heap, pid, suffix);
}

/* make_file -- a 1 MiB file at path (a creation's temporary is its heap's size) */
static void make_file(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0666);
  CHECK(fd >= 0);
  CHECK(ftruncate(fd, 1 << 20) == 0);
  close(fd);
}

/* killed_creator -- a child that does what region_create does first (make
 * its temporary, flock it) and is SIGKILLed there; returns its (dead) pid */
static long killed_creator(const char *heap) {
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    char p[4200];
    tmpname(p, sizeof p, heap, (long)getpid(), ".0badc0de");
    make_file(p);
    int fd = open(p, O_RDWR);
    flock(fd, LOCK_EX);
    raise(SIGKILL);
  }
  int st;
  CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  return pid;
}

/* killed_create -- a child that creates dir/heap with PMA_TEST_CREATE=how
 * and is SIGKILLed inside the creation; returns how many files named
 * heap... it left in dir (the last one's path in left, if given) */
static int killed_create(const char *heap, const char *how, char *left) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, heap);
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    setenv("PMA_TEST_CREATE", how, 1);
    pma_open(path, SIZE);
    _exit(3); /* not reached */
  }
  int st, n = 0;
  CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  DIR *d = opendir(dir);
  CHECK(d);
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, heap, strlen(heap))) {
      n++;
      if (left)
        snprintf(left, 4200, "%s/%s", dir, e->d_name);
    }
  closedir(d);
  return n;
}

/* live_child -- a child that holds a flock on path (if given) and waits
 * until the parent closes the pipe; returns its pid once the flock is held */
static pid_t live_child(const char *path, int *keep_fd) {
  int go[2], ready[2];
  CHECK(pipe(go) == 0 && pipe(ready) == 0);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    close(go[1]);
    if (path) {
      int fd = open(path, O_RDWR);
      CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
    }
    char c = 1;
    CHECK(write(ready[1], &c, 1) == 1);
    (void)!read(go[0], &c, 1); /* EOF when the parent is done */
    _exit(0);
  }
  close(go[0]);
  close(ready[1]);
  char c;
  CHECK(read(ready[0], &c, 1) == 1);
  close(ready[0]);
  *keep_fd = go[1];
  return pid;
}

/* report -- does path still exist */
static void report(const char *what, const char *path) {
  printf("%s: %s\n", what, access(path, F_OK) ? "removed" : "kept");
}

/* blocks_of -- "sparse" or "every block reserved" for the heap file */
static const char *blocks_of(const char *path) {
  struct stat st;
  CHECK(stat(path, &st) == 0 && st.st_size == SIZE);
  if ((uint64_t)st.st_blocks * 512 >= SIZE)
    return "every block reserved";
  return (uint64_t)st.st_blocks * 512 < SIZE / 2 ? "sparse" : "partly allocated";
}

/* create -- create a new heap at path with mode and PMA_PREALLOC=prealloc
 * (NULL: unset), close it, say how its blocks were allocated */
static void create(const char *path, const char *what, const char *mode, const char *prealloc) {
  unlink(path);
  if (prealloc)
    setenv("PMA_PREALLOC", prealloc, 1);
  setenv("PMA_MODE", mode, 1);
  fflush(stdout);
  pma_heap *h = pma_open(path, SIZE);
  CHECK(h);
  CHECK(pma_close(h) == 0);
  unsetenv("PMA_PREALLOC");
  unsetenv("PMA_MODE");
  fflush(stderr);
  printf("%s: %s\n", what, blocks_of(path));
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  const char *heap = strrchr(argv[1], '/') + 1;
  snprintf(dir, sizeof dir, "%.*s", (int)(heap - 1 - argv[1]), argv[1]);
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* Creations killed once the file is sized: unnamed, then named. */
  printf("killed creation, unnamed file: %d files left\n", killed_create("h2.heap", "kill", NULL));
  char named[4200];
  int left = killed_create("h.heap", "named-kill", named);
  printf("killed creation, named temporary: %d file%s left\n", left, left == 1 ? "" : "s");

  char dead[4200], flocked[4200], livepid[4200], nsflock[4200], suffix[4200], upper[4200],
      short7[4200], other[4200], notreg[4200];
  long dpid = killed_creator("h.heap");
  tmpname(dead, sizeof dead, "h.heap", dpid, ".0badc0de");
  CHECK(access(dead, F_OK) == 0);

  /* a live creator holding its flock: the file is made first, flocked by a
   * live child, then given that child's pid in its name */
  int keep2, keep3;
  char stage[4200];
  snprintf(stage, sizeof stage, "%s/stage", dir);
  make_file(stage);
  pid_t p2 = live_child(stage, &keep2);
  tmpname(flocked, sizeof flocked, "h.heap", p2, ".00c0ffee");
  CHECK(rename(stage, flocked) == 0);

  /* a live pid whose temporary is not flocked yet (just after its open) */
  pid_t p3 = live_child(NULL, &keep3);
  tmpname(livepid, sizeof livepid, "h.heap", p3, ".12345678");
  make_file(livepid);

  /* a dead pid, but flocked by a live process (a creator in another pid
   * namespace: its pid means nothing here) */
  int keep4;
  long dpid2 = killed_creator("x.heap");
  tmpname(nsflock, sizeof nsflock, "h.heap", dpid2, ".deadbeef");
  make_file(nsflock);
  live_child(nsflock, &keep4);

  /* files with a dead pid that are not exactly the pattern */
  tmpname(suffix, sizeof suffix, "h.heap", dpid, ".0badc0de.bak");
  tmpname(upper, sizeof upper, "h.heap", dpid, ".0BADC0DE");
  tmpname(short7, sizeof short7, "h.heap", dpid, ".0badc0d");
  tmpname(other, sizeof other, "h.heapx", dpid, ".0badc0de");
  tmpname(notreg, sizeof notreg, "h.heap", dpid, ".0000abcd");
  make_file(suffix);
  make_file(upper);
  make_file(short7);
  make_file(other);
  CHECK(mkdir(notreg, 0777) == 0);

  pma_heap *h = pma_open(argv[1], SIZE);
  CHECK(h);
  CHECK(pma_close(h) == 0);
  fflush(stderr);
  report("killed creator's temporary", dead);
  report("killed creation's named temporary", named);
  report("live creator (flock)", flocked);
  report("live pid, no flock yet", livepid);
  report("dead pid, flock held (other pid namespace)", nsflock);
  report("not the pattern (suffix)", suffix);
  report("not the pattern (upper-case hex)", upper);
  report("not the pattern (7 hex digits)", short7);
  report("not the pattern (other heap)", other);
  report("not a regular file", notreg);
  close(keep2);
  close(keep3);
  close(keep4);
  while (wait(NULL) > 0)
    ;

  /* Preallocation. */
  char path[4200];
  snprintf(path, sizeof path, "%s/p.heap", dir);
  setenv("PMA_PREALLOC", "bogus", 1);
  CHECK(pma_open(path, SIZE) == NULL);
  printf("PMA_PREALLOC=bogus: %s\n", pma_errormsg());
  unsetenv("PMA_PREALLOC");
  create(path, "default, process mode", "process", NULL);
  create(path, "default, pmem mode", "pmem", NULL);
  create(path, "PMA_PREALLOC=sparse, pmem mode", "pmem", "sparse");
  create(path, "PMA_PREALLOC=full, process mode", "process", "full");

  /* a sparse heap is an ordinary heap: data written, closed, reopened */
  create(path, "sparse again", "process", "sparse");
  h = pma_open(path, 0);
  CHECK(h);
  long *r = pma_root(h, sizeof *r);
  CHECK(r);
  pma_begin();
  hook(r, sizeof *r);
  *r = 4242;
  pma_end();
  CHECK(pma_close(h) == 0);
  h = pma_open(path, 0);
  CHECK(h);
  printf("sparse heap reopened: root %ld\n", *(long *)pma_root(h, sizeof(long)));
  CHECK(pma_close(h) == 0);
  return 0;
}
