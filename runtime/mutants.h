/*
 * mutants.h -- the seeded protocol bugs of the mutant runtime (mutation
 * testing of the crash tests, docs/crashtest.md)
 *
 * Compiled only into libpmatomic_rt_mutant (-DPMA_MUTANTS=ON, macro
 * PMA_MUTANT_BUILD); PMA_MUTANT=<number or name> selects one at pma_open.
 * Each is one step of the protocol (design.md sections 2-4 and 6) left out
 * or done in the wrong order; `make check-mutants` runs the crash tests
 * against each and expects every one to be caught ("killed").  The list is
 * parsed by test/sim/check-mutants.py: keep one X(...) per line.
 */
#ifndef PMA_MUTANTS_H
#define PMA_MUTANTS_H

/* X(number, name, one-line description) */
#define PMA_MUTANT_LIST(X)                                                                   \
  X(1, rec_unflushed, "undo records are written but never flushed")                         \
  X(2, log_unfenced, "no fence between logging a store and the store itself")               \
  X(3, rec_last_line, "a record spanning several cache lines is flushed without its last")  \
  X(4, nt_tail_unflushed, "non-temporal record: the last partial word is not flushed")      \
  X(5, checksum_unkeyed, "record checksums are not keyed with the FASE's seq")              \
  X(6, no_checksum_check, "recovery accepts any record with a plausible header")            \
  X(7, commit_no_data_flush, "commit retires the FASE without flushing its data")           \
  X(8, commit_no_fence, "no fence between the commit's data flush and the retire")          \
  X(9, dirty_last_line, "the commit's flush of a multi-line range skips its last line")     \
  X(10, retire_unflushed, "the retire store (retired_seq = seq) is not flushed")            \
  X(11, retire_first, "the FASE is retired before its data is flushed")                     \
  X(12, rollback_forward, "recovery applies the records oldest first")                      \
  X(13, recover_retire_first, "recovery retires the FASE before restoring the data")        \
  X(14, recover_no_restore_flush, "recovery does not flush the restored bytes")             \
  X(15, recover_no_fence, "recovery: no fence between restoring and retiring")              \
  X(16, recover_retire_unflushed, "recovery's retire store is not flushed")                 \
  X(17, recover_one_slot, "recovery rolls back only the first slot with a pending FASE")    \
  X(18, recover_stop_at_jump, "recovery ends a log at its first JUMP")                      \
  X(19, alloc_unlogged, "small allocation: block-map byte set without logging it")          \
  X(20, large_alloc_unlogged, "large allocation: chunk-map bytes set without logging them") \
  X(21, free_unlogged, "deferred free: the 1 -> 2 block state change is not logged")         \
  X(22, free_immediate, "pma_free inside a FASE frees the block at once (not deferred)")    \
  X(23, run_claim_unflushed, "claiming a chunk for a run: the map byte is not made durable") \
  X(24, run_map_unflushed, "claiming a chunk for a run: its zeroed block map is not flushed") \
  X(25, log_chunk_map_unflushed, "a new log chunk's map byte (0x40) is not made durable")   \
  X(26, chunk_header_unflushed, "a new log chunk's header is not made durable before linking") \
  X(27, root_unlogged, "the root offset and size are updated without logging")              \
  X(28, early_release, "an inner unlock publishes nothing: no dependency is recorded")       \
  X(29, filter_whole_words, "the filter marks whole words logged when only some bytes were") \
  X(30, close_clean_first, "pma_close marks the heap clean before flushing it")             \
  X(31, sync_no_fence, "pma_sync flushes the thread's stores but does not fence")           \
  X(32, persist_no_fence, "pma_persist flushes the range but does not fence")               \
  X(33, nonfase_unnoted, "stores outside FASEs are not noted for flushing")                 \
  X(34, jump_unflushed, "the JUMP record that ends a chunk is not flushed")                 \
  X(35, cond_wait_no_commit, "a condition wait releases the mutex without committing the FASE") \
  X(36, split_unfenced, "the records of one store split in pieces share one fence")          \
  X(37, commit_ignores_deps, "a FASE retires at commit even if a FASE it read from has not")  \
  X(38, recover_ignores_deps, "recovery keeps committed FASEs that read from rolled-back ones") \
  X(39, recover_no_mark, "recovery retires the logs without the recovering mark")           \
  X(40, nt_copy_shares_fence, "a non-temporal mem* write shares one fence with its undo record") \
  X(41, multi_unfenced, "no fence between a multi-range record and the stores it protects") \
  X(42, multi_check_first, "a multi-range record's checksum covers only its first range")    \
  X(43, multi_overflow_unnoted, "a batch hook whose notes overflow forgets the ranges already logged") \
  X(44, pend_unfenced, "a waiting allocation's state byte is set before its record's fence") \
  X(45, new_block_unnoted, "a hooked store into a block of the current FASE is not noted")    \
  X(46, big_calloc_cached, "a large pma_calloc zeroes through the cache and notes nothing")   \
  X(47, trim_unlink_unflushed, "a log chain trimmed after a large FASE gives its chunks back before the shorter chain is durable")   \
  X(48, frees_one_fence, "the commit's deferred-free records share one fence")               \
  X(49, free_tail_unflushed, "a freed large extent's tail map bytes are not made durable")   \
  X(50, atomic_dep_dropped, "an atomic of a FASE on a word another FASE wrote records no dependency")   \
  X(51, signal_not_deferred, "a signal handler interrupting the runtime runs at once, not at its end") \
  X(52, signal_ring_lost, "a handler that flushes the dirty list early forgets the interrupted code's recent hook ranges")

enum pma_mutant_id {
  PMA_MUT_none = 0,
#define PMA_MUTANT_ENUM(n, name, desc) PMA_MUT_##name = n,
  PMA_MUTANT_LIST(PMA_MUTANT_ENUM)
#undef PMA_MUTANT_ENUM
};

#endif /* PMA_MUTANTS_H */
