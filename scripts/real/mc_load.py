#!/usr/bin/env python3
"""mc_load.py -- a memcached client over loopback for the real-programs runs
(docs/real-programs.md): text-protocol sets and gets from several processes.

Each process owns the keys k with k % procs == its index, so the versions of
a key are written in order by one connection: after "STORED" for version v,
a get of that key must return exactly v.  Values say which key and version
they hold ("k<key>:<version>:" then padding), so a torn or misplaced value is
visible to anyone who reads it.  With --acks DIR each process writes, for
every key it touched, the last version memcached acknowledged and the last
one it sent (JSON), for mc_crash.py to compare with the heap after a kill.
The run ends after --seconds, or when the server goes away (the crash runs).
"""
import argparse
import json
import multiprocessing
import os
import random
import socket
import sys
import time


def value(key, ver, size):
    head = "k%d:%d:" % (key, ver)
    return (head + "x" * max(0, size - len(head))).encode()


def read_line(sock, buf):
    while b"\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    line, _, rest = buf.partition(b"\r\n")
    return line, rest


def worker(idx, a, q):
    rng = random.Random(a.seed * 1000 + idx)
    mine = [k for k in range(a.keys) if k % a.procs == idx]
    acked, sent = {}, {}
    ops = bad = 0
    buf = b""
    deadline = time.monotonic() + a.seconds
    try:
        sock = socket.create_connection(("127.0.0.1", a.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while time.monotonic() < deadline:
            k = rng.choice(mine)
            if rng.random() < a.get_ratio and k in acked:
                sock.sendall(b"get k%d\r\n" % k)
                line, buf = read_line(sock, buf)
                if line.startswith(b"VALUE"):
                    n = int(line.split()[3])
                    while len(buf) < n + 2:
                        chunk = sock.recv(65536)
                        if not chunk:
                            raise ConnectionError("server closed the connection")
                        buf += chunk
                    got, buf = buf[:n], buf[n + 2:]
                    line, buf = read_line(sock, buf)  # END
                    if got != value(k, acked[k], a.value_size):
                        bad += 1
                else:
                    bad += 1  # a stored key must be there (no evictions at this size)
            else:
                v = sent.get(k, 0) + 1
                sent[k] = v
                data = value(k, v, a.value_size)
                sock.sendall(b"set k%d 0 0 %d\r\n%s\r\n" % (k, len(data), data))
                line, buf = read_line(sock, buf)
                if line != b"STORED":
                    bad += 1
                else:
                    acked[k] = v
            ops += 1
    except (ConnectionError, OSError):
        if not a.until_killed:
            raise
    if a.acks:
        with open(os.path.join(a.acks, "acks.%d.json" % idx), "w") as f:
            json.dump({str(k): [acked.get(k, 0), sent[k]] for k in sent}, f)
    q.put((ops, bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--value-size", type=int, default=100)
    ap.add_argument("--get-ratio", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--acks", help="directory for the per-process ack tables")
    ap.add_argument("--until-killed", action="store_true", help="a lost server ends the run quietly")
    a = ap.parse_args()
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker, args=(i, a, q)) for i in range(a.procs)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    res = [q.get() for _ in ps]
    for p in ps:
        p.join()
    dt = time.monotonic() - t0
    ops = sum(r[0] for r in res)
    bad = sum(r[1] for r in res)
    print("mc_load: %d ops in %.2f s = %.0f ops/s, %d wrong answers" % (ops, dt, ops / dt, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
