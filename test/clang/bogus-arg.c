// An unknown -fplugin-arg-pmatomic-* is an error that names the accepted ones.
// RUN: not %cc-pma -fplugin-arg-pmatomic-bogus -c -o /dev/null %s 2>&1 | FileCheck %s
// CHECK: error: unknown pmatomic plugin argument 'bogus' (-fplugin-arg-pmatomic-bogus); accepted: no-escape-elision, no-global-elision, volatile-malloc, no-volatile-malloc, no-locks, no-instrument
int x;
