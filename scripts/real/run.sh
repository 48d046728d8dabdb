#!/usr/bin/env bash
# run.sh -- `make real-programs`: fetch, build, test and measure the real
# programs in whole-heap mode (docs/real-programs.md).  Needs network access
# to the Debian archive for the first fetch; stays outside `make check` and CI.
# Results: $REAL/results/ (logs, the overhead table, the crash story).
# Usage: scripts/real/run.sh BUILD     env: REAL, REPEAT (3), CYCLES (20), JOBS (2)
set -uo pipefail
BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
export REAL=${REAL:-$(cd "$HERE/../.." && pwd)/build-real}
RES=$REAL/results
mkdir -p "$RES"
fail=0
step() { echo; echo "== $*"; }

step "fetch (apt-get source)"
"$HERE/fetch.sh" || echo "real-programs: some packages could not be fetched (see above); going on with the rest"

step "build (plain and whole-heap)"
pkgs=()
for p in pigz pbzip2 xz-utils memcached; do
  ls -d "$REAL/src/$p"-*/ >/dev/null 2>&1 && pkgs+=("$p")
done
"$HERE/build.sh" "$BUILD" "${pkgs[@]}" || fail=1

# the test suites run in whole-heap mode, one fresh heap per process
WH=(env PMA_WHOLE_HEAP=/tmp/pma-real.%p.heap PMA_WHOLE_HEAP_REMOVE=1 PMA_WHOLE_HEAP_SIZE=1G)
suite() { # suite NAME DIR CMD... -- run a package's own tests, log to $RES/NAME.log
  local name=$1 dir=$2; shift 2
  if (cd "$dir" && "$@") > "$RES/$name.log" 2>&1; then echo "$name: PASS"; else echo "$name: FAIL (see $RES/$name.log)"; fail=1; fi
  grep -E "^# (TOTAL|PASS|FAIL|ERROR)|^Result:|^All tests|^Files=|^Tests=" "$RES/$name.log" | sed 's/^/   /'
}
if [ -x "$REAL/pma/xz-utils/src/xz/xz" ]; then
  step "xz-utils: its own test suite (make check), whole-heap build"
  suite xz-check "$REAL/pma/xz-utils" "${WH[@]}" make check
fi
if [ -x "$REAL/pma/memcached/memcached-debug" ]; then
  step "memcached: its own test suite (make test: sizes, testapp, prove t/), whole-heap build"
  suite memcached-test "$REAL/pma/memcached" "${WH[@]}" make test
  step "memcached: the same suite on the plain build, for comparison"
  suite memcached-test-plain "$REAL/plain/memcached" make test
fi

step "round trips, byte-identical outputs and overhead (REPEAT=${REPEAT:-3})"
only=()
for p in pigz pbzip2 xz-utils memcached; do [ -n "$(ls "$REAL/pma/$p" 2>/dev/null)" ] && only+=("$p"); done
python3 "$HERE/measure.py" --build-real "$REAL" --repeat "${REPEAT:-3}" --out "$RES/overhead.md" --only "${only[@]}" || fail=1

if [ -x "$REAL/pma/memcached/memcached" ]; then
  step "memcached crash story: SIGKILL under load, recover, check (CYCLES=${CYCLES:-20})"
  cc=/usr/lib/llvm-19/bin/clang
  $cc -O2 -Wall -I"$HERE/../../include" "$HERE/mc_check.c" -o "$REAL/mc_check" \
      -L"$BUILD/lib" -Wl,-rpath,"$BUILD/lib" -lpmatomic_rt -lpmem -lpthread || fail=1
  python3 "$HERE/mc_crash.py" --build-real "$REAL" --mc-check "$REAL/mc_check" --cycles "${CYCLES:-20}" \
    | tee "$RES/mc-crash.txt" || fail=1
  step "memcached crash story, power failures: PMA_MODE=sim at a random event (SIM_CYCLES=${SIM_CYCLES:-6})"
  python3 "$HERE/mc_crash.py" --build-real "$REAL" --mc-check "$REAL/mc_check" --cycles "${SIM_CYCLES:-6}" --sim \
    --port 22231 | tee "$RES/mc-crash-sim.txt" || fail=1
fi
echo
[ $fail -eq 0 ] && echo "real-programs: all passed" || echo "real-programs: FAILURES (see above)"
exit $fail
