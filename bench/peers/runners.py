"""bench/peers/runners.py: times ONE peer runtime on the benchmark cases, in its own process.

Contract: `runners.py --runtime RT --work DIR --cases cases.json --out OUT.json [--threads 2]
[--runs 10] [--min-runs 3] [--case-budget 12] [--only CASE ...]`. DIR is the model's work folder
written by prepare.py (config.json, model.safetensors, model.onnx, model.fused.onnx,
model.int8.onnx, model.fused.int8.onnx, ct2/). RT is one of RUNTIMES below. ONNX Runtime,
OpenVINO and CTranslate2 run under the peers' venv python, PyTorch under Debian's /usr/bin/python3
(python3-torch 1.13; the oracle's bertlib.py, found through --oracle, is its model). Every runtime
gets the same seeded token ids (the oracle's cases.json); ORT, OpenVINO and PyTorch run the
right-padded batch with its attention mask (as before), CTranslate2 gets each row's real ids as
a ragged list (its own API pads them internally). Writes OUT.json in the oracle's bench format:
{"runtime", "model", "versions", "cases": [{"name", "median_s", "min_s", "max_s", "runs",
"other_cpu_frac", "times_s"}], "sample": last_hidden_state[0, :4, :8] of the first case run};
a runtime that cannot be imported, load the model or run (or one the CPU lacks the ISA for)
writes {"runtime", "model", "error": "<one-line reason>"} instead and exits 3, never a traceback
without the file. 2 threads by default everywhere (intra-op; inter-op 1).
"""
import argparse
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402

RUNTIMES = ["ort-fp32", "ort-fp32-fused", "ort-int8", "ort-int8-fused", "openvino-fp32",
            "openvino-bf16", "openvino-int8", "ct2-fp32", "ct2-int8", "torch-fp32", "torch-int8"]
ONNX_FILES = {"ort-fp32": "model.onnx", "ort-fp32-fused": "model.fused.onnx",
              "ort-int8": "model.int8.onnx", "ort-int8-fused": "model.fused.int8.onnx",
              "openvino-fp32": "model.onnx", "openvino-bf16": "model.onnx",
              "openvino-int8": "model.int8.onnx"}


class Skip(Exception):
    """The runtime cannot run here (reason in the message)."""


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def np_feeds(names_types, case):
    import numpy as np
    feeds = {}
    for name, typ in names_types:
        if name not in ("input_ids", "attention_mask", "token_type_ids"):
            raise Skip(f"the graph wants an input '{name}' this bench does not feed")
        arr = case[name]
        feeds[name] = arr.astype(np.int32) if "int32" in typ else arr
    return feeds


def make_ort(rt, work, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    path = os.path.join(work, ONNX_FILES[rt])
    if not os.path.exists(path):
        raise Skip(f"{ONNX_FILES[rt]} was not prepared (see prepare.json)")
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    inputs = [(i.name, i.type) for i in sess.get_inputs()]

    def runner(case):
        feeds = np_feeds(inputs, case)
        return lambda: sess.run(None, feeds)[0]
    return runner, {"onnxruntime": ort.__version__}


def make_openvino(rt, work, threads):
    import openvino as ov
    flags = cpu_flags()
    if rt == "openvino-bf16" and not flags & {"avx512_bf16", "amx_bf16"}:
        raise Skip("the CPU has no avx512_bf16 / amx_bf16 (OpenVINO would run bf16 as fp32)")
    if rt == "openvino-int8" and not flags & {"avx512_vnni", "avx_vnni", "amx_int8"}:
        raise Skip("the CPU has no avx512_vnni / avx_vnni / amx_int8 (no int8 dot-product unit)")
    core = ov.Core()
    path = os.path.join(work, ONNX_FILES[rt])
    if not os.path.exists(path):
        raise Skip(f"{ONNX_FILES[rt]} was not prepared (see prepare.json)")
    model = core.read_model(path)
    config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1, "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_PRECISION_HINT": "bf16" if rt == "openvino-bf16" else "f32"}
    compiled = core.compile_model(model, "CPU", config)
    req = compiled.create_infer_request()
    inputs = [(i.get_any_name(), str(i.get_element_type())) for i in compiled.inputs]
    got = compiled.get_property("INFERENCE_PRECISION_HINT")

    def runner(case):
        feeds = np_feeds([(n, "int32" if "i32" in t else t) for n, t in inputs], case)

        def fn():
            req.infer(feeds)
            return req.get_output_tensor(0).data
        return fn
    return runner, {"openvino": ov.get_version(), "inference_precision": str(got)}


def cpu_vendor():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("vendor_id"):
                return line.split(":", 1)[1].strip()
    return "?"


def make_ct2(rt, work, threads):
    # GEMM backend: CTranslate2 uses MKL only on Intel CPUs by default, oneDNN elsewhere. On this
    # AMD VM (2026-12-07, loaded machine, MiniLM b1_s128) oneDNN's fp32 sgemm ran ~5x slower than
    # MKL (532 vs 103 ms) while for int8 oneDNN was ~2.5x faster than MKL (88 vs 223 ms): off
    # Intel, fp32 gets MKL and int8 oneDNN unless CT2_USE_MKL is set. Read before the import.
    if "CT2_USE_MKL" not in os.environ and cpu_vendor() != "GenuineIntel":
        os.environ["CT2_USE_MKL"] = "0" if rt == "ct2-int8" else "1"
    import ctranslate2
    path = os.path.join(work, "ct2")
    if not os.path.exists(os.path.join(path, "model.bin")):
        raise Skip("ct2/ was not converted (see prepare.json)")
    compute = "int8" if rt == "ct2-int8" else "float32"
    enc = ctranslate2.Encoder(path, device="cpu", compute_type=compute, intra_threads=threads,
                              inter_threads=1)

    def runner(case):
        ids = [row[:n].tolist() for row, n in zip(case["input_ids"], case["lengths"])]
        types = [row[:n].tolist() for row, n in zip(case["token_type_ids"], case["lengths"])]

        def fn():
            import numpy as np
            out = enc.forward_batch(ids, token_type_ids=types)
            return np.asarray(out.last_hidden_state)
        return fn
    return runner, {"ctranslate2": ctranslate2.__version__, "compute_type": enc.compute_type,
                    "CT2_USE_MKL": os.environ.get("CT2_USE_MKL", "default")}


def make_torch(rt, work, threads, oracle):
    import torch
    sys.path.insert(0, oracle)
    import bertlib
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    model, _ = bertlib.load_model_folder(work)
    info = {"torch": torch.__version__}
    if rt == "torch-int8":
        model = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        info["qengine"] = torch.backends.quantized.engine
    model.eval()

    def runner(case):
        feeds = tuple(torch.from_numpy(case[k]) for k in
                      ("input_ids", "attention_mask", "token_type_ids"))

        def fn():
            with torch.inference_mode():
                return model(*feeds)[0].numpy()
        return fn
    return runner, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runtime", required=True, choices=RUNTIMES)
    ap.add_argument("--work", required=True)
    ap.add_argument("--model-name", default=None)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--oracle", default=os.path.expanduser("~/.cache/lightbert-oracle"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--min-runs", type=int, default=3)
    ap.add_argument("--case-budget", type=float, default=12.0)
    ap.add_argument("--only", action="append")
    a = ap.parse_args()
    rt = a.runtime
    model_name = a.model_name or os.path.basename(os.path.normpath(a.work))
    result = {"runtime": rt, "model": model_name, "threads": a.threads}

    def fail(msg):
        result["error"] = " ".join(str(msg).split())[:400]
        with open(a.out, "w") as f:
            json.dump(result, f, indent=1)
        print(f"  {rt:22s} {model_name:18s} MISSING: {result['error']}", flush=True)
        sys.exit(3)

    try:
        if rt.startswith("ort-"):
            make, args = make_ort, ()
        elif rt.startswith("openvino-"):
            make, args = make_openvino, ()
        elif rt.startswith("ct2-"):
            make, args = make_ct2, ()
        else:
            make, args = make_torch, (a.oracle,)
        runner, versions = make(rt, a.work, a.threads, *args)
    except Skip as e:
        fail(e)
    except Exception as e:  # an import or load failure is a missing column, not a crash
        traceback.print_exc()
        fail(f"{type(e).__name__}: {e}")
    result["versions"] = versions
    result["cases"] = []
    try:
        for c in common.load_cases(a.cases, a.only):
            fn = runner(c)
            warm = 1 if c["batch"] * c["seq_len"] >= 2048 else 3
            if "sample" not in result:
                out = fn()
                result["sample"] = [[float(x) for x in row[:8]] for row in out[0][:4]]
            r = common.time_case(fn, a.runs, a.min_runs, a.case_budget, warm)
            r["name"] = c["name"]
            result["cases"].append(r)
            print(f"  {rt:22s} {model_name:18s} {c['name']:13s} median {r['median_s'] * 1e3:9.2f} ms"
                  f"  (min {r['min_s'] * 1e3:.2f}, max {r['max_s'] * 1e3:.2f}, n={r['runs']})"
                  + (f"  [other processes used {100 * r['other_cpu_frac']:.0f}% CPU]"
                     if r["other_cpu_frac"] > 0.05 else ""), flush=True)
    except Exception as e:
        traceback.print_exc()
        fail(f"{type(e).__name__} while running: {e}")
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
