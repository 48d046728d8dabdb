/*
 * probe_sync.c -- does this runtime implement PMA_SYNC_PER_STORE=1?
 *
 *   probe_sync HEAP     (built with the plugin, run with PMA_MODE=pmem)
 *
 * One FASE stores the same heap word 100 times (built with
 * -fplugin-arg-pmatomic-no-opt, so that each store has its hook).  With the
 * per-FASE filter that costs one record and three fences; the Atlas-style
 * per-store mode (configuration (d)) logs, flushes and fences before every
 * store: about 100 records and 100+ fences.  Prints
 *   PROBE stores=100 log_records=.. fences=.. filtered_stores=.. per_store=0|1
 */
#include <pmatomic.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  pma_heap *h = pma_open(argv[1], 8u << 20);
  if (!h) {
    fprintf(stderr, "probe_sync: %s\n", pma_errormsg());
    return 2;
  }
  volatile long *w = pma_root(h, 64);
  struct pma_stats s0, s1;
  pma_get_stats(&s0);
  pma_begin();
  for (long i = 0; i < 100; i++)
    *w = i;
  pma_end();
  pma_get_stats(&s1);
  unsigned long long rec = s1.log_records - s0.log_records, fen = s1.fences - s0.fences,
                     filt = s1.filtered_stores - s0.filtered_stores;
  printf("PROBE stores=100 log_records=%llu fences=%llu filtered_stores=%llu per_store=%d\n", rec,
         fen, filt, rec >= 90 && fen >= 90);
  pma_close(h);
  return 0;
}
