#!/usr/bin/env python3
"""crashloop.py -- kill a persistent-heap program with SIGKILL again and again.

Protocol the program follows:
  PROG HEAP run [ARGS...]   opens the heap, prints "ready", works until killed
  PROG HEAP check           opens (recovers) the heap, checks its invariants,
                            prints a line containing "rolled back N FASEs",
                            exits 0 if they hold, 1 if violated

Each cycle starts `run`, waits for "ready", sleeps a random delay, sends
SIGKILL, then runs `check`.  Exit status: 0 when every check passed (or, with
--expect-violation, when a violation was found), 1 otherwise, 2 on misuse.
The seed makes the delays reproducible; thread scheduling is not.
"""
import argparse
import os
import random
import re
import select
import signal
import subprocess
import sys
import time

ROLLED = re.compile(r"rolled back (\d+) FASE")


def start_run(cmd, env, timeout):
    """start_run -- start the worker and wait until it says ready"""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + timeout
    buf = b""
    while b"ready" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            p.kill()
            p.wait()
            raise RuntimeError("`%s` did not print 'ready' within %gs (deadlock after recovery?)"
                               % (" ".join(cmd), timeout))
        r, _, _ = select.select([p.stdout], [], [], left)
        if r:
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                err = p.stderr.read().decode(errors="replace")
                p.wait()
                raise RuntimeError("`%s` exited with %s before 'ready': %s"
                                   % (" ".join(cmd), p.returncode, err.strip()))
            buf += chunk
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=100, help="kill/recover cycles (default 100)")
    ap.add_argument("--min-delay-ms", type=float, default=2.0)
    ap.add_argument("--max-delay-ms", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds allowed for ready/check")
    ap.add_argument("--expect-violation", action="store_true",
                    help="succeed only if some check fails (shows the test can fail)")
    ap.add_argument("--min-rollbacks", type=int, default=0,
                    help="fail unless recovery rolled back at least this many FASEs in total")
    ap.add_argument("--env", action="append", default=[], metavar="K=V",
                    help="extra environment for both runs")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("prog")
    ap.add_argument("heap")
    ap.add_argument("args", nargs="*", help="extra arguments for `run`")
    a = ap.parse_args()
    if a.kills < 1 or a.min_delay_ms < 0 or a.max_delay_ms < a.min_delay_ms:
        ap.error("need --kills >= 1 and 0 <= --min-delay-ms <= --max-delay-ms")

    env = dict(os.environ)
    for kv in a.env:
        if "=" not in kv:
            ap.error("--env expects K=V, got %r" % kv)
        k, v = kv.split("=", 1)
        env[k] = v
    rng = random.Random(a.seed)
    if os.path.exists(a.heap):
        os.unlink(a.heap)
    name = os.path.basename(a.prog)
    run_cmd = [a.prog, a.heap, "run"] + a.args
    check_cmd = [a.prog, a.heap, "check"]
    rollbacks = violations = 0
    tty = sys.stderr.isatty() and not a.quiet
    for i in range(1, a.kills + 1):
        try:
            p = start_run(run_cmd, env, a.timeout)
        except RuntimeError as e:
            print("crashloop: %s: after kill %d: %s" % (name, i - 1, e))
            return 1
        delay = rng.uniform(a.min_delay_ms, a.max_delay_ms) / 1000.0
        time.sleep(delay)
        if p.poll() is not None:
            err = p.stderr.read().decode(errors="replace").strip()
            print("crashloop: %s: `run` exited with %s before the kill: %s" % (name, p.returncode, err))
            return 1
        p.send_signal(signal.SIGKILL)
        p.wait()
        try:
            c = subprocess.run(check_cmd, capture_output=True, env=env, timeout=a.timeout)
        except subprocess.TimeoutExpired:
            print("crashloop: %s: `check` hung after kill %d (delay %.1f ms)" % (name, i, delay * 1000))
            return 1
        out = c.stdout.decode(errors="replace").strip()
        m = ROLLED.search(out)
        if m:
            rollbacks += int(m.group(1))
        if c.returncode not in (0, 1):
            print("crashloop: %s: check crashed or refused the heap (exit %d) after kill %d: %s %s"
                  % (name, c.returncode, i, out, c.stderr.decode(errors="replace").strip()))
            return 1
        if c.returncode == 1:
            violations += 1
            print("crashloop: %s: VIOLATION after kill %d (seed %d, delay %.1f ms): %s"
                  % (name, i, a.seed, delay * 1000, out))
            if a.expect_violation:
                print("crashloop: %s: %d kills, violation found as expected" % (name, i))
                return 0
            return 1
        if tty:
            sys.stderr.write("\rcrashloop: %s: kill %d/%d, %d FASEs rolled back" % (name, i, a.kills, rollbacks))
            sys.stderr.flush()
    if tty:
        sys.stderr.write("\n")
    if a.expect_violation:
        print("crashloop: %s: %d kills and no violation, but one was expected" % (name, a.kills))
        return 1
    print("crashloop: %s: %d kills, %d recoveries checked, %d violations, %d FASEs rolled back"
          % (name, a.kills, a.kills, violations, rollbacks))
    if rollbacks < a.min_rollbacks:
        print("crashloop: %s: only %d FASEs rolled back, expected at least %d: the kills did not land inside FASEs"
              % (name, rollbacks, a.min_rollbacks))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
