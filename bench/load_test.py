#!/usr/bin/python3
"""bench/load_test.py: load, soak and malformed-input tests of `lightbert serve` on 127.0.0.1.

Contract: starts `lightbert serve` itself (port 0, read from its stderr), drives it with the
standard library only (http.client + threading), stops it with SIGTERM and checks it exits 0.
Everything is bounded in requests and seconds and stops by itself; only loopback is used.
Texts are a fixed, seeded list of English sentences of 8-40 words; one sentence per request.

  load       64 keep-alive clients: requests/s, sentences/s, p50/p99 latency, errors; the
             same for one client sending one request at a time (target: >= 3x); and `lightbert
             bench --lengths` on the same sentences' token lengths, in batches of 64 (target: the
             server reaches >= 85% of its sentences/s). --rounds rounds alternate the three
             (--seconds per phase in all); medians over the rounds are reported.
  soak       --requests requests in total from --clients clients, sampling the server's RSS
             (/proc/PID/status VmRSS) every 2 s: first, last and max (target: last within 10% of
             first).
  heads      for /embed and each task-head endpoint the model has (GET /info "heads"):
             --clients clients, then 1 client, --seconds each: requests/s, p50/p99, errors
             (one sentence per request; /fill-mask masks its third word, /qa asks about it).
  make-classifier  (no server) writes --out, a BertForSequenceClassification folder: the encoder
             folder --model with seeded random classifier weights (3 labels; stdlib only) and the
             tokenizer files of --vocab, for `heads` when no real task checkpoint is at hand.
  malformed  truncated JSON, wrong types, empty list, invalid UTF-8, over-long input, huge body,
             deep nesting, unknown paths, and slow clients that send part of their headers and
             stall: each must get its 4xx (stalled ones: dropped by the read timeout) while
             normal requests keep being served, and afterwards.

usage: /usr/bin/python3 bench/load_test.py MODE --lightbert build-srv/lightbert --model DIR
       [--seconds 30] [--rounds 3] [--clients 64] [--requests 100000] [--threads N] [--server-arg=--x=y ...]
       /usr/bin/python3 bench/load_test.py make-classifier --model ENCODER_DIR --vocab DIR --out DIR
Prints one JSON object of figures on stdout; exits 1 when a check fails.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

WORDS = (
    "the of and to in is was he for it with as his on be at by had are but from or have an they "
    "which one you were her all she there would their we him been has when who will more no if "
    "out so said what up its about into than them can only other new some could time these two "
    "may then do first any my now such like our over man me even most made after also did many "
    "before must through back years where much your way well down should because each just "
    "those people how too little state good very make world still own see men work long get "
    "here between both life being under never day same another know while last might us great "
    "old year off come since against go came right used take three city house water river "
    "music school market garden window morning question answer language children evening "
    "mountain library engine weather kitchen history science village harbor painting letter"
).split()


def sentences(n=2000, seed=1234):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 40))]
        out.append(" ".join(words).capitalize() + rng.choice([".", ".", "?", "!"]))
    return out


class Server:
    """`lightbert serve` as a child process."""

    def __init__(self, binary, model, extra):
        self.err_path = "/tmp/lightbert_load_test_%d.stderr" % os.getpid()
        self.err = open(self.err_path, "w")
        cmd = [binary, "serve", "--model", model, "--port", "0"] + extra
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None
        deadline = time.time() + 120
        while time.time() < deadline and self.proc.poll() is None:
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", open(self.err_path).read())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)
        raise SystemExit("server did not start: " + open(self.err_path).read())

    def rss_kb(self):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return -1

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = "hung (killed)"
        os.unlink(self.err_path)
        return code


class Connection(http.client.HTTPConnection):
    """Keep-alive connection with TCP_NODELAY, as curl and urllib3 (requests) set it: without it
    http.client's separate header and body writes wait for the server's delayed ACK."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def post(conn, path, body):
    """One request on a keep-alive connection, reconnecting once if the server closed it."""
    for attempt in (0, 1):
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
            return r.status, data
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt == 1:
                raise
    return None, b""


HEAD_BODIES = {  # endpoint -> request body for one sentence
    "/embed": lambda t: {"inputs": t},
    "/predict": lambda t: {"inputs": t},
    "/ner": lambda t: {"inputs": t},
    "/fill-mask": lambda t: {"inputs": " ".join(w if i != 2 else "[MASK]"
                                                for i, w in enumerate(t.split()))},
    "/qa": lambda t: {"question": "what about the %s?" % t.split()[2], "context": t},
}


def drive(port, texts, clients, seconds=None, total=None, on_tick=None, path="/embed"):
    """`clients` threads send one text per request to `path` until `seconds` pass or `total`
    are sent."""
    lock = threading.Lock()
    state = {"sent": 0, "lat": [], "errors": 0, "codes": {}}
    stop_at = time.time() + seconds if seconds else None

    def take():
        with lock:
            if total is not None and state["sent"] >= total:
                return None
            if stop_at is not None and time.time() >= stop_at:
                return None
            state["sent"] += 1
            return state["sent"]

    def client(k):
        conn = Connection("127.0.0.1", port, timeout=60)
        rng = random.Random(k)
        while True:
            n = take()
            if n is None:
                break
            body = json.dumps(HEAD_BODIES[path](rng.choice(texts)))
            t0 = time.perf_counter()
            try:
                status, data = post(conn, path, body)
                ok = status == 200 and (data.startswith(b"[[") or path != "/embed")
            except (OSError, http.client.HTTPException) as e:
                status, ok = type(e).__name__, False
                conn = Connection("127.0.0.1", port, timeout=60)
            dt = time.perf_counter() - t0
            with lock:
                state["lat"].append(dt)
                state["codes"][str(status)] = state["codes"].get(str(status), 0) + 1
                if not ok:
                    state["errors"] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        threads[0].join(timeout=2) if threads[0].is_alive() else time.sleep(0.2)
        if on_tick:
            on_tick()
    for t in threads:
        t.join()
    wall = time.time() - t0
    lat = sorted(state["lat"])
    pct = lambda p: round(1000 * lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None
    return {"clients": clients, "requests": len(lat), "seconds": round(wall, 2),
            "requests_per_s": round(len(lat) / wall, 1), "sentences_per_s": round(len(lat) / wall, 1),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "errors": state["errors"],
            "status_codes": state["codes"]}


def batch_stats(port):
    """Mean sequences and tokens per encoder batch so far, from /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    val = lambda name: float(re.search(r"^%s (\S+)$" % re.escape(name), text, re.M).group(1))
    n = max(val("lightbert_batch_sequences_count"), 1)
    return {"batches": int(n), "mean_sequences": round(val("lightbert_batch_sequences_sum") / n, 1),
            "mean_tokens": round(val("lightbert_batch_tokens_sum") / n)}


def bench_reference(args, texts):
    """`lightbert bench` on the token lengths of the same texts, in batches of 64."""
    tok = subprocess.run([args.lightbert, "tokenize", "--model", args.model],
                         input="".join(json.dumps({"text": t}) + "\n" for t in texts[:64]),
                         capture_output=True, text=True, check=True)
    lengths = [len(json.loads(l)["input_ids"]) for l in tok.stdout.splitlines()]
    cmd = [args.lightbert, "bench", "--model", args.model, "--lengths",
           ",".join(map(str, lengths)), "--runs", "20", "--json"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip()}
    j = json.loads(out.stdout)
    return {"command": " ".join(cmd[:4]) + " --lengths <64 lengths, mean %.1f> --runs 20"
            % (sum(lengths) / len(lengths)), "sentences_per_s": round(j["seqs_per_s"], 1),
            "tokens_per_s": round(j["tokens_per_s"]), "threads": j.get("threads")}


def raw(port, data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    s.sendall(data)
    out = b""
    try:
        while b"\r\n\r\n" not in out or len(out) < 12:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    m = re.match(rb"HTTP/1\.1 (\d+)", out)
    return int(m.group(1)) if m else None


def request_bytes(path, body, content_length=None):
    n = len(body) if content_length is None else content_length
    return (b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n" % (path.encode(), n)) + body


def malformed(port, texts):
    long_text = " ".join(["house"] * 2000).encode()
    cases = [
        ("truncated JSON", "/embed", b'{"inputs": ["a sentence"', 400),
        ("not an object", "/embed", b'["a"]', 400),
        ("inputs is a number", "/embed", b'{"inputs": 5}', 400),
        ("inputs[1] is a number", "/embed", b'{"inputs": ["a", 7]}', 400),
        ("normalize is a string", "/embed", b'{"inputs": "a", "normalize": "yes"}', 400),
        ("empty inputs", "/embed", b'{"inputs": []}', 400),
        ("invalid UTF-8", "/embed", b'{"inputs": "caf\xc3"}', 400),
        ("lone surrogate", "/embed", b'{"inputs": "\\ud800"}', 400),
        ("deep nesting", "/embed", b"[" * 100000 + b"]" * 100000, 400),
        ("input too long", "/embed", b'{"inputs": "' + long_text + b'"}', 413),
        ("huge body (3 MB)", "/embed", b'{"inputs": "' + b"a" * (3 << 20) + b'"}', 413),
        ("openai: input of ids", "/v1/embeddings", b'{"input": [[1, 2]]}', 400),
        ("unknown path", "/nope", b"{}", 404),
        ("missing head", "/predict", b'{"inputs": "a"}', 404),
    ]
    results, failed = [], 0
    # Slow clients: part of the headers, then silence. They must not block the others.
    stalled = []
    for _ in range(8):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /embed HTTP/1.1\r\nHost: x\r\nContent-Le")
        stalled.append(s)
    for name, path, body, want in cases:
        got = raw(port, request_bytes(path, body))
        results.append({"case": name, "want": want, "got": got})
        failed += got != want
    # A body shorter than its Content-Length (the client stalls mid-body).
    got = raw(port, request_bytes("/embed", b'{"inputs": "a"}', content_length=100), timeout=30)
    results.append({"case": "body shorter than Content-Length", "want": "4xx", "got": got})
    failed += not (got and 400 <= got < 500)
    ok_during = sum(raw(port, request_bytes("/embed", json.dumps({"inputs": t}).encode())) == 200
                    for t in texts[:20])
    t0 = time.time()
    dropped = 0
    for s in stalled:
        s.settimeout(30)
        try:
            while s.recv(4096):
                pass
            dropped += 1
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
    ok_after = sum(raw(port, request_bytes("/embed", json.dumps({"inputs": t}).encode())) == 200
                   for t in texts[:20])
    failed += (ok_during != 20) + (ok_after != 20) + (dropped != len(stalled))
    return {"cases": results, "normal_ok_while_slow_clients_stalled": "%d/20" % ok_during,
            "stalled_clients_dropped": "%d/%d (%.1f s after the other checks)"
            % (dropped, len(stalled), time.time() - t0),
            "normal_ok_after": "%d/20" % ok_after, "failed_checks": failed}


def add_head_tensors(model, config, out, shapes, seed, drop_prefix=None, copy_from=None,
                     require=None):
    """Writes folder `out`: `model`'s model.safetensors plus seeded random F32 tensors `shapes`
    ({name: shape}, N(0, 0.5)), without the tensors named drop_prefix* (left in the blob,
    unreferenced), `config` as config.json and the tokenizer files of `copy_from` (default
    `model`). `require`: tensor names of which one must be in `model` (else SystemExit)."""
    import shutil
    import struct
    with open(os.path.join(model, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    header.pop("__metadata__", None)
    if require and not any(name in header for name in require):
        raise SystemExit(model + " has none of " + ", ".join(require))
    if drop_prefix:
        for name in [k for k in header if k.startswith(drop_prefix)]:
            del header[name]
    rng = random.Random(seed)
    blob = bytearray(data)
    for name, shape in shapes.items():
        count = shape[0] * (shape[1] if len(shape) > 1 else 1)
        values = [rng.gauss(0, 0.5) for _ in range(count)]
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(blob), len(blob) + 4 * count]}
        blob += struct.pack("<%df" % count, *values)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(blob))
    json.dump(config, open(os.path.join(out, "config.json"), "w"), indent=1)
    source = copy_from or model
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if os.path.exists(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), os.path.join(out, name))


def make_classifier(model, vocab, out, labels=("negative", "neutral", "positive"), seed=7):
    """Encoder folder + seeded random classifier.{weight,bias} -> a sequence-classification one
    (a pooler is required: a BERT classifier reads pooler_output)."""
    config = json.load(open(os.path.join(model, "config.json")))
    config["architectures"] = ["BertForSequenceClassification"]
    config["id2label"] = {str(i): l for i, l in enumerate(labels)}
    config["label2id"] = {l: i for i, l in enumerate(labels)}
    config["problem_type"] = "single_label_classification"
    h = config["hidden_size"]
    add_head_tensors(model, config, out,
                     {"classifier.weight": [len(labels), h], "classifier.bias": [len(labels)]},
                     seed, copy_from=vocab,
                     require=("pooler.dense.weight", "bert.pooler.dense.weight"))
    return {"out": out, "labels": list(labels), "hidden_size": h}


def heads(port, texts, clients, seconds):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/info")
    info = json.loads(conn.getresponse().read())
    conn.close()
    endpoint = {"sequence-classification": "/predict", "token-classification": "/ner",
                "question-answering": "/qa", "masked-language-model": "/fill-mask"}
    paths = ["/embed"] + [endpoint[h] for h in info["heads"]]
    out = {"heads": info["heads"]}
    for path in paths:
        drive(port, texts, 4, seconds=1, path=path)  # warm-up
        out[path] = {"concurrent": drive(port, texts, clients, seconds=seconds, path=path),
                     "single_client": drive(port, texts, 1, seconds=seconds, path=path)}
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["load", "soak", "malformed", "heads", "make-classifier"])
    p.add_argument("--lightbert")
    p.add_argument("--vocab", help="make-classifier: folder with the tokenizer files")
    p.add_argument("--out", help="make-classifier: the folder to write")
    p.add_argument("--model", required=True)
    p.add_argument("--seconds", type=float, default=30, help="load: per phase, over all rounds")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--requests", type=int, default=100000)
    p.add_argument("--threads", type=int, default=0, help="compute threads (0: all cores)")
    p.add_argument("--server-arg", action="append", default=[])
    args = p.parse_args()
    if args.mode == "make-classifier":
        if not args.vocab or not args.out:
            p.error("make-classifier needs --vocab and --out")
        print(json.dumps(make_classifier(args.model, args.vocab, args.out)))
        return 0
    if not args.lightbert:
        p.error("--lightbert is required")
    texts = sentences()
    extra = args.server_arg + (["--threads", str(args.threads)] if args.threads else [])
    if args.mode == "malformed":
        extra += ["--read-timeout", "2"]
    srv = Server(args.lightbert, args.model, extra)
    report = {"mode": args.mode, "model": args.model, "server_args": extra,
              "loadavg_before": os.getloadavg()}
    ok = True
    try:
        if args.mode == "load":
            # Rounds alternate the three measurements so that a shared machine's changing load
            # hits them alike; the figures are medians over the rounds.
            drive(srv.port, texts, 8, seconds=2)  # warm-up
            rounds = []
            for _ in range(args.rounds):
                single = drive(srv.port, texts, 1, seconds=args.seconds / args.rounds)
                before = batch_stats(srv.port)
                many = drive(srv.port, texts, args.clients, seconds=args.seconds / args.rounds)
                after = batch_stats(srv.port)
                nb = max(after["batches"] - before["batches"], 1)
                many["batches"] = nb
                many["mean_batch_sequences"] = round(many["requests"] / nb, 1)
                ref = bench_reference(args, texts)
                rounds.append({"single_client": single, "concurrent": many, "lightbert_bench": ref,
                               "loadavg": os.getloadavg()})
                ok = ok and many["errors"] == 0 and single["errors"] == 0 and "error" not in ref
            med = lambda xs: sorted(xs)[len(xs) // 2]
            report["rounds"] = rounds
            report["median"] = {
                "single_sentences_per_s": med([r["single_client"]["sentences_per_s"] for r in rounds]),
                "concurrent_sentences_per_s": med([r["concurrent"]["sentences_per_s"] for r in rounds]),
                "concurrent_p50_ms": med([r["concurrent"]["p50_ms"] for r in rounds]),
                "concurrent_p99_ms": med([r["concurrent"]["p99_ms"] for r in rounds]),
                "single_p50_ms": med([r["single_client"]["p50_ms"] for r in rounds]),
                "bench_sentences_per_s": med([r["lightbert_bench"].get("sentences_per_s", 0)
                                              for r in rounds]),
                "speedup_vs_single": med([r["concurrent"]["sentences_per_s"] /
                                          r["single_client"]["sentences_per_s"] for r in rounds]),
                "fraction_of_bench": med([r["concurrent"]["sentences_per_s"] /
                                          max(r["lightbert_bench"].get("sentences_per_s", 0), 1e-9)
                                          for r in rounds]),
            }
        elif args.mode == "soak":
            samples = []
            last = [0.0]

            def tick():
                if time.time() - last[0] >= 2:
                    last[0] = time.time()
                    samples.append(srv.rss_kb())

            tick()
            res = drive(srv.port, texts, args.clients, total=args.requests, on_tick=tick)
            samples.append(srv.rss_kb())
            report["soak"] = res
            report["rss_mb"] = {"before_traffic": round(samples[0] / 1024, 1),
                                "after_first_10s": round(samples[min(5, len(samples) - 1)] / 1024, 1),
                                "last": round(samples[-1] / 1024, 1),
                                "max": round(max(samples) / 1024, 1), "samples": len(samples)}
            ok = res["errors"] == 0
        elif args.mode == "heads":
            report["heads"] = heads(srv.port, texts, args.clients, args.seconds)
            ok = all(v["concurrent"]["errors"] == 0 and v["single_client"]["errors"] == 0
                     for k, v in report["heads"].items() if k.startswith("/"))
        else:
            report["malformed"] = malformed(srv.port, texts)
            ok = report["malformed"]["failed_checks"] == 0
    finally:
        report["loadavg_after"] = os.getloadavg()
        report["server_exit_code"] = srv.stop()
    ok = ok and report["server_exit_code"] == 0
    print(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
