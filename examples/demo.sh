#!/usr/bin/env bash
# demo.sh -- the crash story: a multi-threaded bank killed again and again.
# Built with pmatomic, every restart finds the total intact; built without it,
# the same source loses money.  Usage: examples/demo.sh [BUILD_DIR] [KILLS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
kills=${2:-25}
cfg="$build/bin/pmatomic-config"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=$("$cfg" --cc)

echo "== pmatomic demo: examples/bank.c, 64 accounts, 4 threads, nested per-account mutexes"
echo "   compile with the plugin:    $(basename "$cc") -O2 \$(pmatomic-config --cflags) bank.c \$(pmatomic-config --libs)"
$cc -O2 $("$cfg" --cflags) "$root/examples/bank.c" -o "$work/bank-pmatomic" $("$cfg" --libs)
echo "   compile without the plugin: $(basename "$cc") -O2 -I<include> bank.c \$(pmatomic-config --libs)"
$cc -O2 -DREINIT_LOCKS -I"$("$cfg" --includedir)" "$root/examples/bank.c" -o "$work/bank-plain" $("$cfg" --libs)

run_loop() { # run_loop NAME BINARY -- kill NAME $kills times, check after each restart
  local name=$1 bin=$2 heap="$work/$1.heap" ok=0 bad=0 rolled=0 out
  rm -f "$heap"
  for i in $(seq 1 "$kills"); do
    "$bin" "$heap" run 4 > "$work/run.out" 2>&1 &
    local pid=$!
    for _ in $(seq 1 200); do grep -q ready "$work/run.out" 2>/dev/null && break; sleep 0.01; done
    sleep "0.0$((RANDOM % 9 + 1))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # a broken bank stays broken: start the next round from a fresh heap, so
    # each count below is a separate loss
    if out=$("$bin" "$heap" check); then ok=$((ok + 1)); else bad=$((bad + 1)); rm -f "$heap"; fi
    rolled=$((rolled + $(sed -n 's/.*rolled back \([0-9]*\) FASE.*/\1/p' <<<"$out")))
    [ -t 1 ] && printf '\r   %-9s kill %2d/%d: %s' "$name" "$i" "$kills" "$(sed 's/, recovery.*//' <<<"$out")"
  done
  [ -t 1 ] && printf '\n'
  printf '   %-9s %d kills: %d restarts intact, %d found money lost; recovery rolled back %d FASEs\n' \
    "$name" "$kills" "$ok" "$bad" "$rolled"
  echo "$bad" > "$work/$name.bad"
}

echo
echo "== SIGKILL at random moments, then restart and check the total (64000)"
run_loop pmatomic "$work/bank-pmatomic"
run_loop plain "$work/bank-plain"
echo
pbad=$(cat "$work/pmatomic.bad"); nbad=$(cat "$work/plain.bad")
if [ "$pbad" -eq 0 ] && [ "$nbad" -gt 0 ]; then
  echo "== summary: with pmatomic the bank survived all $kills kills; without it, $nbad of $kills kills lost money."
elif [ "$pbad" -eq 0 ]; then
  echo "== summary: with pmatomic the bank survived all $kills kills; the plain build got lucky this time (no kill landed mid-transfer)."
else
  echo "== summary: FAILURE: the pmatomic build lost money in $pbad of $kills restarts." >&2
  exit 1
fi
