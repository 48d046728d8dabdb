// Store hooks: addresses outside the heap cost nothing; ranges straddling a
// heap boundary are clipped to the part inside; the filter skips stores whose
// bytes are all logged already in this FASE (and only those); the libc
// string-writer hooks (and their wchar_t forms) measure the string; every
// kind is rolled back.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/Inputs %s -o %t %link-pma
// RUN: rm -f %t.heap && %t %t.heap | FileCheck %s
// CHECK: outside the heap: 0 records
// CHECK-NEXT: filter: 8 stores, 3 records, 5 filtered
// CHECK-NEXT: long ranges: 4 stores, 2 records, 2 filtered
// CHECK-NEXT: straddling the end: 8 bytes logged
// CHECK-NEXT: straddling the start: 8 bytes logged
// CHECK-NEXT: wide strings: 48 bytes logged
// CHECK-NEXT: rollback: 1 FASE, all fields restored
#include "runtime-test.h"
#include <wchar.h>

struct root {
  char big[4096];
  char c; short s; int i; long l; __int128 q; char odd[13];
  char str[32], cat[32], ncat[32];
  wchar_t wstr[8], wcat[8], wncat[8];
  long w;
};
static const char *path;
static long g;

/* fill -- write every field with instrumented stores */
static void fill(struct root *r, int k) {
  ST(r->c, (char)k);
  ST(r->s, (short)(3 * k));
  ST(r->i, 5 * k);
  ST(r->l, 7L * k);
  ST(r->q, (__int128)k << 70);
  MEMSET(r->odd, k, sizeof r->odd);
  char tmp[16];
  snprintf(tmp, sizeof tmp, "s%d", k);
  __pma_store_strcpy(r->str, tmp);
  strcpy(r->str, tmp);
  __pma_store_strcpy(r->cat, "x");
  strcpy(r->cat, "x");
  __pma_store_strcat(r->cat, tmp);
  strcat(r->cat, tmp);
  __pma_store_strcpy(r->ncat, "y");
  strcpy(r->ncat, "y");
  __pma_store_strncat(r->ncat, "abcdefgh", 3);
  strncat(r->ncat, "abcdefgh", 3);
  wchar_t wtmp[4] = {L's', L'0' + k, 0};
  __pma_store_wcscpy(r->wstr, wtmp);
  wcscpy(r->wstr, wtmp);
  __pma_store_wcscpy(r->wcat, L"x");
  wcscpy(r->wcat, L"x");
  __pma_store_wcscat(r->wcat, wtmp);
  wcscat(r->wcat, wtmp);
  __pma_store_wcscpy(r->wncat, L"y");
  wcscpy(r->wncat, L"y");
  __pma_store_wcsncat(r->wncat, L"abcdefgh", 3);
  wcsncat(r->wncat, L"abcdefgh", 3);
}

/* same -- does r hold fill(k) */
static int same(struct root *r, int k) {
  char tmp[16], cat[32];
  snprintf(tmp, sizeof tmp, "s%d", k);
  snprintf(cat, sizeof cat, "x%s", tmp);
  for (size_t i = 0; i < sizeof r->odd; i++)
    if (r->odd[i] != (char)k)
      return 0;
  wchar_t wtmp[4] = {L's', L'0' + k, 0}, wcat[8] = {L'x', L's', L'0' + k, 0};
  return r->c == (char)k && r->s == (short)(3 * k) && r->i == 5 * k && r->l == 7L * k &&
         r->q == (__int128)k << 70 && !strcmp(r->str, tmp) && !strcmp(r->cat, cat) &&
         !strcmp(r->ncat, "yabc") && !wcscmp(r->wstr, wtmp) && !wcscmp(r->wcat, wcat) &&
         !wcscmp(r->wncat, L"yabc");
}

static void child(void *arg) {
  (void)arg;
  pma_heap *h = pma_open(path, 0);
  CHECK(h);
  struct root *r = pma_root(h, 0);
  pma_begin();
  fill(r, 9);
  crash(CRASH_KILL);
}

int main(int argc, char **argv) {
  CHECK(argc == 2);
  path = argv[1];
  pma_heap *h = pma_open(path, 1 << 20);
  CHECK(h);
  struct root *r = pma_root(h, sizeof *r);
  struct pma_stats a, b;

  long local;
  char *m = malloc(100);
  pma_get_stats(&a);
  pma_begin();
  ST(g, 1);
  ST(local, 2);
  MEMSET(m, 0, 100);
  __pma_store_n((char *)r - (1 << 20), 1 << 19); /* below the heap */
  pma_end();
  pma_get_stats(&b);
  printf("outside the heap: %llu records\n", (unsigned long long)(b.log_records - a.log_records));
  free(m);
  (void)local;

  pma_get_stats(&a);
  pma_begin();
  ST(r->w, 1);                 /* record */
  ST(r->w, 2);                 /* filtered */
  hook((char *)&r->w + 2, 2);  /* filtered: bytes 2..3 logged */
  hook((char *)&r->w + 7, 1);  /* filtered */
  hook(&r->i, 4);              /* record */
  hook(&r->i, 4);              /* filtered */
  hook((char *)&r->i + 2, 4);  /* record: 2 bytes new (next word) */
  hook((char *)&r->i + 1, 2);  /* filtered */
  pma_end();
  pma_get_stats(&b);
  printf("filter: 8 stores, %llu records, %llu filtered\n",
         (unsigned long long)(b.log_records - a.log_records),
         (unsigned long long)(b.filtered_stores - a.filtered_stores));

  pma_get_stats(&a);
  pma_begin();
  MEMSET(r->big, 1, 4096);        /* record */
  MEMSET(r->big, 2, 4096);        /* filtered */
  MEMCPY(r->big + 100, r->big + 2000, 1000); /* filtered: inside */
  MEMSET(r->big + 4000, 3, 200);  /* record: sticks out */
  pma_end();
  pma_get_stats(&b);
  printf("long ranges: 4 stores, %llu records, %llu filtered\n",
         (unsigned long long)(b.log_records - a.log_records),
         (unsigned long long)(b.filtered_stores - a.filtered_stores));

  fill(r, 1);

  /* [end-8, end+8): only the first 8 bytes are heap (hook only: the rest is
   * not mapped) */
  char *end = (char *)r + pma_root_size(h); /* some heap address */
  while (pma_is_heap(end, 1))
    end += 4096;
  while (!pma_is_heap(end - 1, 1))
    end--;
  pma_get_stats(&a);
  pma_begin();
  __pma_store_n(end - 8, 16);
  __pma_store16(end - 8);
  pma_end();
  pma_get_stats(&b);
  printf("straddling the end: %llu bytes logged\n", (unsigned long long)(b.log_bytes - a.log_bytes));
  char *start = end - (1 << 20);
  CHECK(pma_is_heap(start, 1) && !pma_is_heap(start - 1, 1));
  pma_get_stats(&a);
  pma_begin();
  __pma_store_n(start - 8, 16);
  __pma_store16(start - 8);
  pma_end();
  pma_get_stats(&b);
  printf("straddling the start: %llu bytes logged\n",
         (unsigned long long)(b.log_bytes - a.log_bytes));

  /* the wchar_t hooks log 4 bytes per element: L"abc" and its terminator
   * (16), L"de" + L'\0' appended after L"ab" (12), at most 4 of L"vwxyz"
   * + L'\0' appended after L"" (20): 48 */
  wcscpy(r->wstr, L"ab");
  wcscpy(r->wncat, L"");
  pma_sync();
  pma_get_stats(&a);
  pma_begin();
  __pma_store_wcscpy(r->wcat, L"abc");
  wcscpy(r->wcat, L"abc");
  __pma_store_wcscat(r->wstr, L"de");
  wcscat(r->wstr, L"de");
  __pma_store_wcsncat(r->wncat, L"vwxyz", 4);
  wcsncat(r->wncat, L"vwxyz", 4);
  pma_end();
  pma_get_stats(&b);
  printf("wide strings: %llu bytes logged\n", (unsigned long long)(b.log_bytes - a.log_bytes));
  fill(r, 1);
  CHECK(pma_close(h) == 0);

  CHECK(crashed(in_child(child, NULL)));
  h = pma_open(path, 0);
  CHECK(h);
  r = pma_root(h, 0);
  CHECK(same(r, 1));
  printf("rollback: %llu FASE, all fields restored\n",
         (unsigned long long)pma_recovery(h)->fases_rolled_back);
  CHECK(pma_close(h) == 0);
  return 0;
}
