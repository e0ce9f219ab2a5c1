"""bench/peers/prepare.py: the peers' model files for one BERT folder, in a work folder.

Contract: `<venv>/bin/python prepare.py --model SRC --work DIR --oracle ORACLE [--force]`, run with
the peers' venv python (onnxruntime, onnx, ctranslate2). SRC is a BERT folder with config.json and
model.safetensors (the oracle's random models, or any Hugging Face BERT folder). Writes into DIR,
skipping what is already there unless --force:
  config.json, model.safetensors  links to SRC's (the PyTorch peer loads them)
  model.onnx             SRC/model.onnx linked when SRC has one (the oracle's models), else exported
                         by export_onnx.py under Debian's /usr/bin/python3 (torch 1.13)
  model.fused.onnx       onnxruntime.transformers.optimizer.optimize_model(model_type="bert"):
                         ORT's fused BERT contrib ops (EmbedLayerNormalization, Attention,
                         SkipLayerNormalization, BiasGelu / FastGelu)
  model.int8.onnx, model.fused.int8.onnx
                         onnxruntime.quantization.quantize_dynamic (weights QInt8, per tensor, u8
                         activations: the tool's defaults, what the oracle hand-wrote before)
  ct2/                   CTranslate2 TransformerEncoderModelSpec (BERT: post-LN, GELU, token-type
                         embeddings, tanh pooler), built from the safetensors with numpy, the
                         mapping of ctranslate2's own BertLoader (its transformers converter needs
                         torch + transformers, which this venv does not carry); saved float32,
                         quantised at load by compute_type
  prepare.json           {step: "ok" | "<error>"} and the fused-op counts
A step that fails is recorded in prepare.json and on stderr; the others still run (the runner of
that peer then reports a missing column). Exit status 0 unless SRC itself is unusable.
"""
import argparse
import json
import os
import subprocess
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402


def link(src, dst):
    if os.path.lexists(dst):
        os.remove(dst)
    os.symlink(os.path.abspath(src), dst)


def fresh(path, force):
    return not force and os.path.exists(path)


def export_plain(a, cfg, out):
    src = os.path.join(a.model, "model.onnx")
    if os.path.exists(src):
        link(src, out)
        return "linked"
    r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "export_onnx.py"), "--oracle",
                        a.oracle, a.model, out], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("export_onnx.py failed: " + (r.stderr.strip().splitlines() or ["?"])[-1])
    return "exported"


def fuse(cfg, src, out):
    from onnxruntime.transformers import optimizer
    # opt_level=0: the Python fusions only. Levels >= 1 first run ORT's own graph optimiser
    # through optimize_by_onnxruntime, which in onnxruntime 1.32 imports torch unconditionally
    # (this venv has none); the session applies ORT_ENABLE_ALL at load anyway.
    m = optimizer.optimize_model(src, model_type="bert", num_heads=cfg["num_attention_heads"],
                                 hidden_size=cfg["hidden_size"], opt_level=0)
    m.save_model_to_file(out)
    stats = {k: v for k, v in m.get_fused_operator_statistics().items() if v}
    if not stats.get("Attention") and not stats.get("MultiHeadAttention"):
        raise RuntimeError(f"the optimizer fused no attention ({stats})")
    return stats


def quantize(src, out):
    from onnxruntime.quantization import QuantType, quantize_dynamic
    if not os.path.exists(src):
        raise RuntimeError(f"{os.path.basename(src)} is missing (its step failed)")
    import onnx
    # DefaultTensorType: ONNX shape inference gives no type to the outputs of ORT's contrib ops
    # (Attention, SkipLayerNormalization) in the fused graph; they are all float32
    quantize_dynamic(src, out, weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return "ok"


def convert_ct2(a, cfg, out):
    import ctranslate2
    from ctranslate2.converters import utils
    from ctranslate2.converters.converter import Converter
    from ctranslate2.specs import common_spec, transformer_spec

    if cfg.get("position_embedding_type", "absolute") != "absolute":
        raise RuntimeError("only absolute position embeddings are mapped")
    acts = {"gelu": common_spec.Activation.GELU, "relu": common_spec.Activation.RELU,
            "gelu_new": common_spec.Activation.GELUTanh,
            "gelu_pytorch_tanh": common_spec.Activation.GELUTanh}
    if cfg.get("hidden_act", "gelu") not in acts:
        raise RuntimeError(f"hidden_act {cfg.get('hidden_act')} is not mapped")
    raw = common.read_safetensors(os.path.join(a.model, "model.safetensors"))
    sd = {}
    for k, v in raw.items():
        if k.startswith("bert."):
            k = k[5:]
        k = k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta",
                                                                       "LayerNorm.bias")
        sd[k] = v.astype("float32")

    def lin(spec, prefix):
        spec.weight = sd[prefix + ".weight"]
        spec.bias = sd[prefix + ".bias"]

    def ln(spec, prefix):
        spec.gamma = sd[prefix + ".weight"]
        spec.beta = sd[prefix + ".bias"]

    class NumpyBertConverter(Converter):
        def _load(self):
            enc = transformer_spec.TransformerEncoderSpec(
                cfg["num_hidden_layers"], cfg["num_attention_heads"], pre_norm=False,
                activation=acts[cfg.get("hidden_act", "gelu")], layernorm_embedding=True,
                num_source_embeddings=2, embeddings_merge=common_spec.EmbeddingsMerge.ADD)
            spec = transformer_spec.TransformerEncoderModelSpec(
                enc, pooling_layer=True, pooling_activation=common_spec.Activation.Tanh)
            spec.encoder.scale_embeddings = False
            spec.encoder.embeddings[0].weight = sd["embeddings.word_embeddings.weight"]
            spec.encoder.embeddings[1].weight = sd["embeddings.token_type_embeddings.weight"]
            spec.encoder.position_encodings.encodings = sd["embeddings.position_embeddings.weight"]
            ln(spec.encoder.layernorm_embedding, "embeddings.LayerNorm")
            lin(spec.pooler_dense, "pooler.dense")
            for i, layer in enumerate(spec.encoder.layer):
                p = f"encoder.layer.{i}."
                qkv = [common_spec.LinearSpec() for _ in range(3)]
                for s, n in zip(qkv, ("query", "key", "value")):
                    lin(s, p + "attention.self." + n)
                utils.fuse_linear(layer.self_attention.linear[0], qkv)
                lin(layer.self_attention.linear[1], p + "attention.output.dense")
                ln(layer.self_attention.layer_norm, p + "attention.output.LayerNorm")
                lin(layer.ffn.linear_0, p + "intermediate.dense")
                lin(layer.ffn.linear_1, p + "output.dense")
                ln(layer.ffn.layer_norm, p + "output.LayerNorm")
            spec.config.unk_token = "[UNK]"
            spec.config.layer_norm_epsilon = cfg.get("layer_norm_eps", 1e-12)
            vocab_txt = os.path.join(a.model, "vocab.txt")
            tokens = []
            if os.path.exists(vocab_txt):
                with open(vocab_txt, encoding="utf-8") as f:
                    tokens = [t.rstrip("\n") for t in f]
            tokens = tokens[:cfg["vocab_size"]]
            tokens += [f"<extra_id_{i}>" for i in range(cfg["vocab_size"] - len(tokens))]
            if "[UNK]" not in tokens:
                tokens[100 if len(tokens) > 100 else 0] = "[UNK]"
            spec.register_vocabulary(tokens)
            return spec

    NumpyBertConverter().convert(out, force=True)
    return f"ctranslate2 {ctranslate2.__version__}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--oracle", required=True)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    with open(os.path.join(a.model, "config.json")) as f:
        cfg = json.load(f)
    if not os.path.exists(os.path.join(a.model, "model.safetensors")):
        sys.exit(f"prepare: {a.model} has no model.safetensors")
    os.makedirs(a.work, exist_ok=True)
    w = lambda n: os.path.join(a.work, n)  # noqa: E731
    for n in ("config.json", "model.safetensors"):
        link(os.path.join(a.model, n), w(n))
    status_path = w("prepare.json")
    status = {}
    if os.path.exists(status_path) and not a.force:
        with open(status_path) as f:
            status = json.load(f)
    steps = [
        ("model.onnx", lambda: export_plain(a, cfg, w("model.onnx"))),
        ("model.fused.onnx", lambda: fuse(cfg, w("model.onnx"), w("model.fused.onnx"))),
        ("model.int8.onnx", lambda: quantize(w("model.onnx"), w("model.int8.onnx"))),
        ("model.fused.int8.onnx", lambda: quantize(w("model.fused.onnx"),
                                                   w("model.fused.int8.onnx"))),
        ("ct2", lambda: convert_ct2(a, cfg, w("ct2"))),
    ]
    for name, fn in steps:
        target = w(name if name != "ct2" else "ct2/model.bin")
        if fresh(target, a.force) and not str(status.get(name, "")).startswith("error"):
            print(f"[prepare] {name}: present")
            continue
        try:
            status[name] = fn()
            print(f"[prepare] {name}: {status[name]}", flush=True)
        except Exception as e:  # recorded; the peer that needs it reports the missing column
            traceback.print_exc()
            status[name] = "error: " + " ".join(f"{type(e).__name__}: {e}".split())[:300]
            print(f"[prepare] {name}: {status[name]}", file=sys.stderr, flush=True)
            for leftover in (target, target + ".tmp"):
                if os.path.isfile(leftover):
                    os.remove(leftover)
    with open(status_path, "w") as f:
        json.dump(status, f, indent=1)


if __name__ == "__main__":
    main()
