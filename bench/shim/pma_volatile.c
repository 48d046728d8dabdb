/*
 * pma_volatile.c -- the pmatomic API on volatile memory: configuration (a),
 * the floor of every benchmark.
 *
 * The benchmark programs include the real <pmatomic.h> and are built without
 * the plugin against this file instead of libpmatomic_rt: pma_open maps an
 * anonymous region (so the page-fault cost of first touch is comparable),
 * pma_malloc is libc malloc, pma_begin/pma_end are no-ops, the counters are
 * zero.  Nothing here is durable.
 */
#include <pmatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct pma_heap {
  void *base;
  size_t size;
  void *root;
  size_t root_size;
  struct pma_recovery_info ri;
};
static struct pma_heap the_heap;
static __thread int depth;

/* pma_open -- an anonymous mapping stands in for the heap file */
pma_heap *pma_open(const char *path, size_t size) { return pma_open_ex(path, size, NULL); }
pma_heap *pma_open_ex(const char *path, size_t size, const struct pma_open_opts *opts) {
  (void)path;
  (void)opts;
  if (the_heap.base)
    return NULL;
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  the_heap.base = p;
  the_heap.size = size;
  the_heap.ri.created = 1;
  the_heap.ri.was_clean = 1;
  return &the_heap;
}
int pma_close(pma_heap *h) {
  munmap(h->base, h->size);
  free(h->root);
  memset(h, 0, sizeof *h);
  return 0;
}
void *pma_root(pma_heap *h, size_t size) {
  if (size > h->root_size) {
    void *n = realloc(h->root, size);
    if (!n)
      return NULL;
    memset((char *)n + h->root_size, 0, size - h->root_size);
    h->root = n;
    h->root_size = size;
  }
  return h->root;
}
size_t pma_root_size(const pma_heap *h) { return h->root_size; }
void *pma_malloc(size_t size) { return malloc(size); }
void *pma_calloc(size_t n, size_t size) { return calloc(n, size); }
void *pma_realloc(void *p, size_t size) { return realloc(p, size); }
void pma_free(void *p) { free(p); }
size_t pma_usable_size(const void *p) { (void)p; return 0; }
void pma_begin(void) { depth++; }
void pma_end(void) { depth--; }
int pma_in_fase(void) { return depth > 0; }
void pma_persist(const void *a, size_t n) { (void)a; (void)n; }
void pma_sync(void) {}
int pma_is_heap(const void *a, size_t n) { (void)a; (void)n; return 0; }
pma_heap *pma_heap_current(void) { return the_heap.base ? &the_heap : NULL; }
const struct pma_recovery_info *pma_recovery(const pma_heap *h) { return &h->ri; }
enum pma_mode pma_mode_of(const pma_heap *h) { (void)h; return PMA_MODE_DEFAULT; }
const char *pma_mode_name(enum pma_mode m) { (void)m; return "volatile"; }
const char *pma_errormsg(void) { return "volatile shim"; }
void pma_get_stats(struct pma_stats *out) { memset(out, 0, sizeof *out); }
