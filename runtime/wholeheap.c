/*
 * wholeheap.c -- whole-heap mode: all dynamic memory of an unmodified program
 * lives in the persistent heap (docs/wholeheap.md)
 *
 * Built into libpmatomic_wholeheap.so together with the runtime's own sources
 * (runtime/CMakeLists.txt).  The library defines malloc and its family, so the
 * program's allocations (and libc's on its behalf: strdup, getline, stdio
 * buffers, C++ operator new) come from the heap named by PMA_WHOLE_HEAP; the
 * runtime's own objects are linked with --wrap so that its volatile state
 * (thread filters, dirty lists, lock sets) never lands in the heap it manages.
 *
 * Which allocator serves a call:
 *  - before the heap is open (ld.so, libc start-up, other constructors), with
 *    no PMA_WHOLE_HEAP, in a forked child, in a thread past its exit: glibc,
 *    through its __libc_* entry points (no dlsym, so no bootstrap recursion);
 *  - otherwise the persistent allocator (pma_malloc & co.): inside a FASE the
 *    allocation is part of it, outside it is its own small FASE.
 * free() and realloc() decide by address: a pointer inside the heap's range
 * is the heap's, anything else is glibc's.
 *
 * A free that arrives in a context where the runtime cannot run a FASE (a
 * thread whose pmatomic state is gone or not set up: thread exit, glibc's
 * thread teardown) is queued, the link stored in the freed block itself, and
 * done later by a thread at depth 0 (or at exit).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "pmatomic_interface.h"

/* glibc's allocator under its own names (exported since glibc 2.2.5) */
extern void *__libc_malloc(size_t n);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t nmemb, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

#define WH_DEFAULT_SIZE (256ull << 20)

static struct {
  uintptr_t lo, hi;           /* the heap's range; kept after fork for free() */
  int active;                 /* allocate in the heap */
  enum pma_mode mode;
  int fd;                     /* read-only descriptor for a forked child's copy */
  char path[PATH_MAX];
  pthread_key_t key;          /* its destructor marks a thread as exiting */
  size_t (*libc_usable)(void *);
  pthread_mutex_t orphan_lock;
  void *orphans;              /* queued frees, linked through their first word */
  int warned_oom, warned_align;
} wh = {.fd = -1, .orphan_lock = PTHREAD_MUTEX_INITIALIZER};

/* initial-exec: the library is loaded with the program, and a lazily
 * allocated TLS block would be allocated with malloc, i.e. by us */
#define WH_TLS __thread __attribute__((tls_model("initial-exec")))
static WH_TLS int wh_armed;   /* the thread's key value is set */
static WH_TLS int wh_exiting; /* the thread is past its key destructors */

/* in_heap -- is p inside the heap's range */
static inline int in_heap(const void *p) { return (uintptr_t)p - wh.lo < wh.hi - wh.lo; }

/* use_heap -- should this call allocate in the heap */
static inline int use_heap(void) { return wh.active && !wh_exiting; }

/* --------------------------------------------------------- the runtime's own */

/* The runtime's objects call these instead of malloc & co. (-Wl,--wrap): its
 * volatile state stays in glibc's heap whatever mode the program is in. */
void *__wrap_malloc(size_t n) PMA_HIDDEN;
void *__wrap_calloc(size_t nmemb, size_t n) PMA_HIDDEN;
void *__wrap_realloc(void *p, size_t n) PMA_HIDDEN;
void __wrap_free(void *p) PMA_HIDDEN;
char *__wrap_strdup(const char *s) PMA_HIDDEN;

/* __wrap_malloc, __wrap_calloc, __wrap_realloc -- glibc's, always */
void *__wrap_malloc(size_t n) { return __libc_malloc(n); }
void *__wrap_calloc(size_t nmemb, size_t n) { return __libc_calloc(nmemb, n); }
void *__wrap_realloc(void *p, size_t n) { return __libc_realloc(p, n); }
/* __wrap_free -- a heap block here would be a runtime bug: leave it */
void __wrap_free(void *p) {
  if (!in_heap(p))
    __libc_free(p);
}
/* __wrap_strdup -- libc's strdup would allocate through our malloc */
char *__wrap_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = __libc_malloc(n);
  return d ? memcpy(d, s, n) : NULL;
}

/* __wrap_dprintf -- glibc's dprintf allocates a stdio buffer with malloc, that
 * is, from the heap; the crash simulator writes its report with it while it
 * holds the lock every fence takes, and the allocation's own fence would
 * wait for it forever.  A stack buffer and write(2) allocate nothing. */
int __wrap_dprintf(int fd, const char *fmt, ...) PMA_HIDDEN __attribute__((format(printf, 2, 3)));
int __wrap_dprintf(int fd, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    return n;
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  return write(fd, buf, len) < 0 ? -1 : n;
}

/* ------------------------------------------------------------- thread state */

/* thread_done -- key destructor: from here on the thread allocates from
 * glibc and queues its frees (the runtime's own destructor may run next) */
static void thread_done(void *arg) {
  (void)arg;
  wh_exiting = 1;
}

/* arm -- give the thread a key value so that thread_done runs at its exit */
static inline void arm(void) {
  if (unlikely(!wh_armed)) {
    wh_armed = 1; /* first: pthread_setspecific may itself allocate */
    pthread_setspecific(wh.key, (void *)1);
  }
}

/* orphan_push -- queue a free for a thread that can run a FASE */
static PMA_NOINLINE void orphan_push(void *p) {
  pthread_mutex_lock(&wh.orphan_lock);
  *(void **)p = wh.orphans;
  wh.orphans = p;
  pthread_mutex_unlock(&wh.orphan_lock);
}

/* orphans_drain -- free the queued blocks in one FASE of the calling thread */
static PMA_NOINLINE void orphans_drain(void) {
  if (pma_self()->depth) /* not inside the caller's own FASE */
    return;
  pthread_mutex_lock(&wh.orphan_lock);
  void *p = wh.orphans;
  wh.orphans = NULL;
  pthread_mutex_unlock(&wh.orphan_lock);
  if (!p)
    return;
  pma_begin();
  while (p) {
    void *next = *(void **)p;
    pma_free(p);
    p = next;
  }
  pma_end();
}

/* enter -- common prologue of every heap allocation */
static inline void enter(void) {
  arm();
  if (unlikely(__atomic_load_n(&wh.orphans, __ATOMIC_RELAXED) != NULL))
    orphans_drain();
}

/* no_memory -- a failed heap allocation: errno, and one message per process */
static PMA_NOINLINE void *no_memory(const char *fn, size_t n) {
  if (!__atomic_exchange_n(&wh.warned_oom, 1, __ATOMIC_RELAXED)) {
    char buf[768];
    int k = snprintf(buf, sizeof buf,
                     "pmatomic: whole-heap: %s(%zu) returns NULL: %s (PMA_WHOLE_HEAP=%s; a "
                     "larger PMA_WHOLE_HEAP_SIZE takes effect for a new heap file)\n",
                     fn, n, pma_errormsg(), wh.path);
    if (k > 0)
      (void)!write(STDERR_FILENO, buf, (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1);
  }
  errno = ENOMEM;
  return NULL;
}

/* ----------------------------------------------------------- the interface */

/* malloc -- n bytes, in the heap when whole-heap mode is on */
PMA_EXPORT void *malloc(size_t n) {
  if (!use_heap())
    return __libc_malloc(n);
  enter();
  void *p = pma_malloc(n);
  return p ? p : no_memory("malloc", n);
}

/* calloc -- zeroed nmemb*n bytes (overflow checked by pma_calloc) */
PMA_EXPORT void *calloc(size_t nmemb, size_t n) {
  if (!use_heap())
    return __libc_calloc(nmemb, n);
  if (n && nmemb > SIZE_MAX / n) {
    errno = ENOMEM;
    return NULL;
  }
  enter();
  void *p = pma_calloc(nmemb, n);
  return p ? p : no_memory("calloc", nmemb * n);
}

/* free -- by address: heap blocks to the heap, the rest to glibc */
PMA_EXPORT void free(void *p) {
  if (!p)
    return;
  if (!in_heap(p)) {
    __libc_free(p);
    return;
  }
  if (!wh.active) /* forked child: its private copy of the heap just leaks */
    return;
  if (wh_exiting || !pma_self()->registered) {
    orphan_push(p);
    return;
  }
  enter();
  pma_free(p);
}

/* usable -- bytes usable in a glibc block */
static size_t usable(void *p) {
  if (!wh.libc_usable)
    wh.libc_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  return wh.libc_usable ? wh.libc_usable(p) : 0;
}

/* realloc -- resize; a block moves between the allocators when it must */
PMA_EXPORT void *realloc(void *p, size_t n) {
  if (!p)
    return malloc(n);
  if (in_heap(p)) {
    if (use_heap()) {
      enter();
      void *q = pma_realloc(p, n);
      return q || !n ? q : no_memory("realloc", n);
    }
    /* forked child or exiting thread: a glibc copy (bytes past the old block's
     * end are unspecified in the new one, so copying a few too many is fine) */
    if (!n) {
      free(p);
      return NULL;
    }
    void *q = __libc_malloc(n);
    if (q) {
      size_t left = wh.hi - (uintptr_t)p;
      memcpy(q, p, n < left ? n : left);
      free(p);
    }
    return q;
  }
  if (!use_heap())
    return __libc_realloc(p, n);
  if (!n) {
    __libc_free(p);
    return NULL;
  }
  /* a block from before the heap was open moves into it */
  size_t old = usable(p), len = old < n ? old : n;
  enter();
  void *q = pma_malloc(n);
  if (!q)
    return no_memory("realloc", n);
  __pma_store_n(q, len); /* logged inside a FASE, noted for the flush outside */
  memcpy(q, p, len);
  __libc_free(p);
  return q;
}

/* reallocarray -- realloc(p, nmemb * n) with the overflow checked */
PMA_EXPORT void *reallocarray(void *p, size_t nmemb, size_t n) {
  if (n && nmemb > SIZE_MAX / n) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, nmemb * n);
}

/* heap_aligned -- n bytes at a multiple of align (a power of two).  Blocks of
 * a size class that is a multiple of align <= 64 are aligned (runs start 64
 * bytes into a 64 KiB-aligned chunk); larger alignments take a whole-chunk
 * extent, aligned to 64 KiB. */
static void *heap_aligned(size_t align, size_t n) {
  enter();
  if (align <= 16)
    return pma_malloc(n);
  if (align <= PMA_LINE && n <= PMA_SMALL_MAX) {
    size_t r = n ? (n + align - 1) & ~(align - 1) : align;
    void *p = pma_malloc(r);
    if (!p || ((uintptr_t)p & (align - 1)) == 0)
      return p;
    pma_free(p); /* a class that is not a multiple of align: take a chunk */
  }
  if (align <= PMA_CHUNK)
    return pma_malloc(n > PMA_SMALL_MAX ? n : PMA_SMALL_MAX + 1);
  if (!__atomic_exchange_n(&wh.warned_align, 1, __ATOMIC_RELAXED))
    fprintf(stderr, "pmatomic: whole-heap: alignment %zu is above the heap's 65536: the "
                    "allocation fails\n", align);
  return NULL;
}

/* aligned -- the common body of the aligned allocators (align: power of two) */
static void *aligned(const char *fn, size_t align, size_t n) {
  if (!use_heap())
    return __libc_memalign(align, n);
  void *p = heap_aligned(align, n);
  return p ? p : no_memory(fn, n);
}

/* posix_memalign -- *memptr = n bytes aligned to align; 0, EINVAL or ENOMEM */
PMA_EXPORT int posix_memalign(void **memptr, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)))
    return EINVAL;
  int saved = errno;
  void *p = aligned("posix_memalign", align, n);
  errno = saved;
  if (!p)
    return ENOMEM;
  *memptr = p;
  return 0;
}

/* aligned_alloc -- C11: n bytes aligned to align */
PMA_EXPORT void *aligned_alloc(size_t align, size_t n) {
  if (!align || (align & (align - 1))) {
    errno = EINVAL;
    return NULL;
  }
  return aligned("aligned_alloc", align, n);
}

/* memalign -- obsolete: n bytes aligned to align (rounded up to a power of two) */
PMA_EXPORT void *memalign(size_t align, size_t n) {
  if (!align)
    align = 1;
  else if (align & (align - 1))
    align = (size_t)1 << (64 - __builtin_clzll(align));
  return aligned("memalign", align, n);
}

/* valloc -- page-aligned n bytes */
PMA_EXPORT void *valloc(size_t n) {
  if (!use_heap())
    return __libc_valloc(n);
  return aligned("valloc", (size_t)sysconf(_SC_PAGESIZE), n);
}

/* pvalloc -- page-aligned, size rounded up to whole pages */
PMA_EXPORT void *pvalloc(size_t n) {
  if (!use_heap())
    return __libc_pvalloc(n);
  size_t pg = (size_t)sysconf(_SC_PAGESIZE);
  return aligned("pvalloc", pg, n ? (n + pg - 1) & ~(pg - 1) : pg);
}

/* malloc_usable_size -- bytes usable in a block of either allocator (0 for a
 * heap block in a forked child: the runtime no longer describes the heap) */
PMA_EXPORT size_t malloc_usable_size(void *p) {
  if (!p)
    return 0;
  if (in_heap(p))
    return wh.active ? pma_usable_size(p) : 0;
  return usable(p);
}

/* ------------------------------------------------------- open, fork, exit */

/* after_fork -- in the child (after the runtime's handler made the heap
 * read-only and inert): a private copy-on-write view, allocations from glibc */
static void after_fork(void) {
  if (!wh.active)
    return;
  wh.active = 0;
  void *base = (void *)wh.lo;
  size_t size = wh.hi - wh.lo;
  if (wh.mode == PMA_MODE_SIM) { /* already a private mapping */
    mprotect(base, size, PROT_READ | PROT_WRITE);
    return;
  }
  if (wh.fd < 0 ||
      mmap(base, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, wh.fd, 0) != base)
    fprintf(stderr, "pmatomic: whole-heap: forked child %d cannot remap %s privately (%s): "
                    "the heap stays read-only in the child\n",
            (int)getpid(), wh.path, strerror(errno));
  if (wh.fd >= 0)
    close(wh.fd);
  wh.fd = -1;
}

/* expand -- PMA_WHOLE_HEAP with %p (process id) and %% expanded; 0 or -1 */
static int expand(const char *pat, char *out, size_t cap) {
  size_t k = 0;
  for (const char *s = pat; *s; s++) {
    char num[24];
    const char *add = num;
    if (s[0] == '%' && s[1] == 'p') {
      snprintf(num, sizeof num, "%d", (int)getpid());
      s++;
    } else if (s[0] == '%' && s[1] == '%') {
      num[0] = '%', num[1] = 0;
      s++;
    } else {
      num[0] = *s, num[1] = 0;
    }
    size_t l = strlen(add);
    if (k + l >= cap)
      return -1;
    memcpy(out + k, add, l);
    k += l;
  }
  out[k] = 0;
  return 0;
}

/* parse_size -- bytes with an optional K, M or G suffix (powers of 1024) */
static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || end == s || *s == '-')
    return -1;
  int shift = 0;
  switch (*end) {
  case 'k': case 'K': shift = 10; end++; break;
  case 'm': case 'M': shift = 20; end++; break;
  case 'g': case 'G': shift = 30; end++; break;
  }
  if (*end || v > (~0ull >> shift))
    return -1;
  *out = (size_t)(v << shift);
  return 0;
}

/* flag -- an environment variable that is 1 (0 or unset: off) */
static int flag(const char *name) {
  const char *v = getenv(name);
  if (!v || !*v || !strcmp(v, "0"))
    return 0;
  if (!strcmp(v, "1"))
    return 1;
  pma_fatal("whole-heap mode: %s: expected 0 or 1, found \"%s\"", name, v);
}

/* reset -- PMA_WHOLE_HEAP_RESET: remove an existing heap file that no
 * process has open, so the open below creates an empty one */
static void reset(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  if (flock(fd, LOCK_EX | LOCK_NB))
    pma_fatal("whole-heap mode: PMA_WHOLE_HEAP_RESET: heap file %s is in use by another "
              "process (flock held); not removing it",
              path);
  if (unlink(path))
    pma_fatal("whole-heap mode: PMA_WHOLE_HEAP_RESET: cannot remove %s: %s", path,
              strerror(errno));
  close(fd);
}

/* wh_init -- open the heap named by PMA_WHOLE_HEAP (before the program's own
 * constructors: the library is a dependency of the executable) */
__attribute__((constructor(101))) static void wh_init(void) {
  wh.libc_usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  const char *pat = getenv("PMA_WHOLE_HEAP");
  if (!pat || !*pat)
    return; /* an ordinary process: glibc serves everything */
  if (expand(pat, wh.path, sizeof wh.path))
    pma_fatal("whole-heap mode: PMA_WHOLE_HEAP is longer than %zu bytes", sizeof wh.path - 1);
  size_t size = WH_DEFAULT_SIZE;
  const char *sz = getenv("PMA_WHOLE_HEAP_SIZE");
  if (sz && *sz && parse_size(sz, &size))
    pma_fatal("whole-heap mode: PMA_WHOLE_HEAP_SIZE: expected bytes with an optional K, M or G "
              "suffix, found \"%s\"",
              sz);
  if (flag("PMA_WHOLE_HEAP_RESET"))
    reset(wh.path);
  int remove_file = flag("PMA_WHOLE_HEAP_REMOVE");
  if (pthread_key_create(&wh.key, thread_done))
    pma_fatal("whole-heap mode: pthread_key_create failed");
  /* A restart of an unmodified program cannot name the blocks of the run
   * before (its roots were globals): unless PMA_WHOLE_HEAP_KEEP=1 or the
   * heap has a root object, they are given back after recovery. */
  int keep = flag("PMA_WHOLE_HEAP_KEEP");
  struct pma_open_opts opts = {.flags = keep ? 0 : PMA_OPEN_WH_RECLAIM};
  pma_heap *h = pma_open_ex(wh.path, size, &opts);
  if (!h)
    pma_fatal("whole-heap mode: cannot open PMA_WHOLE_HEAP=%s: %s", wh.path, pma_errormsg());
  if (h->env.verbose && !h->rec.created) {
    if (keep || h->hdr->d.root_off)
      fprintf(stderr, "pmatomic: whole-heap: kept the blocks of the previous run in %s (%s)\n",
              wh.path, keep ? "PMA_WHOLE_HEAP_KEEP=1" : "the heap has a root object");
    else
      fprintf(stderr,
              "pmatomic: whole-heap: reclaimed %llu blocks (%llu bytes) the previous run left "
              "in %s (PMA_WHOLE_HEAP_KEEP=1 keeps them)\n",
              (unsigned long long)h->reclaimed_blocks, (unsigned long long)h->reclaimed_bytes,
              wh.path);
  }
  /* our own descriptor (no flock on it): a forked child maps the file from it,
   * even after PMA_WHOLE_HEAP_REMOVE took the name away */
  wh.fd = open(wh.path, O_RDONLY | O_CLOEXEC);
  if (remove_file)
    unlink(wh.path);
  wh.mode = pma_mode_of(h);
  wh.lo = pma_rt.base;
  wh.hi = pma_rt.base + pma_rt.size;
  pthread_atfork(NULL, NULL, after_fork); /* after the runtime's own handler */
  __atomic_store_n(&wh.active, 1, __ATOMIC_RELEASE);
}

/* wh_fini -- at exit: finish queued frees and make the calling thread's
 * stores durable.  The heap stays mapped (libc still flushes stdio buffers
 * that live in it after this) and is not marked clean: the next open runs
 * recovery, which rolls back the FASEs of threads that were still inside a
 * critical section when the process exited. */
__attribute__((destructor(101))) static void wh_fini(void) {
  if (!wh.active)
    return;
  if (!wh_exiting && pma_self()->registered)
    orphans_drain();
  if (wh.mode != PMA_MODE_PROCESS)
    pma_sync();
  if (flag("PMA_STATS"))
    pma_print_stats(stderr);
  const char *sf = getenv("PMA_WHOLE_HEAP_STATS");
  if (sf && *sf) {
    FILE *f = fopen(sf, "a");
    if (f) {
      pma_print_stats(f);
      fclose(f);
    }
  }
}
