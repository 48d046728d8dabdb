#!/usr/bin/env python3
"""mc_crash.py -- the memcached crash story (docs/real-programs.md)

Each cycle: start the whole-heap memcached on a fresh heap, load it from
mc_load.py over loopback (sets and gets from several processes), SIGKILL it
at a random moment under load, then run mc_check on the heap (pma_open
recovers it: every critical section memcached was inside rolls back) and
compare what the heap holds with what the clients were told:
  - the heap is consistent (mc_check: hash table found, every item linked,
    in its bucket, well formed, LRU neighbours pointing back, chains end);
  - every key memcached acknowledged ("STORED") is in the heap with the
    acknowledged version or a later one the client had sent (a store that
    committed but whose reply was lost in the kill);
  - no item holds a version the client never sent, and every value is whole.
The last cycle then restarts memcached on the same heap and serves a short
load: the file is reusable (memcached itself cannot find the old items, its
roots were globals, so its start reclaims them; mc_check, run before, can).
Usage: mc_crash.py --build-real DIR --mc-check PROG [--cycles N]
Exit status 0 when every cycle held, 1 otherwise.
"""
import argparse
import glob
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def wait_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("memcached exited with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("memcached did not listen on %d" % port)


def start_mc(a, heap, port, reset, sim=None):
    env = dict(os.environ, PMA_WHOLE_HEAP=heap, PMA_WHOLE_HEAP_SIZE="512M")
    if sim:  # (crash_at, seed): the crash simulator loses power at that event
        env.update(PMA_MODE="sim", PMA_SIM_CRASH_AT=str(sim[0]), PMA_SIM_POLICY="random",
                   PMA_SIM_SEED=str(sim[1]), PMA_WHOLE_HEAP_SIZE="256M")
    if reset:
        env["PMA_WHOLE_HEAP_RESET"] = "1"
    cmd = [os.path.join(a.build_real, "pma", "memcached", "memcached"), "-u", "root", "-U", "0",
           "-l", "127.0.0.1", "-p", str(port), "-t", str(a.threads), "-m", "256"]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_port(port, p)
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-real", required=True)
    ap.add_argument("--mc-check", required=True)
    ap.add_argument("--cycles", type=int, default=10)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--procs", type=int, default=3)
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--port", type=int, default=22211)
    ap.add_argument("--heap", default="/dev/shm/pmatomic-mc-crash.heap")
    ap.add_argument("--sim", action="store_true",
                    help="instead of SIGKILL: a simulated power failure (PMA_MODE=sim) at a random "
                         "persistence event, random cache write-back")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    failed = 0
    tot = {"rolled": 0, "acked": 0, "later": 0, "items": 0}
    for cyc in range(1, a.cycles + 1):
        acks = tempfile.mkdtemp(prefix="mc-acks.")
        crash_at = rng.randint(100000, 1500000)
        mc = start_mc(a, a.heap, a.port, reset=True, sim=(crash_at, cyc) if a.sim else None)
        load = subprocess.Popen([sys.executable, os.path.join(HERE, "mc_load.py"), "--port", str(a.port),
                                 "--procs", str(a.procs), "--seconds", "30", "--keys", str(a.keys),
                                 "--seed", str(a.seed * 100 + cyc), "--acks", acks, "--until-killed"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        delay = rng.uniform(0.5, 2.5)
        if a.sim:  # the power fails by itself at event crash_at (exit status 86)
            t0 = time.monotonic()
            try:
                rc = mc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                mc.kill()
                rc = "hung"
            delay = time.monotonic() - t0
            if rc != 86:
                print("kill %d: memcached did not crash at event %d (exit %s)" % (cyc, crash_at, rc))
                failed += 1
        else:
            time.sleep(delay)
            mc.send_signal(signal.SIGKILL)
            mc.wait()
        lout = load.communicate(timeout=60)[0].decode(errors="replace").strip()
        chk = subprocess.run([a.mc_check, a.heap], capture_output=True, timeout=120)
        out = chk.stdout.decode(errors="replace").splitlines()
        items = {}
        for line in out:
            if line.startswith("item "):
                _, key, val = line.split(" ", 2)
                items[key] = val
        want = {}
        for f in glob.glob(os.path.join(acks, "acks.*.json")):
            want.update(json.load(open(f)))
        lost = wrong = later = 0
        for k, (ack, sent) in want.items():
            v = items.get("k" + k)
            if v is None:
                if ack:
                    lost += 1
                continue
            kk, ver, _ = v.split(":", 2)
            if kk != "k" + k or not ack <= int(ver) <= sent:
                wrong += 1
            elif int(ver) > ack:
                later += 1
        stranger = sum(1 for k in items if k[1:] not in want)
        rolled = 0
        for line in out:
            if line.startswith("recovery:"):
                rolled = int(line.split("rolled back ")[1].split()[0])
        ok = chk.returncode == 0 and not lost and not wrong and not stranger
        failed += not ok
        tot["rolled"] += rolled
        tot["acked"] += sum(1 for v in want.values() if v[0])
        tot["later"] += later
        tot["items"] += len(items)
        print("%s %d after %.2f s: %s; %s; %d items, %d acknowledged keys: %d lost, %d wrong, "
              "%d newer than their ack (store committed, reply lost), %d unknown -> %s"
              % ("power failure at event %d," % crash_at if a.sim else "kill", cyc, delay,
                 lout.replace("mc_load: ", "load "), out[0] if out else "no output",
                 len(items), sum(1 for v in want.values() if v[0]), lost, wrong, later, stranger,
                 "ok" if ok else "VIOLATED"))
        if chk.returncode != 0:
            print("\n".join(l for l in out if not l.startswith("item "))[:2000])
        for f in glob.glob(os.path.join(acks, "*")):
            os.unlink(f)
        os.rmdir(acks)
    # restart on the last heap: it opens (recovered), memcached serves again
    mc = start_mc(a, a.heap, a.port, reset=False)
    r = subprocess.run([sys.executable, os.path.join(HERE, "mc_load.py"), "--port", str(a.port),
                        "--procs", "2", "--seconds", "1", "--keys", "1000", "--seed", "999"],
                       capture_output=True)
    mc.send_signal(signal.SIGTERM)
    mc.wait()
    print("restart on the same heap: %s" % r.stdout.decode().strip())
    failed += r.returncode != 0
    print("mc_crash: %d %s under load, %d consistent, %d FASEs rolled back in total, %d acknowledged "
          "keys checked, none lost; %d stores survived whose reply was lost"
          % (a.cycles, "simulated power failures" if a.sim else "kills", a.cycles - failed, tot["rolled"], tot["acked"], tot["later"])
          if not failed else "mc_crash: %d of %d cycles VIOLATED" % (failed, a.cycles))
    try:
        os.unlink(a.heap)
    except OSError:
        pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
