#!/usr/bin/env python3
"""tools/test_rolling_restart.py: a rolling restart of `lightbert serve` replicas behind nginx,
under load, loses no request.

Contract: starts N replicas (`lightbert serve --model MODEL`, loopback, free ports) and Debian's
nginx in the foreground (daemon off; its own prefix, config, pid and logs in a temporary folder)
with docs/deploy/nginx.conf (its upstream and listen addresses replaced by the free ports), then
runs CLIENTS threads posting /embed through nginx on keep-alive connections. Every answer must be
200 with the vector a direct request to a replica gave for the same text before the test
(max |diff| <= 1e-5: dynamic batching may put a text in batches of other lengths). Meanwhile it
restarts each replica in turn: SIGTERM, wait for exit status 0, start a new one on the same port,
wait until its GET /ready is 200, then wait the upstream's fail_timeout so that nginx uses it again
before the next one goes down. It prints the counts, the latency percentiles (all requests and
those sent while a replica was restarting), how many requests nginx retried on another replica
(its access log), and exits 0 only when no request failed and every replica exited 0. Exit 77 (a
skip for ctest) when nginx is not installed. Python 3 standard library only.

usage: test_rolling_restart.py --cli build/lightbert --model tests/data/tiny-bert
       [--clients 32] [--replicas 2] [--drain-seconds 1] [--without-non-idempotent] [--json F]
"""
import argparse
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXTS = [
    "the house is small", "a dog runs in the park", "hello world", "what is the capital of France",
    "rolling restarts must not lose requests", "nginx retries on the other replica",
    "the quick brown fox jumps over the lazy dog", "embeddings of short sentences",
]
TOLERANCE = 1e-5


def die_with_parent(sig):
    """preexec_fn: the child gets `sig` when this script dies (even by SIGKILL: a ctest timeout)."""
    def set_pdeathsig():
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG
    return set_pdeathsig


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        c.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def wait_ready(port, timeout_s, proc=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"replica on port {port} exited {proc.returncode} while starting")
        try:
            if request(port, "GET", "/ready", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"port {port} not ready within {timeout_s} s")


class Replica:
    def __init__(self, args, port, tmp, index):
        self.args, self.port, self.tmp, self.index = args, port, tmp, index
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        log = open(os.path.join(self.tmp, f"replica{self.index}.{self.starts}.log"), "w")
        self.proc = subprocess.Popen(
            [self.args.cli, "serve", "--model", self.args.model, "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", "1",
             "--drain-seconds", str(self.args.drain_seconds)],
            stdout=subprocess.DEVNULL, stderr=log, preexec_fn=die_with_parent(signal.SIGKILL))
        log.close()
        wait_ready(self.port, 60, self.proc)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)


def nginx_config(args, tmp, listen_port, replica_ports):
    with open(os.path.join(ROOT, "docs", "deploy", "nginx.conf"), encoding="utf-8") as f:
        site = f.read()
    servers = re.findall(r"server 127\.0\.0\.1:\d+", site)
    if len(servers) < 2:
        raise RuntimeError("docs/deploy/nginx.conf: expected the replicas' server lines")
    lines = site.split("\n")
    first = next(i for i, l in enumerate(lines) if "server 127.0.0.1:" in l)
    template = lines[first]
    lines = [l for l in lines if "server 127.0.0.1:" not in l]
    for k, p in enumerate(replica_ports):
        lines.insert(first + k, re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{p}", template))
    site = "\n".join(lines)
    site, n = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen_port};", site)
    if n != 1:
        raise RuntimeError("docs/deploy/nginx.conf: expected one listen line")
    if args.without_non_idempotent:
        site = site.replace(" non_idempotent;", ";")
    with open(os.path.join(tmp, "lightbert.conf"), "w", encoding="utf-8") as f:
        f.write(site)
    main = f"""daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 1024; }}
http {{
    log_format up '$status $request_time "$upstream_addr" "$upstream_status"';
    access_log {tmp}/access.log up;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/lightbert.conf;
}}
"""
    path = os.path.join(tmp, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(main)
    return path


def max_abs_diff(a, b):
    if len(a) != len(b):
        return float("inf")
    return max(abs(x - y) for x, y in zip(a, b))


class Load:
    """CLIENTS threads posting /embed through nginx on keep-alive connections."""

    def __init__(self, port, clients, reference):
        self.port, self.clients, self.reference = port, clients, reference
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.samples = []  # (start time, latency s, ok)
        self.failures = []  # descriptions of the first failures
        self.worst_diff = 0.0
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(clients)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            if t.ident is not None:
                t.join()

    def run(self, i):
        conn = None
        n = 0
        while not self.stop.is_set():
            text = TEXTS[(i + n) % len(TEXTS)]
            n += 1
            t0 = time.monotonic()
            ok, why, diff = False, "", 0.0
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", "/embed", body=json.dumps({"inputs": text}).encode(),
                             headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                if r.status != 200:
                    why = f"HTTP {r.status}: {body[:200]!r}"
                else:
                    got = json.loads(body)
                    diff = max_abs_diff(got[0], self.reference[text])
                    ok = len(got) == 1 and diff <= TOLERANCE
                    why = "" if ok else f"wrong vector for {text!r} (max |diff| {diff})"
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                why = f"{type(e).__name__}: {e}"
                if conn is not None:
                    conn.close()
                conn = None
            latency = time.monotonic() - t0
            with self.lock:
                self.samples.append((t0, latency, ok))
                if ok:
                    self.worst_diff = max(self.worst_diff, diff)
                elif len(self.failures) < 20:
                    self.failures.append(why)
        if conn is not None:
            conn.close()


def percentile(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q / 100.0 * len(v)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--drain-seconds", type=int, default=1)
    ap.add_argument("--settle-seconds", type=float, default=3.0,
                    help="wait after a replica is ready (> the upstream's fail_timeout, 2 s)")
    ap.add_argument("--without-non-idempotent", action="store_true",
                    help="drop non_idempotent from proxy_next_upstream (to see what it does)")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below
    if not os.path.exists(args.nginx):
        print(f"SKIP: nginx not found ({args.nginx}); apt-get install nginx "
              "(tools/install_deps.sh)")
        return 77
    tmp = tempfile.mkdtemp(prefix="lightbert-rolling-")
    os.chmod(tmp, 0o755)  # nginx's workers may run as another user
    replicas, nginx, load = [], None, None
    try:
        for k in range(args.replicas):
            replicas.append(Replica(args, free_port(), tmp, k))
            replicas[-1].start()
        reference = {}
        for text in TEXTS:
            status, body = request(replicas[0].port, "POST", "/embed", {"inputs": text})
            assert status == 200, (status, body)
            reference[text] = json.loads(body)[0]
        listen = free_port()
        conf = nginx_config(args, tmp, listen, [r.port for r in replicas])
        nginx = subprocess.Popen([args.nginx, "-p", tmp, "-e", os.path.join(tmp, "error.log"),
                                  "-c", conf], stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(tmp, "nginx.stderr"), "w"),
                                 preexec_fn=die_with_parent(signal.SIGTERM))
        wait_ready(listen, 30, nginx)

        load = Load(listen, args.clients, reference)
        t_start = time.monotonic()
        load.start()
        time.sleep(2.0)
        windows, exit_codes = [], []
        for r in replicas:
            t0 = time.monotonic()
            exit_codes.append(r.stop())
            t_down = time.monotonic()
            r.start()
            t1 = time.monotonic()
            windows.append((t0, t1))
            print(f"replica :{r.port}: SIGTERM -> exit {exit_codes[-1]} in {t_down - t0:.2f} s, "
                  f"ready again {t1 - t_down:.2f} s later", flush=True)
            time.sleep(args.settle_seconds)
        time.sleep(1.0)
        load.finish()
        elapsed = time.monotonic() - t_start

        samples = load.samples
        failed = sum(1 for s in samples if not s[2])
        during = [s[1] for s in samples if any(a <= s[0] <= b for a, b in windows)]
        lat = [s[1] for s in samples]
        retried, statuses = 0, {}
        with open(os.path.join(tmp, "access.log"), encoding="utf-8") as f:
            for line in f:
                m = re.match(r'(\d+) \S+ "([^"]*)" "([^"]*)"', line)
                if not m:
                    continue
                if "," in m.group(3):  # more than one upstream tried
                    retried += 1
                    statuses[m.group(3)] = statuses.get(m.group(3), 0) + 1
        figures = {
            "clients": args.clients, "replicas": args.replicas,
            "drain_seconds": args.drain_seconds,
            "non_idempotent": not args.without_non_idempotent,
            "seconds": round(elapsed, 1), "requests": len(samples), "failed": failed,
            "requests_during_restarts": len(during),
            "p50_ms": round(percentile(lat, 50) * 1000, 2),
            "p99_ms": round(percentile(lat, 99) * 1000, 2),
            "max_ms": round(max(lat) * 1000, 2) if lat else None,
            "restart_p50_ms": round(percentile(during, 50) * 1000, 2),
            "restart_p99_ms": round(percentile(during, 99) * 1000, 2),
            "retried_by_nginx": retried, "retried_upstream_statuses": statuses,
            "replica_exit_codes": exit_codes, "worst_abs_diff": load.worst_diff,
        }
        print(json.dumps(figures, indent=1))
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(figures, f, indent=1)
        for why in load.failures:
            print("FAILED:", why)
        ok = failed == 0 and all(c == 0 for c in exit_codes) and len(during) > 0
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if load is not None:
            load.finish()
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful stop
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        for r in replicas:
            if r.proc is not None and r.proc.poll() is None:
                r.proc.kill()
                r.proc.wait()
        if os.environ.get("LIGHTBERT_KEEP_TMP"):
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
