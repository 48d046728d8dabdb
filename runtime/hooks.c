/*
 * hooks.c -- the store hooks the pass inserts before stores that may reach
 * the heap (pmatomic_interface.h)
 *
 * Fast path: one subtraction and one comparison against the mapped heap; an
 * access that cannot touch the heap returns at once.  Accesses that straddle
 * a heap boundary are clipped to the part inside.
 */
#include <string.h>

#include "internal.h"
#include "pmatomic_interface.h"

/* store_slow -- a store that may touch the heap: clip, then log or note */
static PMA_NOINLINE void store_slow(uintptr_t addr, size_t len) {
  uintptr_t base = pma_rt.base, size = __atomic_load_n(&pma_rt.size, __ATOMIC_ACQUIRE);
  uintptr_t s = addr, e = addr + len;
  if (e < s) /* wraps the address space */
    e = UINTPTR_MAX;
  if (s < base)
    s = base;
  if (e > base + size)
    e = base + size;
  if (s >= e)
    return;
  if (unlikely(pma_rt.sim)) /* a simulator event; notes the store order too */
    pma_sim_store(s, e - s);
  struct pma_thread *t = pma_self();
  if (t->depth == 0) {
    /* Not logged; durable by the thread's next commit, pma_sync or pma_close. */
    if (pma_rt.durable && !PMA_MUTANT(nonfase_unnoted)) {
      pma_thread_ready(t);
      pma_dirty_add(t, s, e - s);
    }
    return;
  }
  pma_thread_ready(t);
  pma_log_store(t, s, e - s);
}

/* A fixed-size access [a, a+N) meets [base, base+size) iff
 * a + N - 1 - base (unsigned) < size + N - 1: one compare. */
#define PMA_STORE_HOOK(N)                                                            \
  PMA_EXPORT void __pma_store##N(void *addr) {                                       \
    uintptr_t x = (uintptr_t)addr + (N - 1) - pma_rt.base;                           \
    if (unlikely(x < pma_rt.size + (N - 1)))                                         \
      store_slow((uintptr_t)addr, N);                                                \
  }

/* __pma_store1/2/4/8/16 -- before a store of 1/2/4/8/16 bytes at addr */
PMA_STORE_HOOK(1)
PMA_STORE_HOOK(2)
PMA_STORE_HOOK(4)
PMA_STORE_HOOK(8)
PMA_STORE_HOOK(16)

/* __pma_store_n -- before a store of size bytes at addr (any size) */
PMA_EXPORT void __pma_store_n(void *addr, size_t size) {
  uintptr_t a = (uintptr_t)addr, base = pma_rt.base;
  if (likely(a - base >= pma_rt.size && (a >= base || a + size <= base)))
    return;
  if (size)
    store_slow(a, size);
}

/* may_reach -- could a write starting at dst touch the heap (cheap pre-test
 * before measuring a string) */
static inline int may_reach(const char *dst) {
  return pma_rt.size && (uintptr_t)dst < pma_rt.base + pma_rt.size;
}

/* __pma_store_strcpy -- before strcpy/stpcpy(dst, src) */
PMA_EXPORT void __pma_store_strcpy(char *dst, const char *src) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst, strlen(src) + 1);
}

/* __pma_store_strcat -- before strcat(dst, src) */
PMA_EXPORT void __pma_store_strcat(char *dst, const char *src) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst + strlen(dst), strlen(src) + 1);
}

/* __pma_store_strncat -- before strncat(dst, src, n) */
PMA_EXPORT void __pma_store_strncat(char *dst, const char *src, size_t n) {
  if (likely(!may_reach(dst)))
    return;
  __pma_store_n(dst + strlen(dst), strnlen(src, n) + 1);
}
