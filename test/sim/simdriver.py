#!/usr/bin/env python3
"""simdriver.py -- long-running crash-simulator campaigns (docs/crashtest.md)

  simdriver.py mutants BUILD [--only NAME,...] [--jobs N] [--no-baseline]
      Mutation testing (`make check-mutants`): BUILD must have been configured
      with -DPMA_MUTANTS=ON.  Compiles the programs of test/sim/Inputs against
      libpmatomic_rt_mutant, then for every seeded protocol bug of
      runtime/mutants.h runs `pmatomic crashtest -x` over the programs (in the
      order of PROGRAMS, stopping at the first failure) with PMA_MUTANT set.
      Prints which program, crash point and policy killed each mutant, then
      `mutants: K killed / N total`; exits 1 if any mutant survived (or the
      unmutated baseline failed).

  simdriver.py soak BUILD [--images N] [--jobs N] [--seed S]
      At least N (default 50000) crash images over the same programs (plus
      five with free thread scheduling, three of them the test/crash programs
      run through their `sim` command) with every policy, several images per
      crash point and new seeds, against the shipped runtime.  Exits 1 on any
      failure (each printed with its reproducer).
"""
import argparse
import concurrent.futures as cf
import os
import re
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INPUTS = os.path.join(SRC, "test", "sim", "Inputs")
# programs shared with the SIGKILL loops of test/crash (their `sim` command)
CRASH_INPUTS = os.path.join(SRC, "test", "crash", "Inputs")

# name, source, program args, crashtest options.  Order matters for `mutants`:
# the quickest killers first.  Every single-threaded program is tested at
# every crash point.
PROGRAMS = [
    ("records", "sim-records.c", ["2"], ["--recovery-points", "6"]),
    ("durable", "sim-durable.c", ["3"], ["--recovery-points", "6"]),
    ("list", "sim-list.c", ["1", "8"], ["--recovery-points", "6"]),
    ("alloc", "sim-alloc.c", ["3"], ["--recovery-points", "6"]),
    ("handoff", "sim-handoff.c", ["2"], ["--recovery-points", "60"]),
    ("bank", "sim-bank.c", ["1", "6"], ["--recovery-points", "6"]),
    ("split", "sim-split.c", ["2"], ["--policies", "random,prefix", "--images", "2",
                                     "--recovery-depth", "0"]),
    ("ntcopy", "sim-ntcopy.c", ["3"], ["--recovery-points", "6"]),
    ("batch", "sim-batch.c", ["8"], ["--recovery-points", "6"]),
    ("fresh", "sim-fresh.c", ["3"], ["--recovery-points", "6"]),
    ("trim", "sim-trim.c", ["2"], ["--recovery-points", "6"]),
    ("frees", "sim-frees.c", ["filter", "2"], ["--policies", "random", "--images", "4",
                                               "--recovery-depth", "0"]),
    ("frees-tail", "sim-frees.c", ["tail", "1"], ["--policies", "none,random",
                                                  "--recovery-points", "4"]),
    ("counter", "sim-counter.c", ["1"], ["--recovery-points", "6"]),
    ("signal", "sim-signal.c", ["3"], ["--recovery-points", "6"]),
    # fails only after the commit, at the last points: no recovery crashes
    ("signal-ring", "sim-signal-ring.c", [], ["--policies", "none", "--recovery-depth", "0",
                                              "--recovery-points", "0"]),
]


# Soak only: the same programs with free thread scheduling (crash points are
# then not reproducible event for event, but every image is still checked).
SOAK_EXTRA = [
    ("bank-threads", "sim-bank.c", ["3", "8"], ["--recovery-points", "6"]),
    ("list-threads", "sim-list.c", ["3", "8"], ["--recovery-points", "6"]),
    ("hoh-list-threads", os.path.join(CRASH_INPUTS, "hoh-list.c"), ["sim", "3", "40"],
     ["--recovery-points", "6"]),
    ("chain-threads", os.path.join(CRASH_INPUTS, "chain.c"), ["sim", "4", "30"],
     ["--recovery-points", "6"]),
    ("alarm-threads", os.path.join(CRASH_INPUTS, "alarm.c"), ["sim", "3", "3", "12"],
     ["--recovery-points", "6"]),
]


def tool(build, *args):
    """tool -- output of build/bin/<args>"""
    return subprocess.run([os.path.join(build, "bin", args[0])] + list(args[1:]),
                          check=True, capture_output=True, text=True).stdout.strip()


def compile_programs(build, lib, outdir, progs=PROGRAMS):
    """compile_programs -- every source of progs linked against lib; {name: path}"""
    cc = tool(build, "pmatomic-config", "--cc")
    cflags = tool(build, "pmatomic-config", "--cflags").split()
    libdir = tool(build, "pmatomic-config", "--libdir")
    os.makedirs(outdir, exist_ok=True)
    out = {}
    for name, src, _, _ in progs:
        exe = os.path.join(outdir, name)
        # os.path.join keeps an absolute src (the CRASH_INPUTS programs)
        subprocess.run([cc, "-O2"] + cflags + [os.path.join(INPUTS, src), "-o", exe,
                        "-L" + libdir, "-Wl,-rpath," + libdir, "-l" + lib, "-lpmem", "-lpthread"],
                       check=True)
        out[name] = exe
    return out


def crashtest(build, exe, args, opts, env, extra=()):
    """crashtest -- run one crashtest; (exit status, output)"""
    cmd = [os.path.join(build, "bin", "pmatomic"), "crashtest", "-q"] + opts + list(extra) + \
          ["--", exe, "%h"] + args
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout + p.stderr


def parse_mutants():
    """parse_mutants -- [(number, name, description)] from runtime/mutants.h"""
    text = open(os.path.join(SRC, "runtime", "mutants.h")).read()
    return [(int(n), name, desc) for n, name, desc in
            re.findall(r'X\((\d+),\s*(\w+),\s*"([^"]*)"\)', text)]


def try_mutant(build, exes, mid):
    """try_mutant -- run the programs against mutant mid until one fails;
    returns (killed_by or None, seconds)"""
    env = dict(os.environ, PMA_MUTANT=str(mid))
    t0 = time.time()
    for name, _, args, opts in PROGRAMS:
        rc, out = crashtest(build, exes[name], args, opts, env, ["-x", "--timeout", "20"])
        if rc == 0:
            continue
        m = re.search(r"FAIL: (.*?) \(crash point (\d+), policy (\w+), seed (\d+)(.*?)\): (.*)", out)
        if m:
            rec = m.group(5).replace(", ", "; ").strip("; ")
            why = "%s: point %s %s%s" % (name, m.group(2), m.group(3), " (" + rec + ")" if rec else "")
        elif "did not succeed" in out:
            why = "%s: the uncrashed run fails" % name
        else:
            why = "%s: crashtest exit %d" % (name, rc)
        return why, time.time() - t0
    return None, time.time() - t0


def cmd_mutants(a):
    """cmd_mutants -- mutation testing; 0 if every mutant was killed"""
    muts = parse_mutants()
    if a.only:
        keep = set(a.only.split(","))
        muts = [m for m in muts if m[1] in keep or str(m[0]) in keep]
    lib = os.path.join(a.build, "lib", "libpmatomic_rt_mutant.so")
    if not os.path.exists(lib):
        sys.exit("simdriver: %s not found: configure %s with -DPMA_MUTANTS=ON" % (lib, a.build))
    exes = compile_programs(a.build, "pmatomic_rt_mutant", os.path.join(a.build, "test", "sim-mutants"))
    if not a.no_baseline:
        env = dict(os.environ, PMA_MUTANT="0")
        t0 = time.time()
        for name, _, args, opts in PROGRAMS:
            rc, out = crashtest(a.build, exes[name], args, opts, env, ["--timeout", "20"])
            if rc != 0:
                print(out)
                sys.exit("simdriver: the unmutated baseline fails on %s: fix that first" % name)
        print("baseline (no mutant): every program passes (%.0f s)" % (time.time() - t0))
    print("%-3s %-25s %-64s %s" % ("#", "mutant", "description", "killed by"))
    killed = 0
    with cf.ThreadPoolExecutor(a.jobs) as pool:
        futs = [(m, pool.submit(try_mutant, a.build, exes, m[0])) for m in muts]
        for (mid, name, desc), f in futs:
            why, secs = f.result()
            killed += why is not None
            print("%-3d %-25s %-64s %s (%.0f s)" % (mid, name, desc, why or "SURVIVED", secs),
                  flush=True)
    print("mutants: %d killed / %d total" % (killed, len(muts)))
    return 0 if killed == len(muts) else 1


def soak_one(build, exe, name, args, opts, images, seed):
    """soak_one -- one crashtest with many images per point; (name, images, failures, output)"""
    rc, out = crashtest(build, exe, args, opts, dict(os.environ),
                        ["--policies", "none,all,random,prefix", "--images", str(images),
                         "--seed", str(seed)])
    m = re.search(r"crashtest: (\d+) points, (\d+) images .*?(\d+) failures", out)
    if not m:
        return name, 0, 1, out
    return name, int(m.group(2)), int(m.group(3)), out


def cmd_soak(a):
    """cmd_soak -- at least a.images crash images; 0 if none failed"""
    progs = PROGRAMS + SOAK_EXTRA
    exes = compile_programs(a.build, "pmatomic_rt", os.path.join(a.build, "test", "sim-soak"), progs)
    env = dict(os.environ, PMA_MODE="sim")
    # events per clean run, to size the images per point
    events = {}
    with tempfile.TemporaryDirectory() as d:
        for name, _, args, _ in progs:
            rep = os.path.join(d, "report")
            heap = os.path.join(d, "heap")
            subprocess.run([exes[name], heap] + args, env=dict(env, PMA_SIM_REPORT=rep),
                           capture_output=True)
            events[name] = int(re.search(r"events=(\d+)", open(rep).read()).group(1))
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
    share = a.images / len(progs)
    total = fails = rounds = 0
    t0 = time.time()
    seed = a.seed
    while total < a.images:
        rounds += 1
        with cf.ThreadPoolExecutor(a.jobs) as pool:
            futs = []
            for name, _, args, opts in progs:
                per_point = max(1, int((share / events[name] - 2) / 2 + 0.999))
                futs.append(pool.submit(soak_one, a.build, exes[name], name, args, opts,
                                        per_point, seed))
                seed += 7919
            for f in futs:
                name, n, nf, out = f.result()
                total += n
                fails += nf
                print("soak: %-8s %6d images, %d failures" % (name, n, nf), flush=True)
                if nf:
                    print(out)
    print("soak: %d images in %d round(s), %.0f s, %d failures" % (total, rounds,
                                                                     time.time() - t0, fails))
    return 1 if fails else 0


def main():
    """main -- parse the command line and run a campaign"""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mutants", help="mutation testing (make check-mutants)")
    m.add_argument("build")
    m.add_argument("--only", help="comma-separated mutant names or numbers")
    m.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    m.add_argument("--no-baseline", action="store_true")
    s = sub.add_parser("soak", help=">= N crash images over the sim programs (make soak)")
    s.add_argument("build")
    s.add_argument("--images", type=int, default=50000)
    s.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    s.add_argument("--seed", type=int, default=int(time.time()) % 1000000)
    a = p.parse_args()
    a.build = os.path.abspath(a.build)
    sys.exit(cmd_mutants(a) if a.cmd == "mutants" else cmd_soak(a))


if __name__ == "__main__":
    main()
