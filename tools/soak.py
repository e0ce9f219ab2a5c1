#!/usr/bin/env python3
"""tools/soak.py: soak `lightbert serve` with good and hostile clients at once (Python stdlib).

Contract: starts `LIGHTBERT serve --model MODEL --port 0` (extra server flags after --), computes
the reference embeddings of a fixed sentence set with `LIGHTBERT embed --normalize` (the
direct computation), then for DURATION seconds runs, each group in its own process:
  - GOOD keep-alive clients posting 1-4 random sentences to /embed, every answer compared with
    the reference (max abs difference <= 1e-4, as the server tests; a wrong shape or value is a
    wrong answer; a non-200 or a dropped connection counts as a failure);
  - slow clients trickling header bytes (one byte per 200 ms) until the server closes them;
  - oversized clients (Content-Length above --max-body-bytes, and a 3 MiB body sent in full);
  - compressed clients: a valid gzip body (must give the right embedding) and a gzip bomb
    (64 MiB of JSON whitespace in ~64 KiB; must be 413);
  - malformed clients: conflicting Content-Length, garbage, header floods, pipelined pairs;
  - a /health prober: a fresh connection every 100 ms, latency measured;
  - an RSS sampler of the server process every 2 s.
It prints one JSON summary and exits 1 when any good answer was wrong or failed, any /health
took 100 ms or more or failed, a hostile client got a 2xx where it must not, or RSS grew by
more than 20% (+8 MiB slack) between the end of the warm-up and the end.
Usage: tools/soak.py --lightbert build/lightbert [--model tests/data/tiny-bert]
       [--duration 600] [--good 64] [-- SERVER_FLAGS...]
"""
import argparse
import gzip
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import socket
import subprocess
import sys
import time

SENTENCES = [
    "the house on the hill is red", "a cat sat on the mat", "rain falls in the city",
    "she reads a book every night", "the quick brown fox jumps over the lazy dog",
    "music fills the empty room", "they walked to the old bridge", "coffee tastes better at dawn",
    "the river runs to the sea", "children play in the park", "stars shine above the desert",
    "he fixed the broken chair", "a letter arrived this morning", "the train was late again",
    "bread and butter for breakfast", "the garden needs more water", "we watched the sun set",
    "an old man feeds the birds", "snow covers the mountain", "the meeting starts at noon",
    "paris is the capital of france", "the dog barks at strangers", "winter is coming soon",
    "a small boat crossed the lake", "the teacher opened the window", "lights flicker in the storm",
    "she painted the door blue", "the market sells fresh fish", "time flies when you have fun",
    "my phone battery is empty", "the library closes at eight", "leaves turn yellow in autumn",
]


def post(conn, path, body, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    conn.request("POST", path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.read()


def close_enough(got, want, tol=1e-4):
    return len(got) == len(want) and all(abs(a - b) <= tol for a, b in zip(got, want))


def good_clients(port, ref, n, deadline, q, seed):
    import threading
    stats = {"ok": 0, "wrong": 0, "failed": 0, "statuses": {}}
    lock = threading.Lock()

    def run(k):
        rnd = random.Random(seed * 1000 + k)
        conn = None
        while time.time() < deadline:
            idx = [rnd.randrange(len(SENTENCES)) for _ in range(rnd.randint(1, 4))]
            body = json.dumps({"inputs": [SENTENCES[i] for i in idx]})
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, data = post(conn, "/embed", body)
            except (OSError, http.client.HTTPException):
                # The server may close a keep-alive connection between requests: retry once.
                try:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    status, data = post(conn, "/embed", body)
                except (OSError, http.client.HTTPException) as e:
                    with lock:
                        stats["failed"] += 1
                        stats["statuses"][type(e).__name__] = stats["statuses"].get(type(e).__name__, 0) + 1
                    conn = None
                    continue
            with lock:
                stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1
                if status != 200:
                    stats["failed"] += 1
                    continue
                rows = json.loads(data)
                if len(rows) == len(idx) and all(close_enough(r, ref[i]) for r, i in zip(rows, idx)):
                    stats["ok"] += 1
                else:
                    stats["wrong"] += 1

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q.put(("good", stats))


def raw(port, data, timeout=15.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # refused before the whole body was sent: read the answer anyway
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    finally:
        s.close()
    return out


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def hostile_clients(port, ref, deadline, q, max_body):
    import threading
    stats = {"slow": 0, "oversized": 0, "compressed_ok": 0, "bomb": 0, "malformed": 0,
             "bad": [], "failed": 0}
    lock = threading.Lock()
    bomb = gzip.compress(b'{"inputs": "a"' + b" " * (64 << 20) + b"}", 9)
    big = b'{"inputs": "' + b"a" * (3 << 20) + b'"}'

    def expect(kind, resp, ok_statuses):
        st = status_of(resp)
        with lock:
            if st in ok_statuses:
                stats[kind] += 1
            else:
                stats["bad"].append((kind, st, resp[:160].decode("latin-1")))

    def slow():
        while time.time() < deadline:
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            head = b"POST /embed HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
            try:
                for b in head:
                    if time.time() >= deadline:
                        break
                    s.send(bytes([b]))
                    time.sleep(0.2)
            except OSError:
                with lock:
                    stats["slow"] += 1  # cut by the server (header deadline)
            s.close()

    def oversized():
        while time.time() < deadline:
            expect("oversized", raw(port, b"POST /embed HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (max_body + 1)), {413})
            expect("oversized", raw(port, b"POST /embed HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(big) + big), {413})
            time.sleep(0.2)

    def compressed():
        rnd = random.Random(7)
        while time.time() < deadline:
            i = rnd.randrange(len(SENTENCES))
            z = gzip.compress(json.dumps({"inputs": SENTENCES[i]}).encode())
            resp = raw(port, b"POST /embed HTTP/1.1\r\nConnection: close\r\nContent-Encoding: gzip\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(z) + z)
            st = status_of(resp)
            body = resp.split(b"\r\n\r\n", 1)[-1]
            try:
                good = st == 200 and close_enough(json.loads(body)[0], ref[i])
            except ValueError:
                good = False
            with lock:
                if good:
                    stats["compressed_ok"] += 1
                else:
                    stats["bad"].append(("compressed", st, resp[:160].decode("latin-1")))
            expect("bomb", raw(port, b"POST /embed HTTP/1.1\r\nContent-Encoding: gzip\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(bomb) + bomb), {413})
            time.sleep(0.2)

    def malformed():
        rnd = random.Random(11)
        cases = [
            (b"POST /embed HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", {400}),
            (b"\x16\x03\x01garbage\r\n\r\n", {400}),
            (b"GET /health HTTP/1.1\r\n" + b"".join(b"X-%d: v\r\n" % k for k in range(500)) + b"\r\n", {431}),
            (b"POST /embed HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}),
            (b"POST /embed HTTP/1.1\r\n\r\n", {411}),
        ]
        while time.time() < deadline:
            data, ok = rnd.choice(cases)
            expect("malformed", raw(port, data), ok)
            # Two pipelined requests in one segment: both answered.
            pair = (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            resp = raw(port, pair)
            with lock:
                if resp.count(b"HTTP/1.1 200") == 2:
                    stats["malformed"] += 1
                else:
                    stats["bad"].append(("pipelined", status_of(resp), resp[:160].decode("latin-1")))
            time.sleep(0.1)

    threads = [threading.Thread(target=slow) for _ in range(8)]
    threads += [threading.Thread(target=oversized) for _ in range(2)]
    threads += [threading.Thread(target=compressed) for _ in range(2)]
    threads += [threading.Thread(target=malformed) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats["bad_count"] = len(stats["bad"])
    stats["bad"] = stats["bad"][:5]
    q.put(("hostile", stats))


def prober(port, deadline, q):
    lat, failed = [], 0
    while time.time() < deadline:
        t0 = time.perf_counter()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/health")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status != 200:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
        lat.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.1)
    lat.sort()
    q.put(("health", {"probes": len(lat), "failed": failed, "max_ms": round(lat[-1], 2) if lat else None,
                      "p99_ms": round(lat[int(len(lat) * 0.99)], 2) if lat else None,
                      "median_ms": round(lat[len(lat) // 2], 2) if lat else None,
                      "over_100ms": sum(1 for x in lat if x >= 100)}))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lightbert", required=True)
    ap.add_argument("--model", default="tests/data/tiny-bert")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--warmup", type=float, default=20)
    ap.add_argument("--good", type=int, default=64)
    ap.add_argument("--max-body-bytes", type=int, default=2 << 20)
    ap.add_argument("server_flags", nargs="*")
    a = ap.parse_args()

    # The direct computation.
    lines = "".join(json.dumps({"text": s}) + "\n" for s in SENTENCES)
    out = subprocess.run([a.lightbert, "embed", "--model", a.model, "--normalize"], input=lines,
                         capture_output=True, text=True, check=True).stdout
    ref = [json.loads(line)["embedding"] for line in out.splitlines() if line.strip()]
    assert len(ref) == len(SENTENCES)

    srv = subprocess.Popen([a.lightbert, "serve", "--model", a.model, "--port", "0",
                            "--max-body-bytes", str(a.max_body_bytes)] + a.server_flags,
                           stderr=subprocess.PIPE, text=True)
    port = None
    for line in srv.stderr:
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        sys.exit("the server did not start")

    start = time.time()
    deadline = start + a.duration
    q = mp.Queue()
    procs = []
    per = max(1, a.good // 4)
    for k in range(4):
        procs.append(mp.Process(target=good_clients, args=(port, ref, per, deadline, q, k)))
    procs.append(mp.Process(target=hostile_clients, args=(port, ref, deadline, q, a.max_body_bytes)))
    procs.append(mp.Process(target=prober, args=(port, deadline, q)))
    for p in procs:
        p.start()
    rss = []
    while time.time() < deadline:
        rss.append((round(time.time() - start, 1), rss_kib(srv.pid)))
        time.sleep(2)
    results = {}
    good = {"ok": 0, "wrong": 0, "failed": 0, "statuses": {}}
    for _ in procs:
        kind, stats = q.get()
        if kind == "good":
            for k in ("ok", "wrong", "failed"):
                good[k] += stats[k]
            for k, v in stats["statuses"].items():
                good["statuses"][k] = good["statuses"].get(k, 0) + v
        else:
            results[kind] = stats
    for p in procs:
        p.join()
    srv.terminate()
    srv.wait(timeout=60)

    after_warmup = next((r for t, r in rss if t >= a.warmup), rss[0][1])
    end_rss = rss[-1][1]
    summary = {
        "duration_s": a.duration, "good_clients": per * 4, "good": good,
        "health": results["health"], "hostile": results["hostile"],
        "rss_kib": {"after_warmup": after_warmup, "max": max(r for _, r in rss), "end": end_rss,
                    "samples": len(rss)},
        "server_exit": srv.returncode,
    }
    growth_ok = end_rss <= after_warmup * 1.2 + 8192
    summary["pass"] = (good["wrong"] == 0 and good["failed"] == 0 and
                       results["health"]["failed"] == 0 and results["health"]["over_100ms"] == 0 and
                       results["hostile"]["bad_count"] == 0 and growth_ok)
    print(json.dumps(summary, indent=1))
    sys.exit(0 if summary["pass"] else 1)


if __name__ == "__main__":
    main()
