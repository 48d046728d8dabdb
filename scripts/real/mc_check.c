/*
 * mc_check.c -- inspect the persistent heap a whole-heap memcached left
 * behind (docs/real-programs.md, "The memcached crash story")
 *
 * memcached was never written for pmatomic: its roots (primary_hashtable,
 * the LRU heads) are globals, which a crash loses.  The heap itself is mapped
 * at a fixed address, so this restart opens it (pma_open recovers it: every
 * critical section memcached was inside is rolled back) and finds the hash
 * table by what it is: an allocated block of exactly 8 << HASHPOWER bytes
 * whose non-NULL words all lead to well-formed items in the right bucket.
 * Then it checks every item memcached can reach and prints one line per item
 * ("item KEY VALUE-PREFIX") for the caller to compare with what the client
 * was told.  The item layout is memcached 1.6's (memcached.h), restated here.
 *
 * Usage: mc_check HEAP [HASHPOWER]    exit 0: consistent, 1: violated, 2: error
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pmatomic.h>

/* memcached 1.6 item (memcached.h, struct _stritem) */
struct item {
  struct item *next, *prev; /* LRU, under the LRU locks */
  struct item *h_next;      /* hash chain, under the item locks */
  uint32_t time, exptime;
  int nbytes;
  unsigned short refcount;
  uint16_t it_flags;
  uint8_t slabs_clsid;
  uint8_t nkey;
  uint64_t data[]; /* 8-aligned like memcached's union; CAS, key, flags, value */
};
#define ITEM_LINKED 1
#define ITEM_CAS 2
#define ITEM_CFLAGS 256

/* murmur3_32 -- MurmurHash3 x86 32-bit with seed 0 (memcached's default
 * hash_algorithm), written from the published algorithm */
static uint32_t murmur3_32(const uint8_t *p, size_t len) {
  const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  uint32_t h = 0, k;
  size_t i = 0;
  for (; i + 4 <= len; i += 4) {
    memcpy(&k, p + i, 4);
    k *= c1, k = (k << 15) | (k >> 17), k *= c2;
    h ^= k, h = (h << 13) | (h >> 19), h = h * 5 + 0xe6546b64;
  }
  k = 0;
  switch (len & 3) {
  case 3: k ^= (uint32_t)p[i + 2] << 16; /* fall through */
  case 2: k ^= (uint32_t)p[i + 1] << 8;  /* fall through */
  case 1: k ^= p[i];
    k *= c1, k = (k << 15) | (k >> 17), k *= c2, h ^= k;
  }
  h ^= (uint32_t)len;
  h ^= h >> 16, h *= 0x85ebca6b, h ^= h >> 13, h *= 0xc2b2ae35, h ^= h >> 16;
  return h;
}

static const char *key_of(const struct item *it) {
  return (const char *)it->data + ((it->it_flags & ITEM_CAS) ? 8 : 0);
}
static const char *value_of(const struct item *it) {
  return key_of(it) + it->nkey + 1 + ((it->it_flags & ITEM_CFLAGS) ? 4 : 0);
}

/* item_ok -- a well-formed linked item in bucket b; why not in *why */
static int item_ok(const struct item *it, uint32_t b, uint32_t mask, const char **why) {
  if (((uintptr_t)it & 7) || !pma_is_heap(it, sizeof *it))
    return *why = "item pointer outside the heap", 0;
  if (!(it->it_flags & ITEM_LINKED))
    return *why = "item in the hash table is not marked linked", 0;
  const char *k = key_of(it);
  if (!it->nkey || !pma_is_heap(k, it->nkey) || memchr(k, 0, it->nkey)) /* no terminator stored */
    return *why = "key is not nkey bytes of text", 0;
  if ((murmur3_32((const uint8_t *)k, it->nkey) & mask) != b)
    return *why = "key hashes to another bucket", 0;
  const char *v = value_of(it);
  if (it->nbytes < 2 || !pma_is_heap(v, (size_t)it->nbytes) || memcmp(v + it->nbytes - 2, "\r\n", 2))
    return *why = "value does not end in \\r\\n", 0;
  if ((it->next && (!pma_is_heap(it->next, sizeof *it) || it->next->prev != it)) ||
      (it->prev && (!pma_is_heap(it->prev, sizeof *it) || it->prev->next != it)))
    return *why = "LRU neighbours do not point back", 0;
  return 1;
}

/* table_score -- items reachable from a candidate table, -1 if anything is wrong */
static long table_score(struct item **tab, uint32_t n, int print) {
  long items = 0;
  for (uint32_t b = 0; b < n; b++) {
    long depth = 0;
    for (struct item *it = tab[b]; it; it = it->h_next) {
      const char *why;
      if (!item_ok(it, b, n - 1, &why) || ++depth > 100000) {
        if (print)
          printf("bucket %u: %s\n", b, depth > 100000 ? "hash chain loops" : why);
        return -1;
      }
      if (print) {
        const char *v = value_of(it);
        int vl = it->nbytes - 2 < 40 ? it->nbytes - 2 : 40;
        printf("item %.*s %.*s\n", it->nkey, key_of(it), vl, v);
      }
      items++;
    }
  }
  return items;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s HEAP [HASHPOWER]\n", argv[0]);
    return 2;
  }
  int hp = argc > 2 ? atoi(argv[2]) : 16;
  uint32_t n = 1u << hp;
  uint64_t hdr[12];
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0 || pread(fd, hdr, sizeof hdr, 0) != sizeof hdr) {
    perror(argv[1]);
    return 2;
  }
  close(fd);
  uint64_t size = hdr[2], base = hdr[3], data_off = hdr[11]; /* design.md section 5 */
  struct pma_open_opts o = {.flags = PMA_OPEN_NOCREATE};
  pma_heap *h = pma_open_ex(argv[1], 0, &o);
  if (!h) {
    fprintf(stderr, "mc_check: %s\n", pma_errormsg());
    return 2;
  }
  const struct pma_recovery_info *r = pma_recovery(h);
  printf("recovery: %s, rolled back %llu FASEs (%llu records, %llu bytes)\n",
         r->was_clean ? "clean" : "not clean", (unsigned long long)r->fases_rolled_back,
         (unsigned long long)r->records_applied, (unsigned long long)r->bytes_restored);
  struct item **best = NULL;
  long best_items = -1, candidates = 0;
  for (uint64_t off = data_off; off + 8ull * n <= size; off += 65536) {
    struct item **tab = (struct item **)(uintptr_t)(base + off);
    if (pma_usable_size(tab) != 8ull * n)
      continue;
    candidates++;
    long s = table_score(tab, n, 0);
    if (s > best_items)
      best_items = s, best = tab;
  }
  if (!best) {
    printf("no valid hash table among %ld blocks of %llu bytes: VIOLATED\n", candidates,
           8ull * n);
    if (candidates) /* say what is wrong with the first one */
      for (uint64_t off = data_off; off + 8ull * n <= size; off += 65536)
        if (pma_usable_size((void *)(uintptr_t)(base + off)) == 8ull * n) {
          table_score((struct item **)(uintptr_t)(base + off), n, 1);
          break;
        }
    return 1;
  }
  printf("hash table at %p (%u buckets), %ld items, all linked, hashed, terminated, LRU-consistent\n",
         (void *)best, n, best_items);
  table_score(best, n, 1);
  return 0;
}
