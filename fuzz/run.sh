#!/usr/bin/env bash
# run.sh -- build fuzz/fuzz_open.c with libFuzzer + ASan + UBSan and run it
# for SECONDS seconds (default 30) on seeds made at start-up in a temp dir.
# Usage: fuzz/run.sh [SECONDS] [OUTDIR]   (OUTDIR default: build-fuzz)
# A crash leaves crash-* in OUTDIR and makes this script fail; turn it into a
# regression test (test/e2e, or a heap image in test/cli) before fixing it.
set -euo pipefail
secs=${1:-30}
out=${2:-build-fuzz}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
cc=${CC_FUZZ:-clang-19}
san="-fsanitize=fuzzer,address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all"
# the runtime's sources as runtime/CMakeLists.txt lists them (PMA_RT_SOURCES):
# not mutant.c, nor wholeheap.c, whose malloc would replace the sanitizers'
rt=$(sed -n '/^set(PMA_RT_SOURCES/,/)/p' "$src/runtime/CMakeLists.txt" |
  grep -o '[A-Za-z0-9_]*\.c' | sed "s|^|$src/runtime/|")
[ -n "$rt" ] || { echo "fuzz: no PMA_RT_SOURCES in runtime/CMakeLists.txt"; exit 2; }
bin="$out/fuzz_open"
if [ ! -x "$bin" ] || [ -n "$(find "$src/runtime" "$src/tools" "$src/fuzz" "$src/include" -newer "$bin" -name '*.[ch]' | head -1)" ]; then
  echo "fuzz: building $bin"
  $cc -g -O1 -std=gnu11 $san -I"$src/include" -I"$src/runtime" -I"$src/tools" \
    $rt "$src/tools/heapcheck.c" "$src/tools/heapfile.c" "$src/tools/heapinfo.c" \
    "$src/fuzz/fuzz_open.c" -o "$bin" -lpmem -lpthread
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
export PMA_FUZZ_SEEDS="$work/corpus" TMPDIR="$work"
unset $(env | grep -o '^PMA_[A-Z_]*' | grep -v PMA_FUZZ_SEEDS) 2>/dev/null || true
echo "fuzz: fuzz_open for ${secs}s (seeds: real heaps in $work/corpus)"
cd "$out"
rc=0
"$bin" -max_total_time="$secs" -max_len=393216 -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 "$work/corpus" > "$work/log" 2>&1 || rc=$?
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::number_of_executed_units|==[0-9]+==|SUMMARY|fuzz_open:|artifact_prefix|Test unit written|.*problem:)' "$work/log" || true
[ $rc -eq 0 ] || { tail -40 "$work/log"; echo "fuzz: FAILED (exit $rc); the input is the crash-* file in $out"; }
exit $rc
