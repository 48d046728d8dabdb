#!/usr/bin/env python3
"""run.py -- the pmatomic benchmark suite: build, run, summarise, plot.

    bench/run.py [--quick] [--runs N] [--threads 1,2,4] [--progs a,b] [--build DIR]

Every program in bench/progs is built from the same source as
  a  volatile  plain clang -O2 against bench/shim (anonymous mmap + malloc): the floor
  b  pmem      pmatomic plugin, PMA_MODE=pmem forced on a file in /dev/shm
  c  process   pmatomic plugin, PMA_MODE=process
  d  sync      pmatomic plugin with -fplugin-arg-pmatomic-no-opt (no fresh-block
               or covered-store elision, no batching), PMA_MODE=pmem +
               PMA_SYNC_PER_STORE=1 (Atlas-style: log, flush, fence before every
               store, no filter) -- only if the runtime implements it (probed
               with bench/micro/probe_sync.c)
  e  pmdk      the libpmemobj port in bench/pmdk (where one exists),
               PMEM_IS_PMEM_FORCE=1 on /dev/shm
plus two diagnostic builds, run at the first thread count only, that split
the process-mode overhead into its parts:
  r  rt-only   no plugin, linked to libpmatomic_rt, process mode (the heap and
               its allocator; every pma_malloc/pma_free its own FASE)
  l  locks     plugin with -fplugin-arg-pmatomic-no-instrument, process mode
               (lock wrappers and FASE commits, no store hooks)
and one more for the programs whose FASEs read without a lock or atomic what
other FASEs wrote (TRACK_PROGS: the two-lock queue), at every thread count:
  t  track     as (b), compiled with -fplugin-arg-pmatomic-track-loads (every
               load inside a FASE looks up the writer table), PMA_MODE=pmem;
               reported as (t) / (b), the cost of the load-tracking mode
and run RUNS times per (program, configuration, threads); medians are
reported.  Ratios are always against configuration (a) of the same run
(docs/performance.md explains the floor model).  Writes bench/results/
results.csv (one row per run), results.json (everything), summary.md (the
tables of docs/performance.md) and two SVG plots.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
CC = "clang-19"

# Default operation counts: each run of the slowest available configuration
# takes a fraction of a second on the 2-core reference machine.
PROGS = {
    "queue": 200000,
    "hashmap": 300000,
    "btree": 200000,
    "hohlist": 40000,
    "cowlist": 100000,
    "alarm": 100000,
    "kvlru": 200000,
}
CONFIGS = ["a", "b", "c", "d", "e", "r", "l", "t"]
# the programs that need the load-tracking mode (docs/usage.md): config (t)
TRACK_PROGS = ("queue",)
DIAG = ("r", "l")  # diagnostic: first thread count only, not plotted
CFG_NAME = {"a": "volatile", "b": "pmem", "c": "process", "d": "sync-per-store", "e": "pmdk",
            "r": "rt-only", "l": "locks-only", "t": "track-loads"}
CFG_COLOR = {"a": "#555555", "b": "#1f77b4", "c": "#2ca02c", "d": "#d62728", "e": "#ff7f0e", "t": "#9467bd"}
SHM = "/dev/shm"
BENCH_RE = re.compile(r"^BENCH (.*)$", re.M)
TARGETS = {"b_floor": 1.25, "b_vs_d": 3.0, "b_vs_e": 2.0, "c_vs_a": 1.3, "compile": 1.15}
TTY = sys.stdout.isatty()


def say(msg, end="\n"):
    print(msg, end=end, flush=True)


def progress(i, n, label):
    line = f"[{i}/{n}] {label}"
    if TTY:
        say("\r" + line[:110].ljust(110), end="")
    elif i == n or i % 25 == 0:
        say(line)


def sh(cmd, env=None, timeout=None):
    return subprocess.run(cmd, env=env, timeout=timeout, capture_output=True, text=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def geomean(xs):
    xs = [x for x in xs if x and x > 0 and not math.isnan(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


# ---------------------------------------------------------------- build


def pma_config(build, *args):
    r = sh([os.path.join(build, "bin", "pmatomic-config"), *args])
    if r.returncode:
        sys.exit(f"run.py: pmatomic-config {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout.split()


def compile_all(build, out, progs):
    """Build every variant; returns {(prog, kind): path}, kind in a|pma|pmdk."""
    cflags, libs = pma_config(build, "--cflags"), pma_config(build, "--libs")
    inc = os.path.join(ROOT, "include")
    shim = os.path.join(BENCH, "shim", "pma_volatile.c")
    jobs = []
    for p in progs:
        src = os.path.join(BENCH, "progs", p + ".c")
        jobs.append(((p, "a"), [CC, "-O2", "-I" + inc, src, shim, "-lpthread", "-o", f"{out}/{p}.a"]))
        jobs.append(((p, "pma"), [CC, "-O2", *cflags, src, *libs, "-o", f"{out}/{p}.pma"]))
        jobs.append(((p, "sync"), [CC, "-O2", *cflags, "-fplugin-arg-pmatomic-no-opt", src, *libs,
                                   "-o", f"{out}/{p}.sync"]))
        jobs.append(((p, "rt"), [CC, "-O2", "-I" + inc, src, *libs, "-o", f"{out}/{p}.rt"]))
        jobs.append(((p, "noinst"), [CC, "-O2", *cflags, "-fplugin-arg-pmatomic-no-instrument", src, *libs,
                                     "-o", f"{out}/{p}.noinst"]))
        if p in TRACK_PROGS:
            jobs.append(((p, "track"), [CC, "-O2", *cflags, "-fplugin-arg-pmatomic-track-loads", src, *libs,
                                        "-o", f"{out}/{p}.track"]))
        psrc = os.path.join(BENCH, "pmdk", p + ".c")
        if os.path.exists(psrc):
            jobs.append(((p, "pmdk"), [CC, "-O2", psrc, "-lpmemobj", "-lpmem", "-lpthread", "-o", f"{out}/{p}.pmdk"]))
    micro = os.path.join(BENCH, "micro")
    jobs.append((("fencecost", "x"), [CC, "-O2", f"{micro}/fencecost.c", "-o", f"{out}/fencecost"]))
    # no-opt like (d): the pass would leave 9 of every 10 of its stores (the
    # loop unrolled by 10, one address) without a hook
    jobs.append((("probe_sync", "x"), [CC, "-O2", *cflags, "-fplugin-arg-pmatomic-no-opt", f"{micro}/probe_sync.c",
                                       *libs, "-o", f"{out}/probe_sync"]))
    # a 128 MiB fresh block barely written, against a small one (docs/performance.md)
    jobs.append((("freshblock", "x"), [CC, "-O2", *cflags, f"{micro}/freshblock.c", *libs,
                                       "-o", f"{out}/freshblock"]))
    bins = {}
    for i, (key, cmd) in enumerate(jobs, 1):
        progress(i, len(jobs), f"compile {key[0]} ({key[1]})")
        r = sh(cmd)
        if r.returncode:
            if key[1] == "pmdk":
                say(f"\nrun.py: PMDK port of {key[0]} does not build, configuration (e) skipped:\n{r.stderr}")
                continue
            sys.exit(f"\nrun.py: compiling {key} failed:\n{' '.join(cmd)}\n{r.stderr}")
        bins[key] = cmd[-1]
    if TTY:
        say("")
    return bins


# ---------------------------------------------------------------- probes


def fence_cost(out, reps):
    vals = {"store_ns": [], "clwb_sfence_ns": [], "nt256_sfence_ns": []}
    for _ in range(reps):
        r = sh([f"{out}/fencecost", f"{SHM}/pmatomic-bench-fence.{os.getpid()}"], timeout=60)
        m = re.search(r"FENCE (.*)", r.stdout)
        if not m:
            sys.exit(f"run.py: fencecost failed: {r.stderr}")
        for kv in m.group(1).split():
            k, v = kv.split("=")
            vals[k].append(float(v))
    return {k: median(v) for k, v in vals.items()}


def fresh_block(out, mib):
    """fresh_block -- bench/micro/freshblock.c in pmem mode on /dev/shm: the FASE
    time of a barely written mib MiB fresh block against a 4 KiB one (same
    run), and the peak RSS of the child processes so far (this one's, which
    the 128 MiB block dominates)"""
    heap = f"{SHM}/pmatomic-bench-fresh.{os.getpid()}.heap"
    env = dict(os.environ, PMA_MODE="pmem")
    try:
        r = subprocess.run([f"{out}/freshblock", heap, str(mib)], env=env, capture_output=True,
                           text=True, timeout=120)
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    finally:
        rm(heap)
    m = re.search(r"FRESH (.*)", r.stdout)
    if not m:
        sys.exit(f"run.py: freshblock failed: {r.stdout}{r.stderr}")
    vals = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    vals["peak_rss_mb"] = rss_kb / 1024
    return vals


def probe_sync(out):
    heap = f"{SHM}/pmatomic-bench-probe.{os.getpid()}.heap"
    env = dict(os.environ, PMA_MODE="pmem", PMA_SYNC_PER_STORE="1")
    try:
        r = sh([f"{out}/probe_sync", heap], env=env, timeout=30)
    finally:
        rm(heap)
    m = re.search(r"PROBE (.*)", r.stdout)
    fields = dict(kv.split("=") for kv in m.group(1).split()) if m else {}
    return fields.get("per_store") == "1", (m.group(0) if m else r.stderr.strip())


def gen_large_c(path, nfuncs):
    """A synthetic translation unit: struct-heavy functions with pointer
    stores, loops, memcpy/memset and mutex-protected sections -- the code the
    pass instruments."""
    w = ["#include <pthread.h>", "#include <string.h>", "#include <stdlib.h>",
         "struct rec { long a, b; int c[8]; char name[32]; struct rec *next; pthread_mutex_t m; };"]
    for i in range(nfuncs):
        k = i % 4
        w.append(f"long f{i}(struct rec *r, struct rec *o, long n, const char *s) {{")
        w.append("  long acc = 0; int loc[16];")
        w.append(f"  for (long j = 0; j < n; j++) {{ loc[j & 15] = (int)(j * {i + 3}); acc += r->c[j & 7] ^ j; r->c[(j + {k}) & 7] = (int)acc; }}")
        if k == 0:
            w.append("  pthread_mutex_lock(&r->m); r->a += acc; r->b = o->a * 3; o->next = r; pthread_mutex_unlock(&r->m);")
        elif k == 1:
            w.append(f"  memcpy(r->name, s, 16); memset(o->c, {i % 7}, sizeof o->c); r->next = o->next;")
        elif k == 2:
            w.append(f"  struct rec *p = r; while (p && acc < {1000 + i}) {{ p->a++; acc += p->b; p = p->next; }}")
        else:
            w.append(f"  if (acc & 1) {{ o->a = acc; o->b = r->b + {i}; }} else {{ r->a = o->b - {i}; }} for (int q = 0; q < 8; q++) o->c[q] += loc[q];")
        if i > 0:
            w.append(f"  if (n > 3) acc += f{i - 1}(o, r, n - 1, s);")
        w.append("  return acc + loc[n & 15];")
        w.append("}")
    with open(path, "w") as f:
        f.write("\n".join(w) + "\n")


def compile_time(build, out, nfuncs, reps):
    src = f"{out}/large.c"
    gen_large_c(src, nfuncs)
    cflags = pma_config(build, "--cflags")
    # CPU time (user + sys of the compiler): wall time on a shared machine
    # mostly measures the other users.
    times = {"plain": [], "plugin": []}
    wall = {"plain": [], "plugin": []}
    for rep in range(reps):
        for kind, extra in (("plain", []), ("plugin", cflags)):
            progress(rep * 2 + (kind == "plugin") + 1, 2 * reps, f"compile time ({kind}, {nfuncs} functions)")
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            r = sh([CC, "-O2", *extra, "-c", src, "-o", f"{out}/large.{kind}.o"])
            dt = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if r.returncode:
                sys.exit(f"run.py: compiling {src} ({kind}) failed: {r.stderr[:2000]}")
            times[kind].append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
            wall[kind].append(dt)
    if TTY:
        say("")
    lines = sum(1 for _ in open(src))
    return {"functions": nfuncs, "lines": lines, "plain_s": median(times["plain"]),
            "plugin_s": median(times["plugin"]), "ratio": median(times["plugin"]) / median(times["plain"]),
            "wall_plain_s": median(wall["plain"]), "wall_plugin_s": median(wall["plugin"]),
            "wall_ratio": median(wall["plugin"]) / median(wall["plain"]), "cpu_raw": times, "wall_raw": wall}


# ---------------------------------------------------------------- runs


def rm(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def run_one(bins, prog, cfg, threads, ops):
    heap = f"{SHM}/pmatomic-bench.{os.getpid()}.{prog}.{cfg}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMA_", "PMEM_"))}
    if cfg == "a":
        binary = bins[(prog, "a")]
    elif cfg == "e":
        binary = bins[(prog, "pmdk")]
        env["PMEM_IS_PMEM_FORCE"] = "1"
    elif cfg in DIAG:
        binary = bins[(prog, "rt" if cfg == "r" else "noinst")]
        env["PMA_MODE"] = "process"
    elif cfg == "t":
        binary = bins[(prog, "track")]
        env["PMA_MODE"] = "pmem"
    elif cfg == "d":
        binary = bins[(prog, "sync")]
        env["PMA_MODE"] = "pmem"
        env["PMA_SYNC_PER_STORE"] = "1"
    else:
        binary = bins[(prog, "pma")]
        env["PMA_MODE"] = "process" if cfg == "c" else "pmem"
    rm(heap)
    try:
        r = sh([binary, str(threads), str(ops), heap], env=env, timeout=300)
    except subprocess.TimeoutExpired:
        return {"error": "timeout after 300 s"}
    finally:
        rm(heap)
    m = BENCH_RE.search(r.stdout)
    if r.returncode or not m:
        return {"error": f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[:500]}"}
    row = {}
    for kv in m.group(1).split():
        k, v = kv.split("=", 1)
        row[k] = v if k in ("prog", "check") else float(v)
    return row


def summarise(rows, progs, cfgs, threads, fence):
    """Medians per (prog, cfg, threads) and the derived ratios."""
    med = {}
    for p in progs:
        for c in cfgs:
            for t in threads:
                rs = [r for r in rows if r["prog"] == p and r["cfg"] == c and r["threads"] == t and "error" not in r]
                if not rs:
                    continue
                tput = median([r["ops_per_sec"] for r in rs])
                per_op = {k: median([r[k] / r["ops"] for r in rs])
                          for k in ("fases", "log_records", "log_bytes", "filtered_stores", "flushes", "fences", "nt_bytes")}
                cpu_ns = median([1e9 * r["cpu_secs"] / r["ops"] for r in rs])
                med[(p, c, t)] = {"ops_per_sec": tput, "cpu_ns_per_op": cpu_ns, "runs": len(rs),
                                  **{k + "_per_op": v for k, v in per_op.items()}}
    summary = {}
    c_fence = fence["clwb_sfence_ns"]
    for p in progs:
        for t in threads:
            a = med.get((p, "a", t))
            if not a:
                continue
            s = {}
            for c in cfgs:
                x = med.get((p, c, t))
                s[f"{c}_ops_per_sec"] = x["ops_per_sec"] if x else None
                s[f"{c}_vs_a"] = a["ops_per_sec"] / x["ops_per_sec"] if x else None
            b, d, e = med.get((p, "b", t)), med.get((p, "d", t)), med.get((p, "e", t))
            c = med.get((p, "c", t))
            if c:
                s["c_records_per_op"] = c["log_records_per_op"]
                s["c_bytes_per_op"] = c["log_bytes_per_op"]
            s["b_vs_d"] = b["ops_per_sec"] / d["ops_per_sec"] if b and d else None  # speedup of b over d
            tr = med.get((p, "t", t))
            s["t_vs_b"] = b["ops_per_sec"] / tr["ops_per_sec"] if b and tr else None  # slowdown of tracking
            s["b_vs_e"] = b["ops_per_sec"] / e["ops_per_sec"] if b and e else None
            if b:
                fases = b["fases_per_op"]
                s["fences_per_fase"] = b["fences_per_op"] / fases if fases else None
                s["records_per_fase"] = b["log_records_per_op"] / fases if fases else None
                s["flushes_per_fase"] = b["flushes_per_op"] / fases if fases else None
                # design.md section 3: one fence per logging call that wrote
                # records plus two per FASE that wrote; the counters give an
                # upper bound on both (records >= logging calls, fases >= FASEs
                # that wrote), capped by the fences actually issued.
                need = min(b["fences_per_op"], b["log_records_per_op"] + 2 * fases)
                s["floor_fences_per_op"] = need
                s["extra_fences_per_op"] = b["fences_per_op"] - need
                # Modeled floor: the volatile time per op plus the protocol's
                # fences at the measured store+clwb+sfence cost.  At T threads
                # the fences of different threads overlap at best on
                # min(T, cores) cores.
                par = min(t, os.cpu_count() or 1)
                floor_ns = 1e9 / a["ops_per_sec"] + need * c_fence / par
                s["floor_ops_per_sec"] = 1e9 / floor_ns
                s["b_vs_floor"] = s["floor_ops_per_sec"] / b["ops_per_sec"]
                s["fence_share"] = (b["fences_per_op"] * c_fence / par) / (1e9 / b["ops_per_sec"])
                # Configuration (d) modeled from (b)'s counters while the
                # runtime lacks it: (b) already logs, flushes and fences per
                # hook call that writes records; without the filter every
                # filtered store would cost one more record and fence.
                s["filtered_per_op"] = b["filtered_stores_per_op"]
                s["b_vs_d_model"] = (1e9 / b["ops_per_sec"] + b["filtered_stores_per_op"] * c_fence / par) / (1e9 / b["ops_per_sec"])
            # The same ratios on the workers' CPU time (1 thread: robust to
            # other load on the machine, which wall-clock throughput is not).
            if t == 1:
                for c in cfgs:
                    x = med.get((p, c, t))
                    if x and a["cpu_ns_per_op"] > 0:
                        s[f"{c}_cpu_vs_a"] = x["cpu_ns_per_op"] / a["cpu_ns_per_op"]
                if b and e:
                    s["b_cpu_vs_e"] = e["cpu_ns_per_op"] / b["cpu_ns_per_op"]
                if b and d:
                    s["b_cpu_vs_d"] = d["cpu_ns_per_op"] / b["cpu_ns_per_op"]
                if b:
                    s["b_cpu_vs_floor"] = b["cpu_ns_per_op"] / (a["cpu_ns_per_op"] + s["floor_fences_per_op"] * c_fence)
            summary[(p, t)] = s
    return med, summary


# ---------------------------------------------------------------- output


def fmt(x, spec=".2f"):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def markdown(summary, progs, threads, cfgs, meta):
    out = []
    t1 = threads[0]
    out.append(f"Measured {meta['date']} on {meta['machine']} ({meta['cpus']} CPUs; load average "
               f"{meta['loadavg_start'][0]} at the start, {meta['loadavg_end'][0]} at the end: the machine is shared), "
               f"{meta['runs']} runs per configuration, medians; ops per run: "
               + ", ".join(f"{p} {meta['ops'][p]}" for p in progs) + ".")
    out.append("")
    out.append(f"Fence cost (same run, median): store + clwb + sfence {meta['fence']['clwb_sfence_ns']:.1f} ns, "
               f"256 B non-temporal write + sfence {meta['fence']['nt256_sfence_ns']:.1f} ns, plain store "
               f"{meta['fence']['store_ns']:.2f} ns.")
    fb = meta.get("fresh_block")
    if fb:
        out.append("")
        out.append(f"Large fresh block (bench/micro/freshblock.c, pmem): a FASE that allocates "
                   f"{fb['big_mib']:.0f} MiB and writes 1 KiB takes {fb['first_big_ms']:.2f} ms on never-touched "
                   f"memory, {fb['big_ms']:.3f} ms reused, against {fb['small_ms']:.3f} ms for a 4 KiB block "
                   f"(ratio {fb['ratio']:.2f}); {fb['flushes_big']:.0f} line flushes; peak RSS "
                   f"{fb['peak_rss_mb']:.0f} MB.")
    out.append("")
    out.append(f"Configuration (d): {meta['d_status']}.")
    if not meta["d_available"]:
        out.append("")
        out.append(f"Modeled (d), {threads[0]} thread, from (b)'s counters (not measured): (b)'s time plus one more "
                   "store+clwb+sfence per store the filter skipped -- filtered stores per op and the resulting "
                   "speed-up of (b) over (d): "
                   + ", ".join(f"{p} {fmt(summary[(p, threads[0])].get('filtered_per_op'))} -> "
                               f"{fmt(summary[(p, threads[0])].get('b_vs_d_model'))}x"
                               for p in progs if (p, threads[0]) in summary) + ".")
    out.append("")
    for t in threads:
        out.append(f"**{t} thread{'s' if t > 1 else ''}** -- slowdown vs (a) = a_throughput / x_throughput; "
                   "b/d, b/e = how many times (b) is faster")
        out.append("")
        out.append("| program | (a) Mops/s | (b) pmem / a | (c) process / a | (d) / a | (e) pmdk / a | b faster than d | b faster than e | fences/FASE (b) | records/FASE | floor fences/op | (b) / modeled floor | fence share of (b) time |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for p in progs:
            s = summary.get((p, t))
            if not s:
                continue
            out.append(f"| {p} | {fmt(s['a_ops_per_sec'] / 1e6 if s.get('a_ops_per_sec') else None, '.3f')} | "
                       f"{fmt(s.get('b_vs_a'))} | {fmt(s.get('c_vs_a'))} | {fmt(s.get('d_vs_a'))} | {fmt(s.get('e_vs_a'))} | "
                       f"{fmt(s.get('b_vs_d'))} | {fmt(s.get('b_vs_e'))} | {fmt(s.get('fences_per_fase'))} | "
                       f"{fmt(s.get('records_per_fase'))} | {fmt(s.get('floor_fences_per_op'))} | {fmt(s.get('b_vs_floor'))} | "
                       f"{fmt(100 * s['fence_share'] if s.get('fence_share') is not None else None, '.0f')}% |")
        gm = {c: geomean([summary[(p, t)].get(f"{c}_vs_a") for p in progs if (p, t) in summary]) for c in cfgs}
        out.append(f"| **geomean** | | {fmt(gm.get('b'))} | {fmt(gm.get('c'))} | {fmt(gm.get('d'))} | {fmt(gm.get('e'))} | | | | | | | |")
        out.append("")
    if any(f"{c}_vs_a" in s and s[f"{c}_vs_a"] for s in summary.values() for c in DIAG):
        out.append(f"**Where process mode's time goes, {t1} thread** -- slowdown vs (a) as pmatomic's parts are added: "
                   "(r) heap + allocator only (no plugin), (l) + lock wrappers and FASE commits (plugin, no store hooks), "
                   "(c) + store hooks and undo logging")
        out.append("")
        out.append("| program | (r) rt-only / a | (l) locks-only / a | (c) process / a | log records/op | log bytes/op |")
        out.append("|---|---|---|---|---|---|")
        for p in progs:
            s = summary.get((p, t1))
            if s:
                out.append(f"| {p} | {fmt(s.get('r_vs_a'))} | {fmt(s.get('l_vs_a'))} | {fmt(s.get('c_vs_a'))} | "
                           f"{fmt(s.get('c_records_per_op'))} | {fmt(s.get('c_bytes_per_op'), '.0f')} |")
        out.append("")
    if any(s.get("t_vs_b") for s in summary.values()):
        out.append("**The load-tracking mode** (`-fplugin-arg-pmatomic-track-loads`, docs/usage.md) -- slowdown of "
                   "(t) against (b), the same program built without it, both in pmem mode")
        out.append("")
        out.append("| program | threads | (b) pmem / a | (t) track-loads / a | (t) / (b) |")
        out.append("|---|---|---|---|---|")
        for p in progs:
            for t in threads:
                s = summary.get((p, t))
                if s and s.get("t_vs_b"):
                    out.append(f"| {p} | {t} | {fmt(s.get('b_vs_a'))} | {fmt(s.get('t_vs_a'))} | {fmt(s.get('t_vs_b'))} |")
        out.append("")
    if 1 in threads:
        out.append("**CPU-time cross-check, 1 thread** -- the same ratios computed from the worker thread's CPU time "
                   "instead of wall-clock throughput (alarm: the consumer thread is not counted, so its row is not comparable)")
        out.append("")
        out.append("| program | (b) / a | (c) / a | (d) / a | (e) / a | b faster than d | b faster than e | (b) / modeled floor |")
        out.append("|---|---|---|---|---|---|---|---|")
        for p in progs:
            s = summary.get((p, 1))
            if s:
                out.append(f"| {p} | {fmt(s.get('b_cpu_vs_a'))} | {fmt(s.get('c_cpu_vs_a'))} | {fmt(s.get('d_cpu_vs_a'))} | "
                           f"{fmt(s.get('e_cpu_vs_a'))} | {fmt(s.get('b_cpu_vs_d'))} | "
                           f"{fmt(s.get('b_cpu_vs_e'))} | {fmt(s.get('b_cpu_vs_floor'))} |")
        gm = geomean([summary[(p, 1)].get("c_cpu_vs_a") for p in progs if (p, 1) in summary and p != "alarm"])
        out.append(f"| **geomean (c), without alarm** | | {fmt(gm)} | | | | | |")
        out.append("")
    ct = meta["compile"]
    out.append(f"Compile time, synthetic C file ({ct['functions']} functions, {ct['lines']} lines), clang-19 -O2 -c, "
               f"median CPU time (user+sys): plain {ct['plain_s']:.2f} s, with the plugin {ct['plugin_s']:.2f} s, "
               f"ratio **{ct['ratio']:.3f}** (wall clock: {ct['wall_plain_s']:.2f} s vs {ct['wall_plugin_s']:.2f} s, "
               f"{ct['wall_ratio']:.3f}).")
    out.append("")
    out.append("Targets (medians, same run):")
    out.append("")
    out.append("| target | threshold | measured | met |")
    out.append("|---|---|---|---|")
    for row in meta["targets"]:
        out.append(f"| {row['target']} | {row['threshold']} | {row['measured']} | {row['met']} |")
    out.append("")
    return "\n".join(out)


def targets(summary, progs, threads, meta):
    rows = []
    t1 = threads[0]

    def add(name, thr, vals, better_low, detail=""):
        vals = [v for v in vals if v is not None and not math.isnan(v)]
        if not vals:
            rows.append({"target": name, "threshold": thr, "measured": "n/a", "met": "not measurable"})
            return
        rows.append({"target": name, "threshold": thr, "measured": detail, "met": None, "vals": vals, "low": better_low})

    def per_prog(key):
        return {p: summary[(p, t1)].get(key) for p in progs if (p, t1) in summary}

    for key, name, thr, low in (("b_vs_floor", f"(b) <= {TARGETS['b_floor']}x modeled floor", TARGETS["b_floor"], True),
                                ("b_vs_d", f"(b) >= {TARGETS['b_vs_d']}x faster than (d)", TARGETS["b_vs_d"], False),
                                ("b_vs_e", f"(b) >= {TARGETS['b_vs_e']}x faster than (e)", TARGETS["b_vs_e"], False)):
        pp = {p: v for p, v in per_prog(key).items() if v is not None}
        if not pp:
            rows.append({"target": name + f", {t1} thread", "threshold": thr, "measured": "n/a", "met": "not measurable"})
            continue
        ok = [p for p, v in pp.items() if (v <= thr if low else v >= thr)]
        rows.append({"target": name + f", {t1} thread", "threshold": thr,
                     "measured": ", ".join(f"{p} {v:.2f}" for p, v in pp.items()),
                     "met": f"{len(ok)}/{len(pp)} programs" + (f" ({', '.join(ok)})" if ok and len(ok) < len(pp) else "")})
    # The same at 1 thread on CPU time (robust to the machine's other load).
    if 1 in threads:
        for key, name, thr, low in (("b_cpu_vs_floor", f"(b) <= {TARGETS['b_floor']}x modeled floor, CPU time", TARGETS["b_floor"], True),
                                    ("b_cpu_vs_d", f"(b) >= {TARGETS['b_vs_d']}x faster than (d), CPU time", TARGETS["b_vs_d"], False),
                                    ("b_cpu_vs_e", f"(b) >= {TARGETS['b_vs_e']}x faster than (e), CPU time", TARGETS["b_vs_e"], False)):
            pp = {p: summary[(p, 1)].get(key) for p in progs if (p, 1) in summary and p != "alarm"}
            pp = {p: v for p, v in pp.items() if v is not None}
            if not pp:
                continue
            ok = [p for p, v in pp.items() if (v <= thr if low else v >= thr)]
            rows.append({"target": name + ", 1 thread (alarm excluded)", "threshold": thr,
                         "measured": ", ".join(f"{p} {v:.2f}" for p, v in pp.items()),
                         "met": f"{len(ok)}/{len(pp)} programs" + (f" ({', '.join(ok)})" if ok and len(ok) < len(pp) else "")})
        g = geomean([summary[(p, 1)].get("c_cpu_vs_a") for p in progs if (p, 1) in summary and p != "alarm"])
        if not math.isnan(g):
            rows.append({"target": f"(c) <= {TARGETS['c_vs_a']}x (a), geomean, CPU time, 1 thread (alarm excluded)",
                         "threshold": TARGETS["c_vs_a"], "measured": f"{g:.2f}",
                         "met": "yes" if g <= TARGETS["c_vs_a"] else f"no (by {g / TARGETS['c_vs_a']:.2f}x)"})
    for t in threads:
        g = geomean([summary[(p, t)].get("c_vs_a") for p in progs if (p, t) in summary])
        rows.append({"target": f"(c) <= {TARGETS['c_vs_a']}x (a), geomean, {t} thread(s)", "threshold": TARGETS["c_vs_a"],
                     "measured": f"{g:.2f}", "met": "yes" if g <= TARGETS["c_vs_a"] else f"no (by {g / TARGETS['c_vs_a']:.2f}x)"})
    r = meta["compile"]["ratio"]
    rows.append({"target": f"compile time <= {TARGETS['compile']}x", "threshold": TARGETS["compile"], "measured": f"{r:.3f}",
                 "met": "yes" if r <= TARGETS["compile"] else f"no (by {r / TARGETS['compile']:.2f}x)"})
    return rows


def svg_bars(path, summary, progs, t, cfgs):
    """Grouped bars: slowdown vs (a) per program, log scale."""
    series = [c for c in cfgs if c != "a" and c not in DIAG]
    vals = {(p, c): summary.get((p, t), {}).get(f"{c}_vs_a") for p in progs for c in series}
    top = max([v for v in vals.values() if v] + [2])
    W, H, L, B, T = 900, 420, 60, 60, 40
    pw, ph = W - L - 20, H - B - T
    lmax = math.ceil(math.log10(top) * 2) / 2

    def y(v):
        return T + ph - ph * math.log10(max(v, 1)) / lmax

    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">Slowdown vs volatile (a), {t} thread(s), median (log scale; 1 = as fast as volatile)</text>']
    for k in range(0, int(lmax * 2) + 1):
        v = 10 ** (k / 2)
        s.append(f'<line x1="{L}" x2="{L + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{L - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.3g}x</text>')
    gw = pw / len(progs)
    bw = gw * 0.8 / len(series)
    for i, p in enumerate(progs):
        x0 = L + i * gw + gw * 0.1
        s.append(f'<text x="{L + i * gw + gw / 2:.1f}" y="{T + ph + 18}" text-anchor="middle">{p}</text>')
        for j, c in enumerate(series):
            v = vals[(p, c)]
            if not v:
                s.append(f'<text x="{x0 + j * bw + bw / 2:.1f}" y="{T + ph - 4}" text-anchor="middle" font-size="9">n/a</text>')
                continue
            s.append(f'<rect x="{x0 + j * bw:.1f}" y="{y(v):.1f}" width="{bw - 1:.1f}" height="{T + ph - y(v):.1f}" '
                     f'fill="{CFG_COLOR[c]}"><title>{p} {CFG_NAME[c]}: {v:.2f}x</title></rect>')
    for j, c in enumerate(series):
        s.append(f'<rect x="{L + j * 150}" y="{H - 22}" width="12" height="12" fill="{CFG_COLOR[c]}"/>')
        s.append(f'<text x="{L + j * 150 + 16}" y="{H - 12}">({c}) {CFG_NAME[c]}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def svg_threads(path, med, progs, threads, cfgs):
    """Small multiples: throughput (Mops/s, log scale) vs threads, one panel per program."""
    cols = 4
    rows_n = math.ceil(len(progs) / cols)
    PW, PH, M = 230, 190, 45
    W, H = cols * PW + 20, rows_n * PH + 70
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
         f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">Throughput (Mops/s, median, log scale) vs threads</text>']
    for i, p in enumerate(progs):
        ox, oy = 10 + (i % cols) * PW, 30 + (i // cols) * PH
        pts = {c: [(t, med[(p, c, t)]["ops_per_sec"] / 1e6) for t in threads if (p, c, t) in med] for c in cfgs}
        vals = [v for c in pts for _, v in pts[c] if v > 0] or [1]
        lo, hi = math.floor(math.log10(min(vals))), math.ceil(math.log10(max(vals)))
        hi = max(hi, lo + 1)
        x0, x1, y0, y1 = ox + M, ox + PW - 10, oy + PH - 30, oy + 20

        def Y(v):
            return y0 - (y0 - y1) * (math.log10(v) - lo) / (hi - lo)

        def X(t):
            return x0 + (x1 - x0) * (threads.index(t) / max(len(threads) - 1, 1))

        s.append(f'<text x="{(x0 + x1) / 2}" y="{oy + 12}" text-anchor="middle" font-weight="bold">{p}</text>')
        for d in range(lo, hi + 1):
            s.append(f'<line x1="{x0}" x2="{x1}" y1="{Y(10 ** d):.1f}" y2="{Y(10 ** d):.1f}" stroke="#ddd"/>')
            s.append(f'<text x="{x0 - 4}" y="{Y(10 ** d) + 4:.1f}" text-anchor="end">{10 ** d:g}</text>')
        s.append(f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y0}" stroke="black"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="black"/>')
        for t in threads:
            s.append(f'<text x="{X(t):.1f}" y="{y0 + 14}" text-anchor="middle">{t}</text>')
        for c in cfgs:
            if not pts[c]:
                continue
            d = " ".join(f"{X(t):.1f},{Y(v):.1f}" for t, v in pts[c])
            s.append(f'<polyline points="{d}" fill="none" stroke="{CFG_COLOR[c]}" stroke-width="2"/>')
            for t, v in pts[c]:
                s.append(f'<circle cx="{X(t):.1f}" cy="{Y(v):.1f}" r="3" fill="{CFG_COLOR[c]}"><title>{p} {CFG_NAME[c]} {t}T: {v:.3f} Mops/s</title></circle>')
    for j, c in enumerate(cfgs):
        s.append(f'<rect x="{20 + j * 150}" y="{H - 20}" width="12" height="12" fill="{CFG_COLOR[c]}"/>')
        s.append(f'<text x="{36 + j * 150}" y="{H - 10}">({c}) {CFG_NAME[c]}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1/4 of the operations, 1 run each, small compile test (< 2 min)")
    ap.add_argument("--runs", type=int, help="runs per configuration (default 3, --quick 1)")
    ap.add_argument("--threads", default="1,2,4")
    ap.add_argument("--progs", default=",".join(PROGS))
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every operation count")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(BENCH, "results"))
    args = ap.parse_args()
    runs = args.runs or (1 if args.quick else 3)
    scale = args.scale * (0.25 if args.quick else 1.0)
    threads = [int(t) for t in args.threads.split(",")]
    progs = [p for p in args.progs.split(",") if p]
    for p in progs:
        if p not in PROGS:
            sys.exit(f"run.py: unknown program {p!r}; known: {', '.join(PROGS)}")
    if not os.path.exists(os.path.join(args.build, "bin", "pmatomic-config")):
        sys.exit(f"run.py: {args.build}/bin/pmatomic-config not found: build pmatomic first (make build)")
    if not os.path.isdir(SHM):
        sys.exit("run.py: /dev/shm is needed (DRAM-backed file system for the emulated NVM)")
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    load_start = open("/proc/loadavg").read().split()[:3]

    say(f"== pmatomic bench: {len(progs)} programs, threads {threads}, {runs} run(s) each, "
        f"ops x{scale:g}{' (quick)' if args.quick else ''}")
    say("== compiling")
    bins = compile_all(args.build, out, progs)

    say("== fence cost microbenchmark (/dev/shm)")
    fence = fence_cost(out, 3 if not args.quick else 1)
    say(f"   store+clwb+sfence {fence['clwb_sfence_ns']:.1f} ns, 256 B NT + sfence {fence['nt256_sfence_ns']:.1f} ns")

    say("== large fresh block (bench/micro/freshblock.c, pmem on /dev/shm)")
    fresh = fresh_block(out, 128)
    say(f"   128 MiB block, 1 KiB written: first FASE {fresh['first_big_ms']:.2f} ms, then "
        f"{fresh['big_ms']:.3f} ms vs {fresh['small_ms']:.3f} ms for 4 KiB (ratio {fresh['ratio']:.2f}), "
        f"{fresh['flushes_big']:.0f} line flushes, peak RSS {fresh['peak_rss_mb']:.0f} MB")

    d_ok, probe_line = probe_sync(out)
    d_status = ("available (probe: " + probe_line + ")") if d_ok else (
        "not available in this build: the runtime ignores PMA_SYNC_PER_STORE=1 (probe: " + probe_line + ")")
    say(f"== configuration (d): {d_status}")
    cfgs = [c for c in CONFIGS if c != "d" or d_ok]
    if not any(k[1] == "pmdk" for k in bins):
        cfgs.remove("e")

    say("== compile time, plain vs plugin")
    ct = compile_time(args.build, out, 300 if args.quick else 1200, 1 if args.quick else 3)
    say(f"   CPU time: plain {ct['plain_s']:.2f} s, plugin {ct['plugin_s']:.2f} s, ratio {ct['ratio']:.3f}")

    # Interleave: one pass over every (program, threads, config) per run, so
    # slow drift from the other users of the machine hits all configurations alike.
    plan = []
    for rep in range(runs):
        for p in progs:
            for t in threads:
                for c in cfgs:
                    if c == "e" and (p, "pmdk") not in bins:
                        continue
                    if c in DIAG and t != threads[0]:
                        continue
                    if c == "t" and p not in TRACK_PROGS:
                        continue
                    plan.append((rep, p, t, c))
    ops = {p: max(1000, int(PROGS[p] * scale)) for p in progs}
    say(f"== {len(plan)} runs")
    rows, failures = [], []
    for i, (rep, p, t, c) in enumerate(plan, 1):
        progress(i, len(plan), f"run {rep + 1}/{runs} {p} ({c}) {CFG_NAME[c]} threads={t}")
        r = run_one(bins, p, c, t, ops[p])
        r.update({"prog": p, "cfg": c, "threads": t, "rep": rep})
        if "error" in r or r.get("check") != "ok":
            failures.append(r)
            say(f"\n   FAILED {p} ({c}) threads={t}: {r.get('error', 'check failed')}")
        rows.append(r)
    if TTY:
        say("")

    med, summary = summarise(rows, progs, cfgs, threads, fence)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.processor() or platform.machine(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "runs": runs, "threads": threads, "ops": ops, "quick": args.quick,
        "fence": fence, "fresh_block": fresh, "d_available": d_ok, "d_status": d_status, "compile": ct,
        "git": sh(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).stdout.strip(),
        "loadavg_start": load_start, "loadavg_end": open("/proc/loadavg").read().split()[:3],
    }
    # Other engineers edit the runtime in the same tree: say when the build
    # measured may contain uncommitted changes.
    dirty = sh(["git", "-C", ROOT, "status", "--porcelain", "--", "runtime", "pass", "clang-plugin", "include"]).stdout.strip()
    meta["tree_dirty"] = bool(dirty)
    meta["machine"] = (f"{meta['cpu_model']}, kernel {meta['kernel']}, commit {meta['git']}"
                       + (" + uncommitted runtime/pass changes" if dirty else ""))
    meta["targets"] = targets(summary, progs, threads, meta)

    with open(os.path.join(args.out, "results.csv"), "w") as f:
        keys = ["prog", "cfg", "threads", "rep", "ops", "secs", "cpu_secs", "ops_per_sec", "fases", "log_records", "log_bytes",
                "filtered_stores", "flushes", "fences", "nt_bytes", "check", "error"]
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join(str(r.get(k, "")).replace(",", ";") for k in keys) + "\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "configs": {c: CFG_NAME[c] for c in cfgs},
                   "medians": [{"prog": p, "cfg": c, "threads": t, **v} for (p, c, t), v in med.items()],
                   "summary": [{"prog": p, "threads": t, **v} for (p, t), v in summary.items()],
                   "runs": rows}, f, indent=1)
    md = markdown(summary, progs, threads, cfgs, meta)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(md)
    svg_bars(os.path.join(args.out, "overhead.svg"), summary, progs, threads[0], cfgs)
    svg_threads(os.path.join(args.out, "throughput.svg"), med, progs, threads, [c for c in cfgs if c not in DIAG])
    say("")
    say(md)
    say(f"== wrote {args.out}/results.csv, results.json, summary.md, overhead.svg, throughput.svg "
        f"in {time.time() - t_start:.0f} s")
    if failures:
        say(f"== {len(failures)} run(s) FAILED (see results.csv)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
