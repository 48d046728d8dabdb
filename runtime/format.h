/*
 * format.h -- the on-media heap file format, version 3 (docs/design.md
 * sections 2 and 5, the chunk map in section 6)
 *
 * Everything a reader of a heap file needs and nothing of a running process:
 * the header, the log slots, log chunks and undo records, the sealed words,
 * the chunk and block map bytes, and the checksums that bind them.  The
 * runtime (through internal.h), recover.c, the pmatomic tool and the fuzzer
 * read the file through these definitions.  The _Static_asserts pin every
 * size and offset the document lists, so code and document cannot drift
 * apart silently; a change that trips one is a format change and bumps
 * PMA_FORMAT_VERSION.
 */
#ifndef PMA_FORMAT_H
#define PMA_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "pmatomic.h" /* PMA_FORMAT_VERSION: public, so a program can check it */

#ifndef PMA_HIDDEN
#define PMA_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The structs below describe version 3; bumping the version means revisiting
 * them (and design.md), so the two are tied here. */
_Static_assert(PMA_FORMAT_VERSION == 3, "format.h describes heap format version 3");

/* ------------------------------------------------------------------------ */
/* Layout (design.md section 5)                                             */
/* ------------------------------------------------------------------------ */

#define PMA_MAGIC "PMATOMIC"
#define PMA_HDR_SIZE 4096u
#define PMA_DYN_OFF 256u
#define PMA_SLOT_OFF 4096u
#define PMA_NSLOTS 256u
#define PMA_SLOT_SIZE 256u
#define PMA_MAP_OFF (PMA_SLOT_OFF + PMA_NSLOTS * PMA_SLOT_SIZE)
#define PMA_CHUNK 65536u
#define PMA_MIN_CHUNKS 4u  /* a new heap must hold at least this many data chunks */
#define PMA_MAX_HEAP (1ull << 46) /* heap offsets are 48 bits in records; keep margin */

_Static_assert(PMA_SLOT_OFF == PMA_HDR_SIZE, "the slot table follows the header");
_Static_assert(PMA_MAP_OFF == 69632, "the chunk map follows 256 slots of 256 bytes");
_Static_assert(PMA_CHUNK == 65536, "data and log chunks are 64 KiB");

/* Static header: offset 0, written once at creation, checksummed. */
struct pma_hdr_static {
  char magic[8];
  uint32_t version;
  uint32_t hdr_size;
  uint64_t heap_size;
  uint64_t base;
  uint8_t uuid[16];
  uint64_t chunk_size;
  uint64_t nchunks;
  uint64_t slot_off;
  uint32_t nslots;
  uint32_t slot_size;
  uint64_t map_off;
  uint64_t data_off;
  uint64_t ctime;
  uint8_t reserved[144];
  uint64_t checksum; /* of bytes 0..247 */
};
_Static_assert(offsetof(struct pma_hdr_static, version) == 8, "static header: version at 8");
_Static_assert(offsetof(struct pma_hdr_static, hdr_size) == 12, "static header: hdr_size at 12");
_Static_assert(offsetof(struct pma_hdr_static, heap_size) == 16, "static header: heap_size at 16");
_Static_assert(offsetof(struct pma_hdr_static, base) == 24, "static header: base at 24");
_Static_assert(offsetof(struct pma_hdr_static, uuid) == 32, "static header: uuid at 32");
_Static_assert(offsetof(struct pma_hdr_static, chunk_size) == 48, "static header: chunk_size at 48");
_Static_assert(offsetof(struct pma_hdr_static, nchunks) == 56, "static header: nchunks at 56");
_Static_assert(offsetof(struct pma_hdr_static, slot_off) == 64, "static header: slot_off at 64");
_Static_assert(offsetof(struct pma_hdr_static, nslots) == 72, "static header: nslots at 72");
_Static_assert(offsetof(struct pma_hdr_static, slot_size) == 76, "static header: slot_size at 76");
_Static_assert(offsetof(struct pma_hdr_static, map_off) == 80, "static header: map_off at 80");
_Static_assert(offsetof(struct pma_hdr_static, data_off) == 88, "static header: data_off at 88");
_Static_assert(offsetof(struct pma_hdr_static, ctime) == 96, "static header: ctime at 96");
_Static_assert(offsetof(struct pma_hdr_static, reserved) == 104, "static header: reserved at 104");
_Static_assert(offsetof(struct pma_hdr_static, checksum) == 248, "static header: checksum at 248");
_Static_assert(sizeof(struct pma_hdr_static) == 256, "static header: 256 bytes");

/* Dynamic header: offset 256, its own XPLine, updated at run time. */
struct pma_hdr_dyn {
  uint64_t clean;      /* 1 after pma_close, 0 while open */
  uint64_t root_off;   /* changed only inside a FASE (logged) */
  uint64_t root_size;  /* changed only inside a FASE (logged) */
  uint64_t open_count;
  uint64_t recovering; /* sealed word: 1 while recovery retires the logs it undid */
  uint8_t reserved[216];
};
_Static_assert(offsetof(struct pma_hdr_dyn, clean) == 256 - 256, "dynamic header: clean at 256");
_Static_assert(offsetof(struct pma_hdr_dyn, root_off) == 264 - 256, "dynamic header: root_off at 264");
_Static_assert(offsetof(struct pma_hdr_dyn, root_size) == 272 - 256,
               "dynamic header: root_size at 272");
_Static_assert(offsetof(struct pma_hdr_dyn, open_count) == 280 - 256,
               "dynamic header: open_count at 280");
_Static_assert(offsetof(struct pma_hdr_dyn, recovering) == 288 - 256,
               "dynamic header: recovering at 288 (since version 2)");
_Static_assert(sizeof(struct pma_hdr_dyn) == 256, "dynamic header: one 256-byte XPLine");

struct pma_header {
  struct pma_hdr_static s;
  struct pma_hdr_dyn d;
  uint8_t pad[PMA_HDR_SIZE - 512];
};
_Static_assert(offsetof(struct pma_header, d) == PMA_DYN_OFF, "dynamic header at offset 256");
_Static_assert(sizeof(struct pma_header) == PMA_HDR_SIZE, "header: 4096 bytes");

/* ------------------------------------------------------------------------ */
/* Log slots and sealed words (design.md section 2)                         */
/* ------------------------------------------------------------------------ */

/* Log slot: 256 bytes, one XPLine. */
struct pma_slot {
  uint64_t retired_seq; /* sealed: last FASE of this slot committed or rolled back */
  uint64_t first_chunk; /* heap offset of the first log chunk, 0 = none */
  uint64_t owner_tid;   /* diagnostic only */
  uint64_t head_seq;    /* sealed: FASE whose records start the chain (section 2) */
  uint8_t reserved[224];
};
_Static_assert(offsetof(struct pma_slot, first_chunk) == 8, "slot: first_chunk at 8");
_Static_assert(offsetof(struct pma_slot, owner_tid) == 16, "slot: owner_tid at 16");
_Static_assert(offsetof(struct pma_slot, head_seq) == 24, "slot: head_seq at 24 (since version 2)");
_Static_assert(offsetof(struct pma_slot, reserved) == 32, "slot: reserved at 32");
_Static_assert(sizeof(struct pma_slot) == PMA_SLOT_SIZE && PMA_SLOT_SIZE == 256,
               "slot: one 256-byte XPLine");

/* Sealed words (since version 2): a FASE number in bits 0..47 and, in bits
 * 48..63, the XOR of its three 16-bit pieces.  Any single flipped bit breaks
 * the seal, so a damaged retired_seq can never make a pending FASE look
 * retired; the all-zero word (a fresh slot) is the sealed 0.  One 8-byte
 * store keeps every update atomic. */
#define PMA_SEQ_MAX ((1ull << 48) - 1)
/* pma_seal_check -- the check bits of the 48-bit value in v */
static inline uint64_t pma_seal_check(uint64_t v) {
  return (v ^ (v >> 16) ^ (v >> 32)) & 0xffffu;
}
/* pma_seal -- the sealed word of seq (seq <= PMA_SEQ_MAX) */
static inline uint64_t pma_seal(uint64_t seq) { return seq | (pma_seal_check(seq) << 48); }
/* pma_unseal -- the value of sealed word w in *seq; -1 if the seal is broken */
static inline int pma_unseal(uint64_t w, uint64_t *seq) {
  *seq = w & PMA_SEQ_MAX;
  return (w >> 48) == pma_seal_check(*seq) ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* Log chunks and undo records (design.md section 2)                        */
/* ------------------------------------------------------------------------ */

/* Log chunk header; records follow at offset 16. */
#define PMA_LOGCK_MAGIC "PMALOGCK"
struct pma_chunk_hdr {
  char magic[8];
  uint64_t next; /* heap offset of the next chunk in the chain, 0 = none */
};
_Static_assert(offsetof(struct pma_chunk_hdr, next) == 8, "log chunk: next at 8");
_Static_assert(sizeof(struct pma_chunk_hdr) == 16, "log chunk: records start at 16");

/* Undo record header; len old bytes follow, zero-padded to 8. */
struct pma_rec {
  uint64_t hdr;   /* bits 0..47 heap offset, 48..61 length, 62..63 kind */
  uint64_t check; /* checksum keyed with the FASE's seq (not stored) */
};
_Static_assert(offsetof(struct pma_rec, check) == 8, "record: check at 8");
_Static_assert(sizeof(struct pma_rec) == 16, "record: 16-byte header");
#define PMA_REC_DATA 0ull
#define PMA_REC_JUMP 1ull
#define PMA_REC_DEP 2ull    /* offset field: slot; data: struct pma_dep_data */
#define PMA_REC_COMMIT 3ull /* no data: the FASE committed; the next one follows */

/* Data of a DEP record: this FASE read what FASE seq of the slot in the
 * header wrote in its first nrec records (DATA and DEP). */
struct pma_dep_data {
  uint64_t seq;
  uint64_t nrec;
};
_Static_assert(sizeof(struct pma_dep_data) == 16, "DEP record: 16 bytes of data");
#define PMA_REC_OFF_MASK ((1ull << 48) - 1)
#define PMA_REC_MAXLEN 16383u
#define PMA_REC_PIECE 16376u /* largest piece we write: PMA_REC_MAXLEN rounded down to 8 */
#define PMA_REC_LIMIT (PMA_CHUNK - 16u) /* records end here; the last 16 bytes hold a JUMP */
#define PMA_REC_HDR(off, len, kind) \
  ((uint64_t)(off) | ((uint64_t)(len) << 48) | ((uint64_t)(kind) << 62))
#define PMA_REC_KIND(h) ((h) >> 62)
#define PMA_REC_LEN(h) (((h) >> 48) & 0x3fffu)
#define PMA_REC_OFFSET(h) ((h) & PMA_REC_OFF_MASK)
_Static_assert(PMA_REC_HDR(PMA_REC_OFF_MASK, PMA_REC_MAXLEN, PMA_REC_COMMIT) == ~0ull &&
                   PMA_REC_HDR(PMA_REC_OFF_MASK, 0, 0) == PMA_REC_OFF_MASK,
               "record header: offset, length and kind tile the word (48 + 14 + 2 bits)");
_Static_assert(PMA_REC_PIECE == (PMA_REC_MAXLEN & ~7u), "record: largest piece is MAXLEN to 8");
_Static_assert(PMA_REC_LIMIT + sizeof(struct pma_rec) == PMA_CHUNK,
               "record: a chunk's last 16 bytes are the room of its JUMP");
_Static_assert(PMA_NSLOTS - 1 <= PMA_REC_OFF_MASK, "DEP record: a slot fits the offset field");
/* A multi-range record (since version 3): a DATA header whose offset field is
 * all ones (no heap reaches 2^48 bytes).  Its data is a run of entries that
 * tile it exactly, each laid out like a DATA record (a DATA header, check 0,
 * the old bytes zero-padded to 8); the record's check covers all of them, so
 * a torn multi-range record fails as a whole and one fence makes it durable.
 * Recovery reads it as its entries, in order; nrec counts entries. */
#define PMA_REC_MULTI_OFF PMA_REC_OFF_MASK
#define PMA_REC_IS_MULTI(h) \
  (PMA_REC_KIND(h) == PMA_REC_DATA && PMA_REC_OFFSET(h) == PMA_REC_MULTI_OFF)
_Static_assert(PMA_MAX_HEAP < PMA_REC_MULTI_OFF, "multi-range mark: never a heap offset");

/* ------------------------------------------------------------------------ */
/* Chunk map and block maps (design.md section 6)                           */
/* ------------------------------------------------------------------------ */

/* Chunk map byte values. */
#define PMA_MAP_FREE 0x00
#define PMA_MAP_RUN_MAX 0x3f  /* 0x01..0x3f: small run of class value-1 */
#define PMA_MAP_LOG 0x40
#define PMA_MAP_LARGE 0x41
#define PMA_MAP_LARGE_NEXT 0x42
#define PMA_MAP_LARGE_FREEING 0x43
/* Block map byte values of a small run. */
#define PMA_BLK_FREE 0
#define PMA_BLK_USED 1
#define PMA_BLK_FREEING 2

/* Size classes: the map byte of a run names its class, and each class's
 * block size and run layout (alloc.c, pma_class_size) are part of the format
 * too. */
#define PMA_NCLASSES 32
#define PMA_SMALL_MAX 8192u
_Static_assert(PMA_NCLASSES <= PMA_MAP_RUN_MAX && PMA_MAP_RUN_MAX < PMA_MAP_LOG,
               "chunk map: every class has a run byte below the LOG byte");

/* ------------------------------------------------------------------------ */
/* Checksums (checksum.c)                                                   */
/* ------------------------------------------------------------------------ */

/* The hash's multipliers: changing either changes every stored checksum.
 * (The runtime's volatile hash tables borrow PMA_P1 as a multiplier.) */
#define PMA_P1 0x9E3779B185EBCA87ull
#define PMA_P2 0xC2B2AE3D27D4EB4Full

/* hash the bytes [p, p+len), zero-padded to a multiple of 8, into state h */
uint64_t pma_hash_bytes(uint64_t h, const void *p, size_t len) PMA_HIDDEN;
/* checksum of a record: keyed with seq, covers hdr and the padded data */
uint64_t pma_rec_check(uint64_t seq, uint64_t hdr, const void *data, size_t len) PMA_HIDDEN;
/* checksum of the static header bytes 0..247 */
uint64_t pma_hdr_checksum(const struct pma_hdr_static *s) PMA_HIDDEN;

#endif /* PMA_FORMAT_H */
