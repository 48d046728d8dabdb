/*
 * heapfile.c -- read-only access to a heap file for `pmatomic info` and
 * `pmatomic check`
 *
 * Nothing here can modify the file: it is opened O_RDONLY and mapped
 * MAP_PRIVATE (PROT_READ, or copy-on-write for `check`) at whatever address the kernel picks (every
 * in-file reference is an offset, so the heap's fixed base is not needed to
 * read it, and a heap that is open in another process can be read too).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "heapfile.h"

/* heapfile_help -- 1 if argv is "CMD -h|--help" */
int heapfile_help(int argc, char **argv) {
  return argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
}

/* heapfile_open -- validate and map path read-only; 0 or 1 (message printed) */
int heapfile_open(const char *cmd, const char *path, int copy, struct heapfile *f) {
  memset(f, 0, sizeof *f);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "pmatomic %s: cannot open %s: %s\n", cmd, path, strerror(errno));
    return 1;
  }
  struct stat st;
  if (fstat(fd, &st)) {
    fprintf(stderr, "pmatomic %s: cannot stat %s: %s\n", cmd, path, strerror(errno));
    close(fd);
    return 1;
  }
  if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "pmatomic %s: %s is not a regular file\n", cmd, path);
    close(fd);
    return 1;
  }
  if (st.st_size < (off_t)sizeof f->hdr) {
    fprintf(stderr,
            "pmatomic %s: %s: file is %lld bytes, smaller than a heap header (%zu bytes)\n", cmd,
            path, (long long)st.st_size, sizeof f->hdr);
    close(fd);
    return 1;
  }
  if (pread(fd, &f->hdr, sizeof f->hdr, 0) != (ssize_t)sizeof f->hdr) {
    fprintf(stderr, "pmatomic %s: cannot read the header of %s\n", cmd, path);
    close(fd);
    return 1;
  }
  if (pma_header_check(path, &f->hdr, st.st_size)) {
    fprintf(stderr, "pmatomic %s: %s\n", cmd, pma_errormsg());
    close(fd);
    return 1;
  }
  const struct pma_hdr_static *s = &f->hdr.s;
  f->img = mmap(NULL, s->heap_size, PROT_READ | (copy ? PROT_WRITE : 0), MAP_PRIVATE, fd, 0);
  close(fd);
  if (f->img == MAP_FAILED) {
    f->img = NULL;
    fprintf(stderr, "pmatomic %s: cannot map %s: %s\n", cmd, path, strerror(errno));
    return 1;
  }
  pma_classes_init();
  f->h.fd = -1;
  f->h.base = f->img;
  f->h.size = s->heap_size;
  f->h.hdr = (struct pma_header *)f->img;
  f->h.slots = (struct pma_slot *)(f->img + s->slot_off);
  f->h.map = (uint8_t *)f->img + s->map_off;
  f->h.data = f->img + s->data_off;
  f->h.nchunks = s->nchunks;
  f->h.data_off = s->data_off;
  return 0;
}

/* heapfile_close -- unmap */
void heapfile_close(struct heapfile *f) {
  if (f->img)
    munmap(f->img, f->h.size);
  f->img = NULL;
}
