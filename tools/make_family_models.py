#!/usr/bin/python3
"""tools/make_family_models.py: seeded random RoBERTa / DistilBERT / ELECTRA / ALBERT models in
each family's exact Hugging Face layout, golden outputs from tools/family_reference.py, and a
real-shape parity check of the lightbert CLI.

Contract:
`make_family_models.py tiny OUT_DIR` writes the committed fixtures OUT_DIR/<name>/ (names in
TINY): config.json with the family's real field names, model.safetensors with the published
tensor names (base-model prefix "roberta." / "distilbert." / "electra." / "albert." and a few
task-head tensors the encoder must ignore), and golden/index.json + golden/golden.f32 (raw
little-endian float32): per case the ragged batch (lengths, flat input_ids, token_type_ids or
[]) and the offsets + shapes of last_hidden_state (real tokens, sequences concatenated) and
pooler_output (absent when the family has none). The reference runs the folder as written
(strict load) in float64, right-padded with pad_token_id and masked: what Hugging Face gives.
Same torch + seeds -> same bytes.

`make_family_models.py parity --cli build-fam/lightbert [--models distilbert-base,...]
[--atol 1e-4]` builds real-shape models (see REAL) under /tmp/lightbert-family-parity, runs
`lightbert hidden --model DIR` on token-id lines and prints the max abs diff per model and case;
exit 1 when any exceeds --atol.

Run with /usr/bin/python3 (torch 1.13 + numpy).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import family_reference as ref  # noqa: E402  (also puts bertlib on the path)
import bertlib  # noqa: E402

# Tiny fixtures: (config.json, seed, extra head tensors {name: shape}, cases).
# A case: (name, lengths, with_pairs).
TINY = {
    "roberta": ({"architectures": ["RobertaForMaskedLM"], "model_type": "roberta",
                 "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
                 "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu",
                 "max_position_embeddings": 40, "type_vocab_size": 1, "layer_norm_eps": 1e-05,
                 "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
                 "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1,
                 "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02},
                101, {"lm_head.dense.weight": [32, 32], "lm_head.bias": [100]},
                [("ragged", [1, 2, 7, 38, 20], False)]),
    "distilbert": ({"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert",
                    "vocab_size": 100, "dim": 32, "n_layers": 2, "n_heads": 4, "hidden_dim": 64,
                    "activation": "gelu", "max_position_embeddings": 40,
                    "sinusoidal_pos_embds": False, "pad_token_id": 0, "dropout": 0.1,
                    "attention_dropout": 0.1, "qa_dropout": 0.1, "seq_classif_dropout": 0.2,
                    "initializer_range": 0.02, "tie_weights_": True},
                   102, {"vocab_transform.weight": [32, 32], "vocab_projector.bias": [100]},
                   [("ragged", [1, 2, 7, 40, 20], False)]),
    "distilbert-sinusoidal": ({"architectures": ["DistilBertModel"], "model_type": "distilbert",
                               "vocab_size": 100, "dim": 32, "n_layers": 1, "n_heads": 4,
                               "hidden_dim": 64, "activation": "relu",
                               "max_position_embeddings": 40, "sinusoidal_pos_embds": True,
                               "pad_token_id": 0},
                              103, {}, [("ragged", [3, 40, 11], False)]),
    "electra": ({"architectures": ["ElectraForPreTraining"], "model_type": "electra",
                 "vocab_size": 100, "embedding_size": 16, "hidden_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
                 "hidden_act": "gelu", "max_position_embeddings": 40, "type_vocab_size": 2,
                 "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
                 "summary_type": "first", "summary_use_proj": True},
                104, {"discriminator_predictions.dense.weight": [32, 32],
                      "discriminator_predictions.dense_prediction.bias": [1]},
                [("pairs", [1, 5, 9, 40, 23], True)]),
    "albert": ({"architectures": ["AlbertForMaskedLM"], "model_type": "albert",
                "vocab_size": 100, "embedding_size": 16, "hidden_size": 32,
                "num_hidden_layers": 3, "num_hidden_groups": 2, "inner_group_num": 2,
                "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu_new",
                "max_position_embeddings": 40, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3,
                "position_embedding_type": "absolute", "classifier_dropout_prob": 0.1},
               105, {"predictions.bias": [100], "predictions.dense.weight": [16, 32]},
               [("pairs", [1, 5, 9, 40, 23], True)]),
}

# Sequence-classification fixtures: 1-layer encoders with each family's head tensors (3 labels);
# the golden also holds the logits.
_LABELS = {"id2label": {"0": "neg", "1": "neu", "2": "pos"},
           "label2id": {"neg": 0, "neu": 1, "pos": 2}}


def _cls(name, arch, seed, head):
    cfg = dict(TINY[name][0], architectures=[arch], **_LABELS)
    cfg["num_hidden_layers" if name != "distilbert" else "n_layers"] = 1
    if name == "albert":
        cfg.update(num_hidden_groups=1, inner_group_num=1)
    return (cfg, seed, head, [("ragged", [1, 6, 17, 9], name in ("electra", "albert"))])


CLS_HEADS = {
    "roberta": {"classifier.dense.weight": [32, 32], "classifier.dense.bias": [32],
                "classifier.out_proj.weight": [3, 32], "classifier.out_proj.bias": [3]},
    "electra": {"classifier.dense.weight": [32, 32], "classifier.dense.bias": [32],
                "classifier.out_proj.weight": [3, 32], "classifier.out_proj.bias": [3]},
    "distilbert": {"pre_classifier.weight": [32, 32], "pre_classifier.bias": [32],
                   "classifier.weight": [3, 32], "classifier.bias": [3]},
    "albert": {"classifier.weight": [3, 32], "classifier.bias": [3]},
}
ARCH = {"roberta": "RobertaForSequenceClassification",
        "electra": "ElectraForSequenceClassification",
        "distilbert": "DistilBertForSequenceClassification",
        "albert": "AlbertForSequenceClassification"}
for _i, _name in enumerate(CLS_HEADS):
    TINY[_name + "-cls"] = _cls(_name, ARCH[_name], 110 + _i, CLS_HEADS[_name])

# Real shapes for the parity check (layers cut to keep it to minutes where noted).
REAL = {
    "distilbert-base": ({"architectures": ["DistilBertForMaskedLM"], "model_type": "distilbert",
                         "vocab_size": 30522, "dim": 768, "n_layers": 6, "n_heads": 12,
                         "hidden_dim": 3072, "activation": "gelu", "max_position_embeddings": 512,
                         "sinusoidal_pos_embds": False, "pad_token_id": 0}, 201),
    "roberta-base-3l": ({"architectures": ["RobertaForMaskedLM"], "model_type": "roberta",
                         "vocab_size": 50265, "hidden_size": 768, "num_hidden_layers": 3,
                         "num_attention_heads": 12, "intermediate_size": 3072, "hidden_act": "gelu",
                         "max_position_embeddings": 514, "type_vocab_size": 1,
                         "layer_norm_eps": 1e-05, "pad_token_id": 1}, 202),
    "electra-small": ({"architectures": ["ElectraForPreTraining"], "model_type": "electra",
                       "vocab_size": 30522, "embedding_size": 128, "hidden_size": 256,
                       "num_hidden_layers": 12, "num_attention_heads": 4, "intermediate_size": 1024,
                       "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2,
                       "layer_norm_eps": 1e-12, "pad_token_id": 0}, 203),
    "albert-base-3l": ({"architectures": ["AlbertForMaskedLM"], "model_type": "albert",
                        "vocab_size": 30000, "embedding_size": 128, "hidden_size": 768,
                        "num_hidden_layers": 3, "num_hidden_groups": 1, "inner_group_num": 1,
                        "num_attention_heads": 12, "intermediate_size": 3072,
                        "hidden_act": "gelu_new", "max_position_embeddings": 512,
                        "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}, 204),
}


def init_weights(model, seed):
    """bertlib.init_weights' scheme by module type (the families' names differ): LayerNorm
    gamma ~ N(1, 0.1), beta ~ N(0, 0.05); embedding tables ~ N(0, 0.5); Linear biases ~ N(0, 0.05),
    weights ~ N(0, 1/sqrt(fan_in)), doubled for query/key so attention is far from uniform."""
    g = torch.Generator().manual_seed(seed)

    def normal(t, std, mean=0.0):
        with torch.no_grad():
            t.copy_(torch.randn(t.shape, generator=g) * std + mean)

    for name, mod in model.named_modules():
        if isinstance(mod, nn.LayerNorm):
            normal(mod.weight, 0.1, 1.0)
            normal(mod.bias, 0.05)
        elif isinstance(mod, nn.Embedding):
            if not (name.endswith("position_embeddings") and getattr(model, "sinusoidal", False)):
                normal(mod.weight, 0.5)  # a sinusoidal table keeps its computed values
        elif isinstance(mod, nn.Linear):
            last = name.rsplit(".", 1)[-1]
            boost = 2.0 if last in ("query", "key", "q_lin", "k_lin") else 1.0
            normal(mod.weight, boost / math.sqrt(mod.weight.shape[1]))
            normal(mod.bias, 0.05)
    return model


def write_folder(folder, cfg, seed, extra):
    """config.json + model.safetensors (prefixed names, extra head tensors)."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(seed)
    model = ref.build(cfg)
    model.sinusoidal = cfg.get("sinusoidal_pos_embds", False)
    init_weights(model, seed)
    prefix = ref.PREFIX[cfg["model_type"]]
    tensors = {prefix + k: v.detach().to(torch.float32).numpy()
               for k, v in model.state_dict().items()}
    if model.sinusoidal:  # left out: the reader must compute the table, as HF's init does
        del tensors[prefix + "embeddings.position_embeddings.weight"]
    if cfg["architectures"][0].endswith("ForSequenceClassification") and \
            cfg["model_type"] != "albert":  # these heads read h[CLS], not the pooler
        for k in [k for k in tensors if ".pooler." in k]:
            del tensors[k]
    g = torch.Generator().manual_seed(seed + 1000)
    for name, shape in extra.items():
        std = 1.0 / math.sqrt(shape[1]) if len(shape) == 2 else 0.5
        tensors[name] = (torch.randn(shape, generator=g) * std).numpy()
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    bertlib.save_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def random_batch(rng, cfg, lengths, pairs):
    """<s>/[CLS] words </s>/[SEP]; ids never equal pad_token_id (RoBERTa would give a pad id
    inside a sequence the padding position); pairs put token type 1 on the second segment."""
    full = ref.full_config(cfg)
    pad, vocab = full["pad_token_id"], full["vocab_size"]
    ids, types = [], []
    for n in lengths:
        seq = [int(x) for x in rng.integers(3, vocab, size=n)]
        seq = [x if x != pad else pad + 3 for x in seq]
        tt = [0] * n
        if pairs and n >= 4:
            cut = 1 + int(rng.integers(1, n - 2))
            tt = [0] * (cut + 1) + [1] * (n - cut - 1)
        ids += seq
        types += tt
    return ids, (types if pairs else [])


def tiny(out_dir):
    for name, (cfg, seed, extra, cases) in TINY.items():
        folder = os.path.join(out_dir, name)
        write_folder(folder, cfg, seed, extra)
        model, _ = ref.load(folder)
        rng = np.random.default_rng(seed)
        blob, index = [], []
        offset = 0
        for case_name, lengths, pairs in cases:
            ids, types = random_batch(rng, cfg, lengths, pairs)
            if name == "roberta":
                ids[2] = cfg["vocab_size"] - 1  # the largest id
            rows, pooled = ref.run_padded(model, cfg, lengths, ids, types)
            entry = {"name": case_name, "lengths": lengths, "input_ids": ids,
                     "token_type_ids": types}
            logits = None
            if name.endswith("-cls"):
                first = rows[np.cumsum([0] + lengths[:-1])]
                head = {k: v for k, v in bertlib.load_safetensors(
                    os.path.join(folder, "model.safetensors")).items() if k in extra}
                logits = ref.sequence_classification_logits(cfg, head, first, pooled)
            for key, arr in (("last_hidden_state", rows), ("pooler_output", pooled),
                             ("logits", logits)):
                if arr is None:
                    continue
                a = arr.astype(np.float32)
                entry[key] = {"offset": offset, "shape": list(a.shape)}
                offset += a.size
                blob.append(a.reshape(-1))
            index.append(entry)
        gdir = os.path.join(folder, "golden")
        os.makedirs(gdir, exist_ok=True)
        with open(os.path.join(gdir, "index.json"), "w") as f:
            json.dump({"generator": "tools/make_family_models.py tiny", "torch": torch.__version__,
                       "cases": index}, f, indent=1)
            f.write("\n")
        np.concatenate(blob).astype("<f4").tofile(os.path.join(gdir, "golden.f32"))
        print(f"{folder}: {len(index)} case(s)")


def run_cli(cli, folder, lines, isa=None):
    env = dict(os.environ)
    if isa:
        env["LIGHTBERT_ISA"] = isa
    p = subprocess.run([cli, "hidden", "--model", folder, "--threads", "2"],
                       input="".join(json.dumps(x) + "\n" for x in lines), capture_output=True,
                       text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"lightbert failed ({p.returncode}): {p.stderr.strip()}")
    return [json.loads(x) for x in p.stdout.splitlines()]


def parity(args):
    cache = "/tmp/lightbert-family-parity"
    worst = 0.0
    for name in args.models.split(","):
        cfg, seed = REAL[name]
        folder = os.path.join(cache, name)
        if not os.path.exists(os.path.join(folder, "model.safetensors")):
            write_folder(folder, cfg, seed, {})
        model, _ = ref.load(folder)
        full = ref.full_config(cfg)
        longest = full["max_position_embeddings"] - (
            full["pad_token_id"] + 1 if cfg["model_type"] == "roberta" else 0)
        rng = np.random.default_rng(seed)
        pairs = full.get("type_vocab_size", 1) > 1 and cfg["model_type"] != "distilbert"
        for case, lengths in (("b1_s16", [16]), (f"b1_s{longest}", [longest]),
                              ("ragged5", [1, 2, 77, 128, 300])):
            ids, types = random_batch(rng, cfg, lengths, pairs)
            t0 = time.time()
            rows, pooled = ref.run_padded(model, cfg, lengths, ids, types)
            lines, off = [], 0
            for n in lengths:
                line = {"input_ids": ids[off:off + n]}
                if types:
                    line["token_type_ids"] = types[off:off + n]
                lines.append(line)
                off += n
            got = run_cli(args.cli, folder, lines)
            ours = np.concatenate([np.array(g["last_hidden_state"], dtype=np.float64) for g in got])
            d = float(np.max(np.abs(ours - rows)))
            msg = f"{name:16s} {case:10s} last_hidden_state max abs {d:.3g}"
            if pooled is not None:
                dp = float(np.max(np.abs(np.array([g["pooler_output"] for g in got]) - pooled)))
                msg += f", pooler {dp:.3g}"
                d = max(d, dp)
            print(msg + f"  ({time.time() - t0:.1f}s)", flush=True)
            worst = max(worst, d)
    print(f"worst {worst:.3g} (atol {args.atol})")
    return 0 if worst <= args.atol else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tiny")
    t.add_argument("out_dir")
    p = sub.add_parser("parity")
    p.add_argument("--cli", required=True)
    p.add_argument("--models", default=",".join(REAL))
    p.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args()
    if args.cmd == "tiny":
        tiny(args.out_dir)
        return 0
    return parity(args)


if __name__ == "__main__":
    sys.exit(main())
