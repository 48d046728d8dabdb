/*
 * flush.c -- the flush layer: one function-pointer table chosen at open
 *
 * Every cache flush, fence and non-temporal copy of the commit protocol goes
 * through pma_rt.ops, so the crash simulator (PMA_MODE=sim, sim.c) stands
 * behind the same table and sees exactly what the protocol asks for.
 *
 *   process  no-ops: a process crash keeps every executed store (page cache)
 *   pmem     libpmem: pmem_flush (clwb > clflushopt > clflush, chosen by
 *            libpmem from CPUID), pmem_drain (sfence), pmem_memmove and
 *            pmem_memset with PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN
 *   sim      sim.c: flushes snapshot lines into a per-thread pending set,
 *            fences write them into the simulated media
 */
#include <libpmem.h>
#include <string.h>

#include "internal.h"

/* noop_flush -- process mode: stores reach the page cache in program order */
static void noop_flush(const void *addr, size_t len) {
  (void)addr;
  (void)len;
}

/* noop_fence -- process mode: only keep the compiler from reordering */
static void noop_fence(void) { atomic_signal_fence(memory_order_seq_cst); }

/* plain_memmove -- process mode: an ordinary move */
static void plain_memmove(void *dst, const void *src, size_t len) { memmove(dst, src, len); }

/* plain_memset -- process mode: an ordinary fill */
static void plain_memset(void *dst, int c, size_t len) { memset(dst, c, len); }

/* libpmem_flush -- write back the lines of [addr, addr+len) */
static void libpmem_flush(const void *addr, size_t len) { pmem_flush(addr, len); }

/* libpmem_fence -- wait for earlier flushes and non-temporal stores */
static void libpmem_fence(void) { pmem_drain(); }

/* libpmem_memmove_nt -- non-temporal move; not yet fenced.  libpmem writes
 * the whole lines with non-temporal stores and the partial lines at either
 * end with ordinary stores that it flushes, so one drain covers every byte. */
static void libpmem_memmove_nt(void *dst, const void *src, size_t len) {
  pmem_memmove(dst, src, len, PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN);
}

/* libpmem_memset_nt -- non-temporal fill; not yet fenced (edges as above) */
static void libpmem_memset_nt(void *dst, int c, size_t len) {
  pmem_memset(dst, c, len, PMEM_F_MEM_NONTEMPORAL | PMEM_F_MEM_NODRAIN);
}

static const struct pma_flush_ops process_ops = {noop_flush, noop_fence, plain_memmove,
                                                 plain_memset};
static const struct pma_flush_ops pmem_ops = {libpmem_flush, libpmem_fence, libpmem_memmove_nt,
                                              libpmem_memset_nt};

/* pma_flush_select -- install the table for mode (called once per open) */
void pma_flush_select(enum pma_mode mode) {
  switch (mode) {
  case PMA_MODE_PMEM:
    pma_rt.ops = pmem_ops;
    pma_rt.durable = 1;
    break;
  case PMA_MODE_SIM:
    pma_rt.ops = pma_sim_ops;
    pma_rt.durable = 1;
    break;
  default:
    pma_rt.ops = process_ops;
    pma_rt.durable = 0;
    break;
  }
}
