#!/usr/bin/python3
"""tools/prune_reference.py: golden data for head pruning, layer keeping and head importance
(tests/unit/prune_test.cpp), from an independent PyTorch (float64) reference.

Contract: `prune_reference.py OUT_DIR` (OUT_DIR = tests/data/prune) writes
- six-layer/: a seeded random 6-layer BERT (hidden 16, 4 heads, FFN 32, vocab 64, 32 positions;
  bertlib.init_weights) as config.json + model.safetensors;
- six-layer-pruned/: the same model after Hugging Face's prune_heads({1: [0, 2], 3: [3]}),
  saved as HF saves it: config.json "pruned_heads" and the smaller attention tensors;
- golden.json: one ragged batch (ids, types, lengths) and, per case, a model folder, a list of
  transforms ({"prune": {layer: [heads]}} in the numbering of the model at that step, or
  {"keep": [layers]}), the expected config (num_hidden_layers, pruned_heads) and the outputs
  (last_hidden_state rows of the real tokens, pooler_output), plus the ablation importance of
  every head of six-layer on the same batch (mean over tokens of 1 - cosine between the final
  hidden states with and without the head, head_mask 0); under "tiny", a batch and two cases
  (prune, keep) of the committed tests/data/tiny-bert, for the CLI tests.
Pruning is done twice: physically, exactly as transformers' BertAttention.prune_heads +
find_pruneable_heads_and_indices + prune_linear_layer slice the tensors, and by multiplying
the attention probabilities with HF's head_mask on the unpruned weights; the two must agree
(1e-10) or the script fails. Layer keeping is the model with only those layers. Forward
passes run right-padded with an attention mask, in float64, with this file's own math.
Run with /usr/bin/python3 (torch 1.13 + numpy); bertlib from /root/.cache/lightbert-oracle.
"""
import copy
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_test_models as mtm  # noqa: E402  (finds bertlib)
import bertlib  # noqa: E402

SEED = 20241127


def weights_of(state, cfg):
    """Float64 weights per layer from a BertModel state dict (HF names, no prefix)."""
    d = {k: torch.as_tensor(np.asarray(v)).double() for k, v in state.items()}
    layers = []
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        layers.append({k[len(p):]: v for k, v in d.items() if k.startswith(p)})
    return {"emb": {k: v for k, v in d.items() if k.startswith("embeddings.")},
            "pooler": {k: v for k, v in d.items() if k.startswith("pooler.")},
            "layers": layers, "pruned": [set() for _ in layers],
            "heads": [cfg["num_attention_heads"]] * len(layers)}


def prune(model, layer, heads, head_size, n_heads_orig):
    """transformers BertAttention.prune_heads on model["layers"][layer]."""
    already = model["pruned"][layer]
    n = model["heads"][layer]
    mask = torch.ones(n, head_size)
    heads = set(heads) - already
    for head in heads:
        head = head - sum(1 if h < head else 0 for h in already)
        mask[head] = 0
    mask = mask.view(-1).contiguous().eq(1)
    index = torch.arange(len(mask))[mask].long()
    w = model["layers"][layer]
    for part in ("query", "key", "value"):
        w[f"attention.self.{part}.weight"] = w[f"attention.self.{part}.weight"].index_select(0, index)
        w[f"attention.self.{part}.bias"] = w[f"attention.self.{part}.bias"].index_select(0, index)
    w["attention.output.dense.weight"] = w["attention.output.dense.weight"].index_select(1, index)
    model["heads"][layer] = n - len(heads)
    model["pruned"][layer] = already | heads
    assert model["heads"][layer] > 0 and len(model["pruned"][layer]) < n_heads_orig


def keep(model, layers):
    m = copy.deepcopy(model)
    m["layers"] = [model["layers"][i] for i in layers]
    m["pruned"] = [model["pruned"][i] for i in layers]
    m["heads"] = [model["heads"][i] for i in layers]
    return m


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def forward(model, cfg, ids, types, mask, head_mask=None):
    """HF BertModel math (float64); head_mask[layer][head] multiplies the attention probs."""
    eps = cfg["layer_norm_eps"]
    e = model["emb"]
    s = ids.shape[1]
    x = (e["embeddings.word_embeddings.weight"][ids] + e["embeddings.token_type_embeddings.weight"][types]
         + e["embeddings.position_embeddings.weight"][torch.arange(s)][None])
    x = layer_norm(x, e["embeddings.LayerNorm.weight"], e["embeddings.LayerNorm.bias"], eps)
    add = (1.0 - mask[:, None, None, :].double()) * torch.finfo(torch.float64).min
    d = cfg["hidden_size"] // cfg["num_attention_heads"]
    for li, w in enumerate(model["layers"]):
        n = model["heads"][li]
        b = x.shape[0]

        def split(t):
            return t.view(b, s, n, d).permute(0, 2, 1, 3)
        q = split(x @ w["attention.self.query.weight"].T + w["attention.self.query.bias"])
        k = split(x @ w["attention.self.key.weight"].T + w["attention.self.key.bias"])
        v = split(x @ w["attention.self.value.weight"].T + w["attention.self.value.bias"])
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + add, dim=-1)
        if head_mask is not None:
            probs = probs * head_mask[li][None, :, None, None]
        ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, s, n * d)
        a = layer_norm(ctx @ w["attention.output.dense.weight"].T + w["attention.output.dense.bias"] + x,
                       w["attention.output.LayerNorm.weight"], w["attention.output.LayerNorm.bias"], eps)
        mid = torch.nn.functional.gelu(a @ w["intermediate.dense.weight"].T + w["intermediate.dense.bias"])
        x = layer_norm(mid @ w["output.dense.weight"].T + w["output.dense.bias"] + a,
                       w["output.LayerNorm.weight"], w["output.LayerNorm.bias"], eps)
    p = model["pooler"]
    pooled = torch.tanh(x[:, 0] @ p["pooler.dense.weight"].T + p["pooler.dense.bias"])
    return x, pooled


def padded(batch):
    lengths = batch["lengths"]
    b, s = len(lengths), max(lengths)
    ids = torch.zeros((b, s), dtype=torch.long)
    types = torch.zeros((b, s), dtype=torch.long)
    mask = torch.zeros((b, s), dtype=torch.long)
    off = 0
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.tensor(batch["input_ids"][off:off + n])
        types[i, :n] = torch.tensor(batch["token_type_ids"][off:off + n])
        mask[i, :n] = 1
        off += n
    return ids, types, mask


def rows_of(h, lengths):
    return np.concatenate([h[i, :n].numpy() for i, n in enumerate(lengths)], axis=0)


def run_case(base, cfg, batch, transforms):
    """Applies transforms physically and via head_mask; checks they agree; returns outputs."""
    heads0 = cfg["num_attention_heads"]
    d = cfg["hidden_size"] // heads0
    m = copy.deepcopy(base)
    origin = list(range(len(m["layers"])))  # original layer of each current layer
    masked_pruned = {i: set(p) for i, p in enumerate(base["pruned"])}  # original numbering
    for t in transforms:
        if "prune" in t:
            for layer, hs in t["prune"].items():
                prune(m, int(layer), hs, d, heads0)
                masked_pruned[origin[int(layer)]] |= set(hs)
        else:
            m = keep(m, t["keep"])
            origin = [origin[i] for i in t["keep"]]
    ids, types, mask = padded(batch)
    h, pooled = forward(m, cfg, ids, types, mask)
    # Independent path: the unpruned weights of the base model with head_mask zeros.
    full = copy.deepcopy(base)
    if any(full["pruned"]):
        raise SystemExit("head_mask check needs an unpruned base")
    full = keep(full, origin)
    hm = [torch.ones(heads0, dtype=torch.float64) for _ in origin]
    for i, o in enumerate(origin):
        for head in masked_pruned[o]:
            hm[i][head] = 0.0
    h2, pooled2 = forward(full, cfg, ids, types, mask, hm)
    diff = max(float((h - h2).abs().max()), float((pooled - pooled2).abs().max()))
    assert diff < 1e-10, f"physical pruning and head_mask disagree by {diff}"
    pruned = {str(i): sorted(p) for i, p in enumerate(m["pruned"]) if p}
    return m, {"num_hidden_layers": len(m["layers"]), "pruned_heads": pruned,
               "last_hidden_state": np.round(rows_of(h, batch["lengths"]), 7).ravel().tolist(),
               "pooler_output": np.round(pooled.numpy(), 7).ravel().tolist()}


def importance(base, cfg, batch):
    ids, types, mask = padded(batch)
    n_layers, heads0 = len(base["layers"]), cfg["num_attention_heads"]
    ref, _ = forward(base, cfg, ids, types, mask)
    ref = torch.as_tensor(rows_of(ref, batch["lengths"]))
    out = []
    for layer in range(n_layers):
        for head in range(heads0):
            hm = [torch.ones(heads0, dtype=torch.float64) for _ in range(n_layers)]
            hm[layer][head] = 0.0
            h, _ = forward(base, cfg, ids, types, mask, hm)
            h = torch.as_tensor(rows_of(h, batch["lengths"]))
            cos = torch.nn.functional.cosine_similarity(ref, h, dim=-1)
            out.append({"layer": layer, "head": head, "importance": float((1.0 - cos).mean())})
    return out


def save_folder(folder, cfg, model):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    tensors = {k: v.numpy().astype(np.float32) for k, v in model["emb"].items()}
    tensors.update({k: v.numpy().astype(np.float32) for k, v in model["pooler"].items()})
    for i, w in enumerate(model["layers"]):
        tensors.update({f"encoder.layer.{i}.{k}": v.numpy().astype(np.float32) for k, v in w.items()})
    bertlib.save_safetensors(os.path.join(folder, "model.safetensors"), tensors)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "tests", "data", "prune")
    cfg = mtm.make_config(16, 6, 4, 32, 64, max_pos=32)
    torch_model = mtm.build_model(cfg, SEED)
    state = {k: v.detach().to(torch.float32).numpy() for k, v in torch_model.state_dict().items()}
    base = weights_of(state, cfg)  # float64 copies of the float32 weights that are saved
    save_folder(os.path.join(out, "six-layer"), cfg, base)

    pruned_base = copy.deepcopy(base)
    for layer, hs in {1: [0, 2], 3: [3]}.items():
        prune(pruned_base, layer, hs, 4, 4)
    pcfg = dict(cfg, pruned_heads={"1": [0, 2], "3": [3]})
    save_folder(os.path.join(out, "six-layer-pruned"), pcfg, pruned_base)

    rng = np.random.default_rng(5)
    lengths = [7, 12, 3, 20]
    ids, types = mtm.random_batch(rng, 64, lengths, pair=True)
    batch = {"lengths": lengths, "input_ids": ids, "token_type_ids": types}
    cases = [
        ("full", "six-layer", []),
        ("prune", "six-layer", [{"prune": {"0": [1, 3], "2": [0], "5": [1, 2, 3]}}]),
        ("prune_twice", "six-layer", [{"prune": {"0": [1]}}, {"prune": {"0": [1, 2]}}]),
        ("keep", "six-layer", [{"keep": [0, 2, 4]}]),
        ("keep_one", "six-layer", [{"keep": [5]}]),
        ("prune_keep", "six-layer", [{"prune": {"2": [0, 1], "4": [3]}}, {"keep": [1, 2, 5]}]),
        ("keep_prune", "six-layer", [{"keep": [1, 3, 5]}, {"prune": {"1": [2]}}]),
        ("pruned_folder", "six-layer-pruned", [{"prune": {"1": [0, 2], "3": [3]}}]),
        ("pruned_folder_more", "six-layer-pruned",
         [{"prune": {"1": [0, 2], "3": [3]}}, {"prune": {"1": [0, 1]}}]),
    ]
    golden = {"about": __doc__.split("\n")[0], "torch": torch.__version__, "batch": batch,
              "cases": [], "importance": importance(base, cfg, batch)}
    for name, folder, transforms in cases:
        _, result = run_case(base, cfg, batch, transforms)
        # For the pruned folder, the first transform reproduces what was saved: the C++ side
        # loads the folder as is and applies only the rest.
        applied = transforms[1:] if folder == "six-layer-pruned" else transforms
        golden["cases"].append(dict(result, name=name, model=folder, transforms=applied))
    # The committed tiny-bert (tests/data/tiny-bert), for the CLI's convert -> hidden tests.
    tiny_dir = os.path.join(out, "..", "tiny-bert")
    with open(os.path.join(tiny_dir, "config.json")) as f:
        tcfg = json.load(f)
    tiny = weights_of(bertlib.load_safetensors(os.path.join(tiny_dir, "model.safetensors")), tcfg)
    ids, types = mtm.random_batch(rng, tcfg["vocab_size"], [6, 11], pair=True)
    tbatch = {"lengths": [6, 11], "input_ids": ids, "token_type_ids": types}
    golden["tiny"] = {"batch": tbatch, "cases": []}
    for name, transforms in (("prune", [{"prune": {"0": [1, 3], "1": [2]}}]),
                             ("keep", [{"keep": [1]}])):
        _, result = run_case(tiny, tcfg, tbatch, transforms)
        golden["tiny"]["cases"].append(dict(result, name=name, transforms=transforms))
    with open(os.path.join(out, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
