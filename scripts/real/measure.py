#!/usr/bin/env python3
"""measure.py -- run the real programs' checks and overhead measurements
(docs/real-programs.md)

For each program, the same workload runs in four configurations, interleaved,
REPEAT times each, and the median is reported as a ratio to the
uninstrumented build measured in the same run:
  plain    clang-19 -O2, no plugin (the baseline)
  instr    the whole-heap build with no PMA_WHOLE_HEAP: hooks and lock
           wrappers run, all memory from glibc (the cost of instrumentation)
  process  whole-heap mode, PMA_MODE=process
  pmem     whole-heap mode, PMA_MODE=pmem (flush + fence protocol; heap on
           /dev/shm, persistent memory emulated by DRAM as in bench/; in
           process mode the heap is on /tmp, a disk file system)
Every instrumented output is compared byte for byte with the plain build's.
FASEs and logged bytes come from PMA_WHOLE_HEAP_STATS (one line per process).
Prints a markdown table (also written to --out).
"""
import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = ["plain", "instr", "process", "pmem"]
STATS = re.compile(r"fases (\d+), log_records (\d+), log_bytes (\d+)")


HEAP_SIZE = {"pigz": "256M", "pbzip2": "256M", "xz-utils": "256M", "memcached": "512M"}


def env_for(cfg, heapdir, statsfile, prog):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMA_")}
    if cfg in ("process", "pmem"):
        env.update(PMA_WHOLE_HEAP=os.path.join(heapdir[cfg], "real.%p.heap"), PMA_WHOLE_HEAP_REMOVE="1",
                   PMA_WHOLE_HEAP_SIZE=HEAP_SIZE[prog], PMA_MODE=cfg, PMA_WHOLE_HEAP_STATS=statsfile)
    return env


def read_stats(path):
    f = r = b = 0
    if os.path.exists(path):
        for line in open(path):
            m = STATS.search(line)
            if m:
                f, r, b = f + int(m.group(1)), r + int(m.group(2)), b + int(m.group(3))
        os.unlink(path)
    return f, b


def run_cmd(cmd, env, stdin_path, stdout_path):
    with open(stdin_path, "rb") as i, open(stdout_path, "wb") as o:
        t0 = time.monotonic()
        r = subprocess.run(cmd, stdin=i, stdout=o, stderr=subprocess.PIPE, env=env)
        dt = time.monotonic() - t0
    if r.returncode:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.decode()[-500:]))
    return dt


def bin_of(real, cfg, rel):
    return os.path.join(real, "plain" if cfg == "plain" else "pma", rel)


def filter_bench(a, name, rel, comp_args, decomp_args, inp, version_args):
    """compress and decompress inp; times, stats, byte-identity"""
    res = {c: {"c": [], "d": []} for c in CONFIGS}
    out = {}
    statsf = os.path.join(a.work, "stats.txt")
    for rep in range(a.repeat):
        for c in CONFIGS:
            exe = bin_of(a.build_real, c, rel)
            env = env_for(c, a.heapdir, statsf, name)
            z = os.path.join(a.work, "%s.%s.z" % (name, c))
            d = os.path.join(a.work, "%s.%s.out" % (name, c))
            res[c]["c"].append(run_cmd([exe] + comp_args, env, inp, z))
            f1, b1 = read_stats(statsf)
            res[c]["d"].append(run_cmd([exe] + decomp_args, env, z, d))
            f2, b2 = read_stats(statsf)
            res[c]["fc"], res[c]["bc"], res[c]["fd"], res[c]["bd"] = f1, b1, f2, b2
            out[c] = (z, d)
    same = all(subprocess.run(["cmp", "-s", out["plain"][0], out[c][0]]).returncode == 0 for c in CONFIGS)
    rt = all(subprocess.run(["cmp", "-s", inp, out[c][1]]).returncode == 0 for c in CONFIGS)
    for c in CONFIGS:
        for p in out[c]:
            os.unlink(p)
    # the fixed cost of a run: start-up and exit with nothing to do (in
    # whole-heap mode that includes creating and mapping a fresh heap)
    for c in CONFIGS:
        res[c]["s"] = []
        for rep in range(a.repeat):
            res[c]["s"].append(run_cmd([bin_of(a.build_real, c, rel)] + version_args, env_for(c, a.heapdir, statsf, name),
                                       "/dev/null", "/dev/null"))
        read_stats(statsf)
    return res, same, rt


def memcached_bench(a):
    res = {c: {"ops": [], "fases": 0, "bytes": 0} for c in CONFIGS}
    statsf = os.path.join(a.work, "stats.txt")
    port = 22311
    for rep in range(a.repeat):
        for c in CONFIGS:
            exe = bin_of(a.build_real, c, "memcached/memcached")
            mc = subprocess.Popen([exe, "-u", "root", "-U", "0", "-l", "127.0.0.1", "-p", str(port),
                                   "-t", "2", "-m", "64"], env=env_for(c, a.heapdir, statsf, "memcached"),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            r = subprocess.run([sys.executable, os.path.join(HERE, "mc_load.py"), "--port", str(port),
                                "--procs", "3", "--seconds", str(a.mc_seconds), "--keys", "20000",
                                "--seed", str(rep + 1)], capture_output=True)
            mc.send_signal(signal.SIGTERM)
            mc.wait()
            m = re.search(r"= (\d+) ops/s, (\d+) wrong", r.stdout.decode())
            if r.returncode or not m:
                raise RuntimeError("memcached load (%s) failed: %s %s" % (c, r.stdout.decode(), r.stderr.decode()[-400:]))
            res[c]["ops"].append(int(m.group(1)))
            f, b = read_stats(statsf)
            res[c]["fases"], res[c]["bytes"] = f, b
            port += 1
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-real", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--input-mib", type=int, default=32)
    ap.add_argument("--mc-seconds", type=float, default=4.0)
    ap.add_argument("--heapdir-process", default="/tmp",
                    help="heap files in process mode (a disk file system: creating one costs nothing)")
    ap.add_argument("--heapdir-pmem", default="/dev/shm",
                    help="heap files in pmem mode (tmpfs: DRAM standing in for persistent memory)")
    ap.add_argument("--out")
    ap.add_argument("--only", nargs="*", default=["pigz", "pbzip2", "xz-utils", "memcached"])
    a = ap.parse_args()
    a.heapdir = {"process": a.heapdir_process, "pmem": a.heapdir_pmem}
    a.work = os.path.join(a.build_real, "work")
    os.makedirs(a.work, exist_ok=True)
    inp = os.path.join(a.work, "input.txt")
    if not os.path.exists(inp) or os.path.getsize(inp) < a.input_mib << 20:
        import random
        rng = random.Random(1)  # deterministic text: words from a fixed vocabulary
        words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
                 for _ in range(5000)]
        with open(inp, "w") as f:
            n = 0
            while n < a.input_mib << 20:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 16))) + "\n"
                f.write(line)
                n += len(line)
    rows = []
    ok = True
    med = statistics.median

    for prog in a.only:
        if prog in ("pigz", "pbzip2", "xz-utils"):
            if prog == "pigz":
                res, same, rt = filter_bench(a, prog, "pigz/pigz", ["-p", "2", "-c"], ["-d", "-c"], inp, ["--version"])
            elif prog == "pbzip2":
                res, same, rt = filter_bench(a, prog, "pbzip2/pbzip2", ["-p2", "-c", "-9"], ["-p2", "-d", "-c"], inp, ["-V"])
            else:
                res, same, rt = filter_bench(a, prog, "xz-utils/src/xz/xz", ["-T2", "-3", "-c"], ["-T2", "-d", "-c"], inp, ["--version"])
            ok &= same and rt
            base = med(res["plain"]["s"])
            rows.append("| %s start-up and exit (`%s`) | %.3f s | %s | | |" % (
                prog, "--version" if prog != "pbzip2" else "-V", base,
                " | ".join("+%.3f s" % (med(res[c]["s"]) - base) for c in CONFIGS[1:])))
            for step, label in (("c", "compress"), ("d", "decompress")):
                base = med(res["plain"][step])
                cells = ["%.2f s" % base] + ["%.2fx" % (med(res[c][step]) / base) for c in CONFIGS[1:]]
                rows.append("| %s %s %d MiB | %s | %s | %s |" % (
                    prog, label, a.input_mib, " | ".join(cells),
                    "%d / %d" % (res["process"]["f" + step], res["pmem"]["f" + step]),
                    "%d / %d" % (res["process"]["b" + step], res["pmem"]["b" + step])))
            rows.append("| %s output | %s | | | | | |" % (
                prog, "compressed bytes identical to plain, round trip identical to input" if same and rt
                else "MISMATCH (compressed identical: %s, round trip: %s)" % (same, rt)))
        elif prog == "memcached":
            res = memcached_bench(a)
            base = med(res["plain"]["ops"])
            cells = ["%.0f ops/s" % base] + ["%.2fx" % (base / med(res[c]["ops"])) for c in CONFIGS[1:]]
            rows.append("| memcached set/get, %g s, 3 client processes | %s | %d / %d | %d / %d |" % (
                a.mc_seconds, " | ".join(cells), res["process"]["fases"], res["pmem"]["fases"],
                res["process"]["bytes"], res["pmem"]["bytes"]))
        print(rows[-1] if prog == "memcached" else "\n".join(rows[-4:]), flush=True)
    head = ("| workload | plain | instr | process | pmem | FASEs (process / pmem) | logged bytes (process / pmem) |\n"
            "|---|---|---|---|---|---|---|")
    table = head + "\n" + "\n".join(rows)
    print("\n" + table, flush=True)
    if a.out:
        with open(a.out, "w") as f:
            f.write(table + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
