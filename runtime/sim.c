/*
 * sim.c -- the power-failure crash simulator (PMA_MODE=sim, design.md section 7)
 *
 * Two images of the heap: the *working copy* the program runs on (the heap
 * file mapped MAP_PRIVATE by region.c, so nothing the program does reaches
 * the file) and the *media*, a copy of the file contents at open: a second
 * private mapping of the file, so the copy is paid page by page, only for
 * the pages a fence or the crash writes (the flock keeps every other writer
 * out, and this file writes the heap file only at the very end).  A
 * line reaches the media only through this file's flush table: a flush
 * snapshots the line into the calling thread's pending set (clwb takes the
 * line's value at flush time), a non-temporal move or fill puts the bytes it
 * wrote there, and a fence writes the thread's pending lines into the media.
 *
 * Every flush call, fence, FASE begin and commit and every store hook that
 * hits the heap is a numbered event; at event PMA_SIM_CRASH_AT the process
 * "loses power": the image is the media plus, for each 8-byte word where the
 * working copy differs, whatever the policy says the cache wrote back on its
 * own.  The image goes to the heap file (the next run opens it) and the
 * process ends with status 86.
 *
 * Nothing here makes a system call per event: the file is read once at open
 * and written once (only the pages whose media changed) at crash or close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define SIM_EXIT 86     /* exit status of a simulated power failure */
#define SIM_PAGE 4096u  /* granularity of the write-back to the file */
#define LINE_WORDS (PMA_LINE / 8)

/* A line waiting in a thread's pending set: the bytes of mask, as they were
 * when flushed (or written by a non-temporal copy). */
struct sim_line {
  uintptr_t addr;
  uint64_t mask;
  uint64_t ver;   /* when the snapshot was taken (sim_ver) */
  unsigned char data[PMA_LINE];
};

/* The calling thread's flushed-but-not-fenced lines. */
struct sim_pending {
  struct sim_line *v;
  size_t n, cap;
  uint32_t epoch; /* sim.epoch the lines belong to (older ones are dropped) */
  int keyed;      /* registered with the destructor key */
};

/* Per-line store order for the prefix policy, one 64-bit entry per line:
 * bits 0..31 eight 4-bit word indices in order of their last hooked store,
 * bits 32..35 how many are valid, bits 40..47 words a wide or word-crossing
 * store touched (the random policy tears those per byte). */
#define ORD_N(e) (((e) >> 32) & 0xf)
#define ORD_AT(e, i) (((e) >> (4 * (i))) & 0xf)
#define ORD_TORN(e) (((e) >> 40) & 0xff)

static struct {
  struct pma_heap *heap;    /* the open simulated heap, NULL when none */
  char *base;
  size_t size;
  int fd;
  unsigned char *media;     /* what survives a power failure (private file mapping) */
  uint8_t *pdirty;          /* media pages that differ from the file */
  _Atomic uint64_t *order;  /* store order per line (lazily backed mapping) */
  uint64_t *mver;           /* per line: version of the newest full snapshot in the media */
  size_t order_bytes;
  pthread_mutex_t lock;     /* media, pdirty, and the crash itself */
  uint64_t crash_at;
  enum pma_sim_policy policy;
  uint64_t seed;
  int raise_sig;            /* PMA_SIM_RAISE: signal, 0 = none */
  uint64_t raise_every;     /* ...at every k-th flush of a thread inside a FASE */
  char *report;
  uint64_t open_start;      /* event count when the current pma_open began */
  uint64_t rec_events;      /* events inside the process's first pma_open */
  int rec_done;             /* that open has returned (or failed) */
  int in_open;
  uint32_t epoch;           /* bumped at every simulated open */
  uint64_t deps_rolled;     /* that open: committed FASEs rolled back with their sources */
} sim = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static _Atomic uint64_t sim_events;
/* Snapshot versions.  Write-backs of one line reach the media in the order
 * they were taken (coherence orders them; a line never goes back to older
 * content), so a snapshot older than what the media holds is dropped: two
 * threads flushing the same line (neighbouring chunk-map bytes, fields under
 * different locks) must not let the later fence restore the older copy. */
static _Atomic uint64_t sim_ver;
static __thread struct sim_pending pend __attribute__((tls_model("initial-exec")));
static pthread_key_t pend_key;
static pthread_once_t pend_once = PTHREAD_ONCE_INIT;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static const char *const policy_names[] = {"none", "all", "random", "prefix"};

/* pma_sim_policy_name -- "none", "all", "random" or "prefix" */
const char *pma_sim_policy_name(enum pma_sim_policy p) { return policy_names[p]; }

/* rng -- splitmix64: the policies' reproducible coin */
static uint64_t rng(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* ------------------------------------------------------------ pending sets */

/* pend_free -- thread exit: drop the thread's pending lines (never fenced) */
static void pend_free(void *arg) {
  struct sim_pending *p = arg;
  free(p->v);
  p->v = NULL;
  p->n = p->cap = 0;
  p->keyed = 0;
}

/* pend_make_key -- once: the key whose destructor frees pending sets */
static void pend_make_key(void) {
  if (pthread_key_create(&pend_key, pend_free))
    pma_fatal("crash simulator: pthread_key_create failed");
}

/* pend_room -- the calling thread's pending set with room for n more lines */
static struct sim_pending *pend_room(size_t n) {
  struct sim_pending *p = &pend;
  if (p->epoch != sim.epoch) { /* lines of a heap that was closed since */
    p->n = 0;
    p->epoch = sim.epoch;
  }
  if (p->n + n > p->cap) {
    size_t cap = p->cap ? p->cap : 64;
    while (cap < p->n + n)
      cap *= 2;
    struct sim_line *v = realloc(p->v, cap * sizeof *v);
    if (!v)
      pma_fatal("crash simulator: out of memory for %zu pending lines", cap);
    p->v = v;
    p->cap = cap;
  }
  if (!p->keyed) {
    pthread_once(&pend_once, pend_make_key);
    pthread_setspecific(pend_key, p);
    p->keyed = 1;
  }
  return p;
}

/* order_reset -- the line's earlier stores are in a snapshot: forget them */
static inline void order_reset(uintptr_t line) {
  _Atomic uint64_t *e = &sim.order[(line - (uintptr_t)sim.base) / PMA_LINE];
  if (atomic_load_explicit(e, memory_order_relaxed))
    atomic_store_explicit(e, 0, memory_order_relaxed);
}

/* clip -- [*s, *e) in whole lines, inside the heap; 0 if empty */
static int clip(const void *addr, size_t len, uintptr_t *s, uintptr_t *e) {
  uintptr_t b = (uintptr_t)sim.base;
  *s = (uintptr_t)addr & ~(uintptr_t)(PMA_LINE - 1);
  *e = ((uintptr_t)addr + len + PMA_LINE - 1) & ~(uintptr_t)(PMA_LINE - 1);
  if (*s < b)
    *s = b;
  if (*e > b + sim.size)
    *e = b + sim.size;
  return *s < *e;
}

/* ------------------------------------------------------------ flush table */

/* maybe_raise -- PMA_SIM_RAISE: every k-th flush of a thread inside a FASE
 * (outside the program's signal handlers)
 * raises the signal, so its handler comes in the middle of the runtime's
 * work (signals.c must make it wait for the end of the runtime section) */
static PMA_NOINLINE void maybe_raise(void) {
  static __thread uint64_t nflush;
  struct pma_thread *t = pma_self();
  /* not from a handler's own flushes: a handler whose FASE flushes k times
   * would raise the next one for ever */
  if (t->depth && !t->in_handler && ++nflush % sim.raise_every == 0)
    raise(sim.raise_sig);
}

/* sim_flush -- like clwb: each line's value now goes to the pending set */
static void sim_flush(const void *addr, size_t len) {
  if (!pma_rt.sim)
    return;
  pma_sim_event();
  uintptr_t s, e;
  if (!clip(addr, len, &s, &e))
    return;
  struct sim_pending *p = pend_room((e - s) / PMA_LINE);
  for (uintptr_t l = s; l < e; l += PMA_LINE) {
    struct sim_line *x = &p->v[p->n++];
    x->addr = l;
    x->mask = ~0ull;
    x->ver = atomic_fetch_add(&sim_ver, 1) + 1;
    memcpy(x->data, (const void *)l, PMA_LINE);
    order_reset(l);
  }
  if (unlikely(sim.raise_sig))
    maybe_raise();
}

/* pend_written -- [dst, dst+len) was just written with non-temporal stores:
 * the written bytes are pending (write combining), not durable until the
 * thread's next fence */
static void pend_written(void *dst, size_t len) {
  uintptr_t s, e, a = (uintptr_t)dst, z = a + len;
  if (!len || !clip(dst, len, &s, &e))
    return;
  struct sim_pending *p = pend_room((e - s) / PMA_LINE);
  for (uintptr_t l = s; l < e; l += PMA_LINE) {
    uintptr_t lo = a > l ? a : l, hi = z < l + PMA_LINE ? z : l + PMA_LINE;
    uint64_t bits = hi - lo == 64 ? ~0ull : ((1ull << (hi - lo)) - 1);
    struct sim_line *x = &p->v[p->n++];
    x->addr = l;
    x->mask = bits << (lo - l);
    x->ver = atomic_fetch_add(&sim_ver, 1) + 1;
    memcpy(x->data, (const void *)l, PMA_LINE);
  }
}

/* sim_memmove_nt -- non-temporal move (one event) */
static void sim_memmove_nt(void *dst, const void *src, size_t len) {
  if (pma_rt.sim)
    pma_sim_event();
  memmove(dst, src, len);
  if (pma_rt.sim)
    pend_written(dst, len);
}

/* sim_memset_nt -- non-temporal fill (one event) */
static void sim_memset_nt(void *dst, int c, size_t len) {
  if (pma_rt.sim)
    pma_sim_event();
  memset(dst, c, len);
  if (pma_rt.sim)
    pend_written(dst, len);
}

/* media_put -- write the masked bytes of line x into the media (lock held) */
static void media_put(const struct sim_line *x) {
  size_t off = x->addr - (uintptr_t)sim.base;
  uint64_t *mv = &sim.mver[off / PMA_LINE];
  if (x->ver < *mv)
    return; /* the media already holds a newer copy of this line */
  if (x->mask == ~0ull) {
    *mv = x->ver;
    memcpy(sim.media + off, x->data, PMA_LINE);
  } else {
    for (unsigned i = 0; i < PMA_LINE; i++)
      if (x->mask >> i & 1)
        sim.media[off + i] = x->data[i];
  }
  sim.pdirty[off / SIM_PAGE] = 1;
}

/* sim_fence -- the calling thread's pending lines reach the media */
static void sim_fence(void) {
  if (!pma_rt.sim)
    return;
  pma_sim_event();
  struct sim_pending *p = &pend;
  if (!p->n)
    return;
  pthread_mutex_lock(&sim.lock);
  if (p->epoch == sim.epoch && sim.heap)
    for (size_t i = 0; i < p->n; i++)
      media_put(&p->v[i]);
  pthread_mutex_unlock(&sim.lock);
  p->n = 0;
}

const struct pma_flush_ops pma_sim_ops = {sim_flush, sim_fence, sim_memmove_nt, sim_memset_nt};

/* ------------------------------------------------------------ store order */

/* pma_sim_store -- a store hook hit the heap at [addr, addr+len) (already
 * clipped): one event, then note the order of the words it stores */
void pma_sim_store(uintptr_t addr, size_t len) {
  pma_sim_event();
  int torn = len > 8 || (addr & 7) + len > 8;
  uintptr_t b = (uintptr_t)sim.base;
  uintptr_t s = addr & ~(uintptr_t)7, e = (addr + len + 7) & ~(uintptr_t)7;
  for (uintptr_t w = s; w < e;) {
    uintptr_t line = w & ~(uintptr_t)(PMA_LINE - 1);
    uintptr_t lend = line + PMA_LINE < e ? line + PMA_LINE : e;
    _Atomic uint64_t *ent = &sim.order[(line - b) / PMA_LINE];
    uint64_t old = atomic_load_explicit(ent, memory_order_relaxed), nw;
    do {
      uint32_t ord = (uint32_t)old, n = ORD_N(old);
      uint64_t tmask = ORD_TORN(old);
      for (uintptr_t x = w; x < lend; x += 8) {
        unsigned wi = (unsigned)((x - line) / 8), k, j;
        for (k = 0; k < n && ORD_AT(ord, k) != wi; k++)
          ;
        if (k < n) { /* stored before: move it to the end */
          for (j = k; j + 1 < n; j++)
            ord = (ord & ~(0xfu << (4 * j))) | (ORD_AT(ord, j + 1) << (4 * j));
          n--;
        }
        ord = (ord & ~(0xfu << (4 * n))) | (wi << (4 * n));
        n++;
        if (torn)
          tmask |= 1u << wi;
      }
      nw = (uint64_t)ord | ((uint64_t)n << 32) | (tmask << 40);
    } while (!atomic_compare_exchange_weak_explicit(ent, &old, nw, memory_order_relaxed,
                                                    memory_order_relaxed));
    w = lend;
  }
}

/* ------------------------------------------------------------- the image */

/* line_image -- decide, for line off, which differing words the cache wrote
 * back; writes them into the media; counts into *diff and *kept */
static void line_image(size_t off, uint64_t *rs, uint64_t *diff, uint64_t *kept) {
  const uint64_t *w = (const uint64_t *)(sim.base + off);
  uint64_t *m = (uint64_t *)(sim.media + off);
  unsigned dmask = 0, keep = 0, ndiff = 0;
  for (unsigned i = 0; i < LINE_WORDS; i++)
    if (w[i] != m[i]) {
      dmask |= 1u << i;
      ndiff++;
    }
  if (!dmask)
    return;
  *diff += ndiff;
  uint64_t ent = atomic_load_explicit(&sim.order[off / PMA_LINE], memory_order_relaxed);
  switch (sim.policy) {
  case PMA_SIM_NONE:
    return;
  case PMA_SIM_ALL:
    keep = dmask;
    break;
  case PMA_SIM_RANDOM: {
    unsigned torn = (unsigned)ORD_TORN(ent);
    for (unsigned i = 0; i < LINE_WORDS; i++) {
      if (!(dmask >> i & 1))
        continue;
      if (torn >> i & 1) { /* a wide or word-crossing store: tear per byte */
        const unsigned char *wb = (const unsigned char *)&w[i];
        unsigned char *mb = (unsigned char *)&m[i];
        uint64_t r = rng(rs);
        int any = 0;
        for (unsigned k = 0; k < 8; k++)
          if (wb[k] != mb[k] && (r >> k & 1)) {
            mb[k] = wb[k];
            any = 1;
          }
        *kept += any;
      } else if (rng(rs) & 1) {
        keep |= 1u << i;
      }
    }
    break;
  }
  case PMA_SIM_PREFIX: {
    /* words in the order the hooks stored them, then unhooked ones (stores
     * by the runtime or inside libc, e.g. a mutex's lock word) in address
     * order; the cache wrote back a prefix of that sequence */
    unsigned seq[LINE_WORDS], n = 0, seen = 0;
    for (unsigned k = 0; k < ORD_N(ent); k++) {
      unsigned wi = (unsigned)ORD_AT(ent, k);
      if ((dmask >> wi & 1) && !(seen >> wi & 1)) {
        seq[n++] = wi;
        seen |= 1u << wi;
      }
    }
    for (unsigned i = 0; i < LINE_WORDS; i++)
      if ((dmask >> i & 1) && !(seen >> i & 1))
        seq[n++] = i;
    unsigned cut = (unsigned)(rng(rs) % (n + 1));
    for (unsigned k = 0; k < cut; k++)
      keep |= 1u << seq[k];
    break;
  }
  }
  for (unsigned i = 0; i < LINE_WORDS; i++)
    if (keep >> i & 1) {
      m[i] = w[i];
      (*kept)++;
    }
  sim.pdirty[off / SIM_PAGE] = 1;
}

/* write_media -- write the media pages that changed since open to the file
 * (sim.lock held); 0 or -errno */
static int write_media(void) {
  size_t np = (sim.size + SIM_PAGE - 1) / SIM_PAGE;
  for (size_t i = 0; i < np;) {
    if (!sim.pdirty[i]) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < np && sim.pdirty[j])
      j++;
    size_t off = i * SIM_PAGE, len = (j - i) * SIM_PAGE;
    if (off + len > sim.size)
      len = sim.size - off;
    while (len) {
      ssize_t w = pwrite(sim.fd, sim.media + off, len, (off_t)off);
      if (w < 0) {
        if (errno == EINTR)
          continue;
        return -errno;
      }
      off += (size_t)w;
      len -= (size_t)w;
    }
    memset(sim.pdirty + i, 0, j - i);
    i = j;
  }
  return 0;
}

/* write_report -- the PMA_SIM_REPORT line (design.md section 7) */
static void write_report(int crashed, uint64_t diff, uint64_t kept) {
  if (!sim.report)
    return;
  int fd = open(sim.report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fprintf(stderr, "pmatomic: crash simulator: cannot write report %s: %s\n", sim.report,
            strerror(errno));
    return;
  }
  uint64_t ev = atomic_load(&sim_events), rec = sim.rec_events;
  if (sim.in_open && !sim.rec_done)
    rec = ev - sim.open_start;
  dprintf(fd, "events=%llu recovery_events=%llu crashed=%d policy=%s differing_words=%llu "
              "kept_words=%llu dependents_rolled_back=%llu\n",
          (unsigned long long)ev, (unsigned long long)rec, crashed, policy_names[sim.policy],
          (unsigned long long)diff, (unsigned long long)kept,
          (unsigned long long)sim.deps_rolled);
  close(fd);
}

/* power_fail -- build the crash image by policy, write it and the report
 * (sim.lock held: no other thread changes the media meanwhile) */
static void power_fail(void) {
  uint64_t rs = sim.seed * 0xD1B54A32D192ED03ull + 0x8CB92BA72F3D8DD7ull, diff = 0, kept = 0;
  for (size_t off = 0; off + PMA_LINE <= sim.size; off += PMA_LINE)
    line_image(off, &rs, &diff, &kept);
  int rc = write_media();
  if (rc)
    fprintf(stderr, "pmatomic: crash simulator: cannot write the crash image to %s: %s\n",
            sim.heap->path, strerror(-rc));
  write_report(1, diff, kept);
}

/* sim_crash -- event sim.crash_at: the power fails now */
static _Noreturn PMA_COLD void sim_crash(void) {
  pthread_mutex_lock(&sim.lock); /* never released: other threads' fences stop here */
  if (sim.heap) /* else an exiting thread wrote the image already */
    power_fail();
  _exit(SIM_EXIT);
}

/* pma_sim_event -- count one persistence event; crash at PMA_SIM_CRASH_AT */
void pma_sim_event(void) {
  uint64_t n = atomic_fetch_add_explicit(&sim_events, 1, memory_order_relaxed) + 1;
  if (unlikely(n == sim.crash_at))
    sim_crash();
}

/* sim_at_exit -- the program exited without pma_close: a crash at its last
 * event (the exit status stays the program's own).  A destructor, not an
 * atexit handler: it runs after the program's own atexit handlers, which may
 * still close the heap. */
__attribute__((destructor)) static void sim_at_exit(void) {
  pthread_mutex_lock(&sim.lock);
  if (sim.heap) {
    pma_rt.sim = 0;
    power_fail();
    sim.heap = NULL;
  }
  pthread_mutex_unlock(&sim.lock);
}

/* ------------------------------------------------------------ open, close */

/* sim_fork_child -- a forked child gives the heap up (fork.c): it must not
 * count events, crash, or write an image or a report of its parent's heap */
static void sim_fork_child(void) {
  pma_rt.sim = 0;
  sim.heap = NULL;
  sim.crash_at = 0;
  sim.report = NULL; /* the parent's; not freed here */
  pthread_mutex_init(&sim.lock, NULL);
}

/* register_fork -- once per process */
static void register_fork(void) { pthread_atfork(NULL, NULL, sim_fork_child); }

/* sim_free -- drop the images */
static void sim_free(void) {
  if (sim.media)
    munmap(sim.media, sim.size);
  free(sim.pdirty);
  free(sim.report);
  if (sim.order)
    munmap((void *)sim.order, sim.order_bytes);
  if (sim.mver)
    munmap(sim.mver, sim.order_bytes);
  sim.mver = NULL;
  sim.media = NULL;
  sim.pdirty = NULL;
  sim.report = NULL;
  sim.order = NULL;
}

/* pma_sim_open -- h is mapped privately: copy the file as the media and start
 * counting events (before recovery, so crashes can land inside it) */
int pma_sim_open(struct pma_heap *h) {
  size_t np = (h->size + SIM_PAGE - 1) / SIM_PAGE;
  sim.order_bytes = (h->size / PMA_LINE) * sizeof(uint64_t);
  sim.size = h->size;
  void *med = mmap(NULL, h->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, h->fd, 0);
  sim.media = med == MAP_FAILED ? NULL : med;
  sim.pdirty = calloc(np, 1);
  void *ord = mmap(NULL, sim.order_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  sim.order = ord == MAP_FAILED ? NULL : ord;
  void *mv = mmap(NULL, sim.order_bytes, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  sim.mver = mv == MAP_FAILED ? NULL : mv;
  if (h->env.sim_report)
    sim.report = strdup(h->env.sim_report);
  if (!sim.media || !sim.pdirty || !sim.order || !sim.mver ||
      (h->env.sim_report && !sim.report)) {
    pma_err("crash simulator: out of memory for the %zu-byte media image of %s", h->size,
            h->path);
    sim_free();
    return -ENOMEM;
  }
  pthread_once(&fork_once, register_fork);
  pthread_mutex_lock(&sim.lock);
  sim.heap = h;
  sim.base = h->base;
  sim.size = h->size;
  sim.fd = h->fd;
  sim.crash_at = h->env.sim_crash_at;
  sim.policy = h->env.sim_policy;
  sim.seed = h->env.sim_seed;
  sim.raise_sig = h->env.sim_raise_sig;
  sim.raise_every = h->env.sim_raise_every;
  sim.epoch++;
  sim.open_start = atomic_load(&sim_events);
  sim.in_open = 1;
  pthread_mutex_unlock(&sim.lock);
  pma_rt.sim = 1;
  return 0;
}

/* pma_sim_opened -- pma_open is done: its events were the recovery's (only
 * the process's first open counts: it recovers the image the run started
 * from, and crashtest numbers recovery crash points from the process start) */
void pma_sim_opened(struct pma_heap *h) {
  if (sim.heap != h || !sim.in_open)
    return;
  if (!sim.rec_done) {
    sim.rec_events = atomic_load(&sim_events) - sim.open_start;
    sim.deps_rolled = h->rec.dependents_rolled_back;
  }
  sim.rec_done = 1;
  sim.in_open = 0;
}

/* pma_sim_close -- the heap is closing (after pma_close's flushes and fences,
 * or after a failed open): the media becomes the file; 0 or -errno */
int pma_sim_close(struct pma_heap *h) {
  if (sim.heap != h)
    return 0;
  pma_sim_opened(h);
  pma_rt.sim = 0;
  pthread_mutex_lock(&sim.lock);
  int rc = write_media();
  if (rc)
    pma_err("crash simulator: cannot write the media image to %s: %s", h->path, strerror(-rc));
  write_report(0, 0, 0);
  sim.heap = NULL;
  sim.fd = -1;
  sim_free();
  pthread_mutex_unlock(&sim.lock);
  return rc;
}
