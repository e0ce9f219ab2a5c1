#!/usr/bin/python3
"""tools/make_test_models.py: seeded random BERT models in the exact Hugging Face layout, plus
golden outputs from the independent PyTorch reference (bertlib, float64).

Contract: `make_test_models.py tiny OUT_DIR` writes the committed fixture tests/data/tiny-bert/:
config.json (hidden 32, 2 layers, 4 heads, FFN 64, max positions 128, type vocab 2, gelu),
model.safetensors (bertlib.init_weights: non-trivial biases and LayerNorm parameters), a reduced
vocab.txt (the 5 special tokens + lines 1000..3000 of bert-base-uncased's vocab.txt),
tokenizer_config.json, and golden/ = index.json + golden.f32 (raw little-endian float32): for each
case its ragged batch (lengths, flat input_ids / token_type_ids), hidden_act, and the offsets of
last_hidden_state (real tokens only, sequences concatenated) and pooler_output. Each batch is run
right-padded with an attention mask through bertlib's HF BertModel math in float64, so the golden
is what Hugging Face gives with padding. Same torch + seed -> same bytes.

`make_test_models.py model OUT_DIR --hidden H --layers L --heads A --ffn I --vocab V
 [--max-pos P] [--act gelu] [--seed S]` writes just config.json + model.safetensors.

Run with /usr/bin/python3 (it has torch and numpy); bertlib is found in
/root/.cache/lightbert-oracle or ../shared/oracle.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
for cand in ("/root/.cache/lightbert-oracle", os.path.join(HERE, "..", "..", "shared", "oracle"),
             "/work/shared/oracle"):
    if os.path.exists(os.path.join(cand, "bertlib.py")):
        sys.path.insert(0, cand)
        break
import bertlib  # noqa: E402

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CLS_ID, SEP_ID = 2, 3


def make_config(hidden, layers, heads, ffn, vocab, max_pos=512, act="gelu", type_vocab=2):
    cfg = dict(bertlib.CONFIGS["bert-base-uncased"])
    cfg.update({"architectures": ["BertModel"], "hidden_size": hidden, "num_hidden_layers": layers,
                "num_attention_heads": heads, "intermediate_size": ffn, "vocab_size": vocab,
                "max_position_embeddings": max_pos, "hidden_act": act,
                "type_vocab_size": type_vocab})
    return cfg


def set_activation(model, act):
    """bertlib's intermediate uses exact erf GELU; swap in HF's gelu_new / relu when asked."""
    fn = {"gelu": F.gelu, "gelu_new": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu}[act]
    for layer in model.encoder.layer:
        layer.intermediate.forward = (lambda m: (lambda x: fn(m.dense(x))))(layer.intermediate)
    return model


def build_model(cfg, seed):
    torch.manual_seed(seed)
    model = bertlib.init_weights(bertlib.Bert(cfg), seed).eval()
    return set_activation(model, cfg["hidden_act"])


def write_model(folder, cfg, model):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    tensors = {k: v.detach().to(torch.float32).numpy() for k, v in model.state_dict().items()}
    bertlib.save_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def reference(model, lengths, ids, types):
    """Runs one ragged batch padded + masked (float64); returns real-token rows and pooler."""
    b, s = len(lengths), max(lengths)
    pid = torch.zeros((b, s), dtype=torch.long)
    ptt = torch.zeros((b, s), dtype=torch.long)
    mask = torch.zeros((b, s), dtype=torch.long)
    off = 0
    for i, n in enumerate(lengths):
        pid[i, :n] = torch.tensor(ids[off:off + n])
        ptt[i, :n] = torch.tensor(types[off:off + n])
        mask[i, :n] = 1
        off += n
    m64 = set_activation(bertlib.Bert(model.cfg).double().eval(), model.cfg["hidden_act"])
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    with torch.inference_mode():
        h, pooled = m64(pid, mask, ptt)
    rows = np.concatenate([h[i, :n].numpy() for i, n in enumerate(lengths)], axis=0)
    return rows, pooled.numpy()


def random_batch(rng, vocab, lengths, pair=False):
    """[CLS] words [SEP] (words [SEP]); pair -> token type 1 on the second segment."""
    ids, types = [], []
    for n in lengths:
        seq = [int(x) for x in rng.integers(len(SPECIALS), vocab, size=n)]
        tt = [0] * n
        seq[0] = CLS_ID
        seq[-1] = SEP_ID
        if pair and n >= 4:
            cut = 1 + int(rng.integers(1, n - 2))
            seq[cut] = SEP_ID
            tt = [0] * (cut + 1) + [1] * (n - cut - 1)
        ids += seq
        types += tt
    return ids, types


def tiny(out_dir):
    src_vocab = "/work/shared/vocab/bert-base-uncased/vocab.txt"
    for cand in (os.path.join(HERE, "..", "..", "shared", "vocab", "bert-base-uncased", "vocab.txt"),
                 src_vocab):
        if os.path.exists(cand):
            src_vocab = cand
            break
    with open(src_vocab, encoding="utf-8") as f:
        lines = f.read().split("\n")
    words = lines[999:3000]  # lines 1000..3000 (1-based): punctuation, characters, common words
    vocab = SPECIALS + words
    assert len(set(vocab)) == len(vocab)
    cfg = make_config(32, 2, 4, 64, len(vocab), max_pos=128)
    model = build_model(cfg, seed=20240611)
    write_model(out_dir, cfg, model)
    with open(os.path.join(out_dir, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"do_lower_case": True, "model_max_length": 128, "tokenize_chinese_chars": True,
                   "strip_accents": None, "cls_token": "[CLS]", "sep_token": "[SEP]",
                   "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]",
                   "tokenizer_class": "BertTokenizer"}, f, indent=1)
        f.write("\n")

    rng = np.random.default_rng(7)
    cases = []
    ids, types = random_batch(rng, len(vocab), [1, 2, 7, 64, 128])
    ids[2] = len(vocab) - 1  # the largest id, and [PAD] (id 0) inside a sequence
    ids[5] = 0
    cases.append(("ragged", "gelu", [1, 2, 7, 64, 128], ids, types))
    lengths = [20, 45, 9, 128]
    ids, types = random_batch(rng, len(vocab), lengths, pair=True)
    cases.append(("pairs", "gelu", lengths, ids, types))
    lengths = [3, 17, 128]
    ids, types = random_batch(rng, len(vocab), lengths, pair=True)
    cases.append(("gelu_new", "gelu_new", lengths, ids, types))
    cases.append(("relu", "relu", lengths, ids, types))

    gdir = os.path.join(out_dir, "golden")
    os.makedirs(gdir, exist_ok=True)
    blobs, index, offset = [], [], 0
    for name, act, lengths, ids, types in cases:
        m = model
        if act != cfg["hidden_act"]:
            m = build_model(dict(cfg, hidden_act=act), seed=20240611)
        rows, pooled = reference(m, lengths, ids, types)
        entry = {"name": name, "hidden_act": act, "lengths": lengths, "input_ids": ids,
                 "token_type_ids": types}
        for key, arr in (("last_hidden_state", rows), ("pooler_output", pooled)):
            a = np.ascontiguousarray(arr, dtype="<f4")
            entry[key] = {"offset": offset, "shape": list(a.shape)}
            offset += a.size
            blobs.append(a.tobytes())
        index.append(entry)
    with open(os.path.join(gdir, "golden.f32"), "wb") as f:
        f.write(b"".join(blobs))
    with open(os.path.join(gdir, "index.json"), "w") as f:
        json.dump({"about": "tools/make_test_models.py tiny: bertlib (PyTorch, float64) outputs on "
                            "padded+masked batches, real tokens only; offsets count float32 values "
                            "in golden.f32 (little endian)",
                   "torch": torch.__version__, "cases": index}, f, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tiny")
    t.add_argument("out_dir")
    m = sub.add_parser("model")
    m.add_argument("out_dir")
    for name, default in (("hidden", 768), ("layers", 12), ("heads", 12), ("ffn", 3072),
                          ("vocab", 30522), ("max-pos", 512), ("seed", 1234)):
        m.add_argument("--" + name, type=int, default=default)
    m.add_argument("--act", default="gelu")
    args = ap.parse_args()
    if args.cmd == "tiny":
        tiny(args.out_dir)
    else:
        cfg = make_config(args.hidden, args.layers, args.heads, args.ffn, args.vocab,
                          args.max_pos, args.act)
        write_model(args.out_dir, cfg, build_model(cfg, args.seed))


if __name__ == "__main__":
    main()
