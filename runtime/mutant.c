/*
 * mutant.c -- selecting a seeded protocol bug (mutant runtime only)
 *
 * Compiled into libpmatomic_rt_mutant alone (runtime/CMakeLists.txt,
 * -DPMA_MUTANTS=ON); the shipped runtime has neither this file nor the
 * mutations (PMA_MUTANT() is the constant 0 there).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int pma_mutant;

struct mutant_def {
  int id;
  const char *name;
  const char *desc;
};

static const struct mutant_def defs[] = {
#define PMA_MUTANT_DEF(n, name, desc) {n, #name, desc},
    PMA_MUTANT_LIST(PMA_MUTANT_DEF)
#undef PMA_MUTANT_DEF
};

/* pma_mutant_select -- PMA_MUTANT=<number>|<name> (NULL/""/"0": none);
 * 0 or -EINVAL with a message */
int pma_mutant_select(const char *s) {
  pma_mutant = 0;
  if (!s || !*s || !strcmp(s, "0") || !strcmp(s, "none"))
    return 0;
  char *end;
  long n = strtol(s, &end, 10);
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
    if ((*end == '\0' && end != s && defs[i].id == n) || !strcmp(s, defs[i].name)) {
      pma_mutant = defs[i].id;
      return 0;
    }
  pma_err("PMA_MUTANT: expected a mutant number 1..%d or name from runtime/mutants.h, found \"%s\"",
          defs[sizeof defs / sizeof defs[0] - 1].id, s);
  return -EINVAL;
}
