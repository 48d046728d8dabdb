// Inputs fuzz/fuzz_open.c found that crashed a reader, kept as regression
// tests.  Each is a valid heap with one header field damaged and the header
// checksum recomputed (so only the field's value is wrong):
// - ctime 0x7fffffffffffffff: `pmatomic info` called strftime on gmtime's
//   NULL (SIGSEGV); now it prints the raw value.
// RUN: %clang -O1 -g -Wall -Wextra -I%include -I%S/../../runtime %s -o %t %link-pma-static
// RUN: rm -f %t.heap && %t %t.heap
// RUN: %pmatomic info %t.heap | FileCheck %s
// RUN: %pmatomic check %t.heap
// CHECK: created:       (not a valid time: 9223372036854775807)
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "format.h"

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  pma_heap *h = pma_open(argv[1], 393216);
  if (!h || pma_close(h))
    return 1;
  struct pma_hdr_static s;
  int fd = open(argv[1], O_RDWR);
  if (fd < 0 || pread(fd, &s, sizeof s, 0) != sizeof s)
    return 1;
  s.ctime = 0x7fffffffffffffffull;
  s.checksum = pma_hdr_checksum(&s);
  if (pwrite(fd, &s, sizeof s, 0) != sizeof s)
    return 1;
  close(fd);
  return 0;
}
