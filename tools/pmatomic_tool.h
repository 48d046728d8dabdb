/*
 * pmatomic_tool.h -- helpers shared by the subcommands of the pmatomic tool
 */
#ifndef PMATOMIC_TOOL_H
#define PMATOMIC_TOOL_H

/* tool_die -- print "pmatomic: <message>" and exit 2 */
_Noreturn void tool_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* tool_number -- parse option value as an integer in [lo, hi] or die saying so */
long tool_number(const char *opt, const char *s, long lo, long hi);
/* tool_subst -- malloc'd copy of s with every occurrence of pat replaced by rep */
char *tool_subst(const char *s, const char *pat, const char *rep);

int cmd_check(int argc, char **argv);
int cmd_crashtest(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_recover(int argc, char **argv);

#endif
