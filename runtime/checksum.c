/*
 * checksum.c -- the 64-bit checksums of the heap format
 *
 * One word-at-a-time hash (xxhash-style rounds, murmur3 finaliser) serves the
 * static header and the undo records.  Records are keyed with the FASE's
 * sequence number, which is not stored: recovery knows which seq it looks for,
 * so a stale record of an older FASE never checks out (design.md section 2).
 * The algorithm is part of the heap format (format.h declares it): a change
 * here is a format change.
 */
#include <string.h>

#include "format.h"
#include "internal.h" /* PMA_MUTANT only */

/* pma_mix -- final avalanche of a 64-bit hash state (murmur3 fmix64) */
static inline uint64_t pma_mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

/* pma_round -- absorb one 64-bit word into a hash state */
static inline uint64_t pma_round(uint64_t h, uint64_t w) {
  h += w * PMA_P2;
  h = (h << 31) | (h >> 33);
  return h * PMA_P1;
}

/* pma_hash_bytes -- absorb [p, p+len), zero-padded to 8, into state h */
uint64_t pma_hash_bytes(uint64_t h, const void *p, size_t len) {
  const unsigned char *c = p;
  size_t n = len / 8;
  for (size_t i = 0; i < n; i++) {
    uint64_t w;
    memcpy(&w, c + 8 * i, 8);
    h = pma_round(h, w);
  }
  if (len % 8) {
    /* the last partial word, assembled in a register: copying it into a
     * zeroed stack word and loading that back stalls store forwarding (the
     * common case: the 1-byte records of the allocator) */
    const unsigned char *t = c + 8 * n;
    uint64_t w = 0;
    for (size_t i = 0; i < len % 8; i++)
      w |= (uint64_t)t[i] << (8 * i);
    h = pma_round(h, w);
  }
  return h;
}

/* pma_rec_check -- checksum of one record for FASE seq */
uint64_t pma_rec_check(uint64_t seq, uint64_t hdr, const void *data, size_t len) {
  if (PMA_MUTANT(checksum_unkeyed))
    seq = 0;
  uint64_t h = pma_round(seq ^ 0x504d415245434f52ull /* "PMARECOR" */, hdr);
  h = pma_hash_bytes(h, data, len);
  return pma_mix(h ^ len);
}

/* pma_hdr_checksum -- checksum of the static header bytes 0..247 */
uint64_t pma_hdr_checksum(const struct pma_hdr_static *s) {
  return pma_mix(pma_hash_bytes(0x504d41484541444full /* "PMAHEADO" */, s,
                                offsetof(struct pma_hdr_static, checksum)));
}
