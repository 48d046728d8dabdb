/*
 * region.c -- the heap file: create, validate, map at its fixed address, close
 *
 * Format: docs/design.md section 5 (structs in internal.h).  Every refusal
 * happens before the file is mapped, and the file is opened read-write only
 * to take the flock: a refused open never modifies the file.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <libpmem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* Where O_TMPFILE cannot be used, a heap being created is built under
 * "<path>.tmp.<pid>.<8 hex digits>" (region_create); nothing else is ever
 * named like that. */
#define TMP_INFIX ".tmp."
#define TMP_HEX 8

/* align_up -- round v up to a multiple of the power of two a */
static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* pma_geometry -- layout of a heap of size bytes; 0 or -EINVAL (message set) */
int pma_geometry(size_t size, struct pma_geometry *g) {
  long page = sysconf(_SC_PAGESIZE);
  uint64_t min = align_up(PMA_MAP_OFF + 4096, PMA_CHUNK) + (uint64_t)PMA_MIN_CHUNKS * PMA_CHUNK;
  if (size == 0) {
    pma_err("heap size 0: a new heap needs a size > 0 (at least %llu bytes)",
            (unsigned long long)min);
    return -EINVAL;
  }
  if (size % (size_t)page) {
    pma_err("heap size %zu is not a multiple of the page size (%ld)", size, page);
    return -EINVAL;
  }
  if (size < min) {
    pma_err("heap size %zu is too small: a heap needs at least %llu bytes "
            "(header, %u log slots, chunk map and %u data chunks of %u bytes)",
            size, (unsigned long long)min, PMA_NSLOTS, PMA_MIN_CHUNKS, PMA_CHUNK);
    return -EINVAL;
  }
  if (size > PMA_MAX_HEAP) {
    pma_err("heap size %zu is too large (at most %llu bytes)", size,
            (unsigned long long)PMA_MAX_HEAP);
    return -EINVAL;
  }
  uint64_t n = (size - PMA_MAP_OFF) / PMA_CHUNK;
  for (;; n--) {
    uint64_t doff = align_up(PMA_MAP_OFF + align_up(n, 4096), PMA_CHUNK);
    if (doff + n * PMA_CHUNK <= size) {
      g->nchunks = n;
      g->map_off = PMA_MAP_OFF;
      g->data_off = doff;
      return 0;
    }
  }
}

/* write_all -- pwrite the whole buffer or fail */
static int write_all(int fd, const void *buf, size_t len, off_t off) {
  const char *p = buf;
  while (len) {
    ssize_t w = pwrite(fd, p, len, off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += w;
    len -= (size_t)w;
    off += w;
  }
  return 0;
}

/* fsync_dir -- make a rename in path's directory durable */
static void fsync_dir(const char *path) {
  char *copy = strdup(path);
  if (!copy)
    return;
  int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  free(copy);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

/* tmp_pid -- the creator's pid if name is exactly base's temporary-name
 * pattern (base ".tmp." decimal pid "." 8 lowercase hex digits), else 0 */
static long tmp_pid(const char *name, const char *base) {
  size_t bl = strlen(base), il = strlen(TMP_INFIX);
  if (strncmp(name, base, bl) || strncmp(name + bl, TMP_INFIX, il))
    return 0;
  const char *p = name + bl + il;
  long pid = 0;
  if (*p < '1' || *p > '9')
    return 0;
  for (; isdigit((unsigned char)*p); p++) {
    if (pid > (1L << 30))
      return 0;
    pid = pid * 10 + (*p - '0');
  }
  if (*p++ != '.')
    return 0;
  for (int k = 0; k < TMP_HEX; k++, p++)
    if (!isdigit((unsigned char)*p) && (*p < 'a' || *p > 'f'))
      return 0;
  return *p ? 0 : pid;
}

/* remove_stale_temps -- delete the temporaries of path that a creation killed
 * part-way left behind (they are never a valid heap: the heap gets its name
 * only when complete).  A temporary is stale when its creator is gone: no
 * flock on it (a live creator holds one from the moment it made the file,
 * which also covers a creator in another pid namespace) and its pid names no
 * process (kill(pid, 0) is ESRCH; a live pid, even a reused one, keeps the
 * file, which covers the instant between a creator's open and its flock).
 * Only regular files with exactly the temporary-name pattern are touched. */
static void remove_stale_temps(const char *path, int verbose) {
  char *dcopy = strdup(path), *bcopy = strdup(path);
  if (!dcopy || !bcopy)
    goto out;
  const char *dir = dirname(dcopy), *base = basename(bcopy);
  DIR *d = opendir(dir);
  if (!d)
    goto out;
  int dfd = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    long pid = tmp_pid(e->d_name, base);
    if (!pid || pid == (long)getpid())
      continue;
    int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      continue;
    struct stat st, now;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && !flock(fd, LOCK_EX | LOCK_NB) &&
        kill((pid_t)pid, 0) && errno == ESRCH &&
        !fstatat(dfd, e->d_name, &now, AT_SYMLINK_NOFOLLOW) && now.st_ino == st.st_ino &&
        now.st_dev == st.st_dev && !unlinkat(dfd, e->d_name, 0) && verbose)
      fprintf(stderr,
              "pmatomic: removed %s/%s: the temporary file of a heap creation that process "
              "%ld did not finish (%lld bytes; that process no longer exists)\n",
              dir, e->d_name, pid, (long long)st.st_size);
    close(fd); /* drops the flock */
  }
  closedir(d);
out:
  free(dcopy);
  free(bcopy);
}

/* is_dax -- does the open file fd live on a DAX file system (its mapping
 * would be persistent memory); 0 when the kernel cannot say (before 5.8) */
static int is_dax(int fd) {
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
    return 0;
  return (stx.stx_attributes_mask & STATX_ATTR_DAX) && (stx.stx_attributes & STATX_ATTR_DAX);
}

/* want_full -- reserve every block of a new heap file now?  PMA_PREALLOC
 * decides; unset: yes in pmem mode and on DAX (a hole there is filled by a
 * page fault, which SIGBUSes on a full device and is slow), no otherwise (a
 * process-mode heap's pages live in the page cache: blocks are found when
 * pages are first written, and many mostly empty heaps cost little disk). */
static int want_full(const struct pma_heap *h, int fd) {
  switch (h->env.prealloc) {
  case PMA_PREALLOC_FULL:
    return 1;
  case PMA_PREALLOC_SPARSE:
    return 0;
  case PMA_PREALLOC_AUTO:
    break;
  }
  if (h->mode == PMA_MODE_PMEM)
    return 1;
  return h->mode == PMA_MODE_DEFAULT && is_dax(fd);
}

/* fill_new -- size the new file fd (named name in messages) and write its
 * header, fsynced; 0 or <0 (message set) */
static int fill_new(struct pma_heap *h, int fd, const char *name, size_t size, uintptr_t base,
                    const struct pma_geometry *g) {
  /* Full: a full disk fails here, not as a SIGBUS in a store later. */
  int full = want_full(h, fd), e = 0, rc;
  if (full) {
    e = posix_fallocate(fd, 0, (off_t)size);
    if (e == EOPNOTSUPP || e == EINVAL)
      full = 0;
  }
  if (!full)
    e = ftruncate(fd, (off_t)size) ? errno : 0;
  if (e) {
    pma_err("cannot %s %zu bytes for %s: %s", full ? "allocate" : "size the file to", size, name,
            strerror(e));
    return -e;
  }
  h->prealloc_full = full;
  if (h->env.test_create_kill)
    raise(SIGKILL);

  struct pma_header *hdr = calloc(1, sizeof *hdr);
  if (!hdr) {
    pma_err("out of memory");
    return -ENOMEM;
  }
  memcpy(hdr->s.magic, PMA_MAGIC, 8);
  hdr->s.version = PMA_FORMAT_VERSION;
  hdr->s.hdr_size = PMA_HDR_SIZE;
  hdr->s.heap_size = size;
  hdr->s.base = base;
  if (getrandom(hdr->s.uuid, sizeof hdr->s.uuid, 0) != sizeof hdr->s.uuid) {
    uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    memcpy(hdr->s.uuid, &t, 8);
  }
  hdr->s.chunk_size = PMA_CHUNK;
  hdr->s.nchunks = g->nchunks;
  hdr->s.slot_off = PMA_SLOT_OFF;
  hdr->s.nslots = PMA_NSLOTS;
  hdr->s.slot_size = PMA_SLOT_SIZE;
  hdr->s.map_off = g->map_off;
  hdr->s.data_off = g->data_off;
  hdr->s.ctime = (uint64_t)time(NULL);
  hdr->s.checksum = pma_hdr_checksum(&hdr->s);
  hdr->d.clean = 1;
  /* Slot table and chunk map start as zeros: the file is fresh. */
  rc = write_all(fd, hdr, sizeof *hdr, 0);
  free(hdr);
  if (rc) {
    pma_err("cannot write the header of %s: %s", name, strerror(-rc));
    return rc;
  }
  if (fsync(fd)) {
    rc = -errno;
    pma_err("cannot fsync %s: %s", name, strerror(errno));
    return rc;
  }
  return 0;
}

/* create_unnamed -- build the heap in an O_TMPFILE file of path's directory
 * and link it in as path (linkat refuses to replace): a creator killed
 * part-way leaves nothing behind, the kernel frees an unlinked file.  0
 * created, 1 path appeared meanwhile, <0 error (message set), 2 this way is
 * not available here (no O_TMPFILE in the file system, no /proc to link
 * through): use a named temporary */
static int create_unnamed(struct pma_heap *h, const char *path, size_t size, uintptr_t base,
                          const struct pma_geometry *g) {
  if (h->env.test_create_named)
    return 2;
  char *dcopy = strdup(path);
  if (!dcopy) {
    pma_err("out of memory");
    return -ENOMEM;
  }
  int fd = open(dirname(dcopy), O_TMPFILE | O_RDWR | O_CLOEXEC, 0666);
  free(dcopy);
  if (fd < 0)
    return 2;
  int rc = fill_new(h, fd, path, size, base, g);
  if (!rc) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) &&
        (errno == EEXIST || linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH)))
      rc = errno == EEXIST ? 1 : 2;
  }
  close(fd);
  if (!rc)
    fsync_dir(path);
  return rc;
}

/* region_create -- build a new heap where no one sees it half-built and
 * give it the name path without replacing anything: 0 created, 1 path
 * appeared meanwhile (someone else created it), <0 error (message set) */
static int region_create(struct pma_heap *h, const char *path, size_t size, uintptr_t base) {
  struct pma_geometry g;
  int rc = pma_geometry(size, &g);
  if (rc)
    return rc;
  if (base + size < base || base + size > 0x7ffffffff000ull) {
    pma_err("base address %#lx + heap size %zu does not fit in the user address space",
            (unsigned long)base, size);
    return -EINVAL;
  }
  if ((rc = create_unnamed(h, path, size, base, &g)) != 2)
    return rc;

  /* A named temporary: removed by remove_stale_temps if we are killed. */
  size_t tlen = strlen(path) + 64;
  char *tmp = malloc(tlen);
  if (!tmp) {
    pma_err("out of memory");
    return -ENOMEM;
  }
  uint32_t rnd = 0;
  if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
    rnd = (uint32_t)time(NULL);
  snprintf(tmp, tlen, "%s" TMP_INFIX "%ld.%0*x", path, (long)getpid(), TMP_HEX, rnd);
  int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    rc = -errno;
    pma_err("cannot create %s: %s", tmp, strerror(errno));
    free(tmp);
    return rc;
  }
  /* Held until the file is complete: remove_stale_temps leaves it alone. */
  flock(fd, LOCK_EX | LOCK_NB);
  rc = fill_new(h, fd, tmp, size, base, &g);
  if (rc)
    goto fail;
  close(fd);
  fd = -1;

  /* Never replace: two processes racing to create must end with one heap. */
  if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE)) {
    if (errno == EEXIST) {
      unlink(tmp);
      free(tmp);
      return 1;
    }
    if (errno != EINVAL && errno != ENOSYS) {
      rc = -errno;
      pma_err("cannot rename %s to %s: %s", tmp, path, strerror(errno));
      goto fail;
    }
    /* Filesystem without RENAME_NOREPLACE: link() refuses to replace too. */
    if (link(tmp, path)) {
      rc = errno == EEXIST ? 1 : -errno;
      if (rc < 0)
        pma_err("cannot link %s to %s: %s", tmp, path, strerror(errno));
      unlink(tmp);
      free(tmp);
      return rc;
    }
    unlink(tmp);
  }
  fsync_dir(path);
  free(tmp);
  return 0;

fail:
  if (fd >= 0)
    close(fd);
  unlink(tmp);
  free(tmp);
  return rc;
}

/* printable -- the 8 magic bytes as a C string with escapes */
static void printable(const char *in, size_t n, char *out, size_t outlen) {
  size_t o = 0;
  for (size_t i = 0; i < n && o + 5 < outlen; i++) {
    unsigned char c = (unsigned char)in[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
  }
  out[o] = '\0';
}

/* occupant -- describe what /proc/self/maps has in [lo, hi) */
static void occupant(uintptr_t lo, uintptr_t hi, char *out, size_t outlen) {
  snprintf(out, outlen, "(unknown mapping)");
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f)
    return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e;
    if (sscanf(line, "%lx-%lx", &s, &e) != 2)
      continue;
    if (s < hi && e > lo) {
      size_t n = strcspn(line, "\n");
      while (n && line[n - 1] == ' ')
        n--;
      line[n] = '\0';
      snprintf(out, outlen, "%s", line);
      break;
    }
  }
  fclose(f);
}

/* pma_header_check -- refuse anything but a v1 heap consistent with fsize */
int pma_header_check(const char *path, const struct pma_header *hdr, off_t fsize) {
  const struct pma_hdr_static *s = &hdr->s;
  if (memcmp(s->magic, PMA_MAGIC, 8)) {
    char found[64];
    printable(s->magic, 8, found, sizeof found);
    pma_err("%s is not a pmatomic heap: wrong magic (expected \"%s\", found \"%s\")", path,
            PMA_MAGIC, found);
    return -EINVAL;
  }
  if (s->version != PMA_FORMAT_VERSION) {
    pma_err("%s: heap format version %u (library expects %u)", path, s->version,
            PMA_FORMAT_VERSION);
    return -EPROTO;
  }
  uint64_t sum = pma_hdr_checksum(s);
  if (sum != s->checksum) {
    pma_err("%s: header checksum mismatch (stored %#018llx, computed %#018llx)", path,
            (unsigned long long)s->checksum, (unsigned long long)sum);
    return -EINVAL;
  }
  if ((uint64_t)fsize < s->heap_size) {
    pma_err("%s: file is %lld bytes but its header says the heap is %llu bytes (truncated)", path,
            (long long)fsize, (unsigned long long)s->heap_size);
    return -EINVAL;
  }
  if ((uint64_t)fsize > s->heap_size) {
    pma_err("%s: file is %lld bytes but its header says the heap is %llu bytes", path,
            (long long)fsize, (unsigned long long)s->heap_size);
    return -EINVAL;
  }
  struct pma_geometry g;
  if (pma_geometry(s->heap_size, &g) || s->hdr_size != PMA_HDR_SIZE ||
      s->chunk_size != PMA_CHUNK || s->nslots != PMA_NSLOTS || s->slot_size != PMA_SLOT_SIZE ||
      s->slot_off != PMA_SLOT_OFF || s->nchunks != g.nchunks || s->map_off != g.map_off ||
      s->data_off != g.data_off) {
    pma_err("%s: header geometry inconsistent (header %u, chunk %llu, slots %u x %u at %llu, "
            "%llu chunks, map at %llu, data at %llu; expected 4096, %u, %u x %u at %u, %llu "
            "chunks, map at %llu, data at %llu for a %llu-byte heap)",
            path, s->hdr_size, (unsigned long long)s->chunk_size, s->nslots, s->slot_size,
            (unsigned long long)s->slot_off, (unsigned long long)s->nchunks,
            (unsigned long long)s->map_off, (unsigned long long)s->data_off, PMA_CHUNK,
            PMA_NSLOTS, PMA_SLOT_SIZE, PMA_SLOT_OFF, (unsigned long long)g.nchunks,
            (unsigned long long)g.map_off, (unsigned long long)g.data_off,
            (unsigned long long)s->heap_size);
    return -EINVAL;
  }
  if (s->base == 0 || (s->base & (PMA_CHUNK - 1)) || s->base + s->heap_size > 0x7ffffffff000ull) {
    pma_err("%s: header base address %#llx is not a 64 KiB-aligned user address", path,
            (unsigned long long)s->base);
    return -EINVAL;
  }
  return 0;
}

/* map_fixed -- map fd at exactly base; sets *sync when MAP_SYNC worked.
 * priv: the crash simulator's working copy (MAP_PRIVATE: copy-on-write, the
 * program's stores never reach the file; sim.c writes the file itself). */
static void *map_fixed(int fd, uintptr_t base, size_t size, int priv, int *sync) {
  int prot = PROT_READ | PROT_WRITE;
  void *p;
  *sync = 0;
  if (priv) {
    p = mmap((void *)base, size, prot, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
  } else {
    p = mmap((void *)base, size, prot, MAP_SHARED_VALIDATE | MAP_SYNC | MAP_FIXED_NOREPLACE, fd,
             0);
    *sync = p != MAP_FAILED;
    if (p == MAP_FAILED && (errno == EOPNOTSUPP || errno == EINVAL))
      p = mmap((void *)base, size, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
  }
  if (p != MAP_FAILED && p != (void *)base) {
    /* A kernel older than 4.17 treats MAP_FIXED_NOREPLACE as a hint. */
    munmap(p, size);
    errno = EEXIST;
    p = MAP_FAILED;
  }
  return p;
}

/* open_or_create -- open path read-write, creating it if absent and allowed */
static int open_or_create(struct pma_heap *h, const char *path, size_t size, uintptr_t base,
                          unsigned flags) {
  remove_stale_temps(path, h->env.verbose);
  for (int tries = 0; tries < 3; tries++) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      if ((flags & PMA_OPEN_CREATE_ONLY) && !h->rec.created) {
        close(fd);
        pma_err("%s already exists (PMA_OPEN_CREATE_ONLY)", path);
        return -EEXIST;
      }
      return fd;
    }
    if (errno != ENOENT) {
      int e = errno;
      pma_err("cannot open heap file %s: %s", path, strerror(e));
      return -e;
    }
    if (flags & PMA_OPEN_NOCREATE) {
      pma_err("heap file %s does not exist (PMA_OPEN_NOCREATE)", path);
      return -ENOENT;
    }
    int rc = region_create(h, path, size, base);
    if (rc < 0)
      return rc;
    h->rec.created = rc == 0;
  }
  pma_err("heap file %s keeps disappearing while being opened", path);
  return -ENOENT;
}

/* pma_region_open -- open (or create) path, validate it and map it at its base
 * (privately when h->mode is PMA_MODE_SIM); fills h->fd/base/size/hdr/slots/
 * map/data/nchunks/media_pmem.  Nothing in the file is modified.  0 or -errno
 * (message set). */
int pma_region_open(struct pma_heap *h, const char *path, size_t size, uintptr_t base,
                    unsigned flags) {
  int fd = open_or_create(h, path, size, base, flags);
  if (fd < 0)
    return fd;
  int rc;
  if (flock(fd, LOCK_EX | LOCK_NB)) {
    rc = -errno;
    if (errno == EWOULDBLOCK)
      pma_err("heap file %s is in use by another process (flock held); "
              "a heap can be open in one process at a time", path);
    else
      pma_err("cannot flock heap file %s: %s", path, strerror(errno));
    goto fail;
  }
  struct stat st;
  if (fstat(fd, &st)) {
    rc = -errno;
    pma_err("cannot stat heap file %s: %s", path, strerror(errno));
    goto fail;
  }
  if (!S_ISREG(st.st_mode)) {
    rc = -EINVAL;
    pma_err("%s is not a regular file", path);
    goto fail;
  }
  if (st.st_size < (off_t)PMA_HDR_SIZE) {
    rc = -EINVAL;
    if (st.st_size == 0)
      pma_err("%s is empty (0 bytes): not a pmatomic heap (a heap starts with a %u-byte header)",
              path, PMA_HDR_SIZE);
    else
      pma_err("%s is truncated: %lld bytes (a pmatomic heap header alone needs %u)", path,
              (long long)st.st_size, PMA_HDR_SIZE);
    goto fail;
  }
  struct pma_header hdr;
  ssize_t r = pread(fd, &hdr, sizeof hdr, 0);
  if (r != (ssize_t)sizeof hdr) {
    rc = r < 0 ? -errno : -EIO;
    pma_err("cannot read the header of %s: %s", path, r < 0 ? strerror(errno) : "short read");
    goto fail;
  }
  rc = pma_header_check(path, &hdr, st.st_size);
  if (rc)
    goto fail;

  int sync;
  int priv = h->mode == PMA_MODE_SIM;
  void *p = map_fixed(fd, hdr.s.base, hdr.s.heap_size, priv, &sync);
  if (p == MAP_FAILED) {
    rc = -errno;
    if (errno == EEXIST) {
      char what[512];
      occupant(hdr.s.base, hdr.s.base + hdr.s.heap_size, what, sizeof what);
      pma_err("%s: base address unavailable: the heap must be mapped at %#llx-%#llx, "
              "but that range is occupied by: %s",
              path, (unsigned long long)hdr.s.base,
              (unsigned long long)(hdr.s.base + hdr.s.heap_size), what);
      rc = -EADDRINUSE;
    } else {
      pma_err("cannot map %s at %#llx (%llu bytes): %s", path, (unsigned long long)hdr.s.base,
              (unsigned long long)hdr.s.heap_size, strerror(errno));
    }
    goto fail;
  }
  h->fd = fd;
  h->base = p;
  h->size = hdr.s.heap_size;
  h->hdr = p;
  h->slots = (struct pma_slot *)((char *)p + PMA_SLOT_OFF);
  h->map = (uint8_t *)p + hdr.s.map_off;
  h->data = (char *)p + hdr.s.data_off;
  h->nchunks = hdr.s.nchunks;
  h->data_off = hdr.s.data_off;
  h->media_pmem = !priv && (sync || pmem_is_pmem(p, h->size));
  return 0;

fail:
  close(fd); /* drops the flock too */
  return rc;
}

/* pma_region_sync -- msync the pages of [addr, addr+len) (MS_SYNC).  A no-op
 * in sim mode: the private mapping has nothing to write back, and what is
 * durable there is decided by the flush table alone (sim.c). */
int pma_region_sync(struct pma_heap *h, const void *addr, size_t len) {
  if (h->mode == PMA_MODE_SIM)
    return 0;
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t s = (uintptr_t)addr & ~(uintptr_t)(page - 1);
  uintptr_t e = (uintptr_t)addr + len;
  if (s < (uintptr_t)h->base)
    s = (uintptr_t)h->base;
  if (e > (uintptr_t)h->base + h->size)
    e = (uintptr_t)h->base + h->size;
  if (e <= s)
    return 0;
  if (msync((void *)s, e - s, MS_SYNC)) {
    int rc = -errno;
    pma_err("msync of the heap failed: %s", strerror(errno));
    return rc;
  }
  return 0;
}

/* pma_region_close -- unmap and close (the flock goes with the descriptor) */
void pma_region_close(struct pma_heap *h) {
  if (h->base)
    munmap(h->base, h->size);
  if (h->fd >= 0)
    close(h->fd);
  h->base = NULL;
  h->fd = -1;
}
