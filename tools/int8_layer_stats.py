#!/usr/bin/env python3
"""tools/int8_layer_stats.py: which Linear layers of a real checkpoint int8 hurts, and why: the
per-layer statistics tools/accuracy_tasks.py prints under its table for a task where int8 keeps
< 99% of the fp32 score (issue 12).

Contract: stats(folder, texts) runs the folder's transformers model (AutoModel, fp32, eval) on
the texts (one batch per 32 texts) with a forward hook on every nn.Linear of the encoder, the
pooler and the head, and returns one dict per Linear: name; act_range_rms (mean over tokens of
(max(0, max x) - min(0, min x)) / rms(x) for the Linear's input row x: the u8 step of lightbert's
per-row activation rule, quant/quantize.h, is that range / 255, so this is the row's quantisation
noise in units of its own RMS, times 255); act_range_rms_max (its max over tokens); top_channel
(the input channel holding the largest |x| most often, and how often: a fixed outlier feature);
w_range_rms (mean over output channels of max|w| / rms(w), the weight side); rel_err (relative
Frobenius error of the layer's output when its input row and its weight are fake-quantised by
lightbert's int8 rule: weights symmetric per output channel, 127 levels; activations u8 per row
with a zero point; float64). Pure simulation with transformers' own model; lightbert is not used.
Usage: python3 tools/int8_layer_stats.py FOLDER TEXTS.txt [--top 8]
"""
import argparse
import sys

import torch


def q_weight(w):
    s = w.abs().amax(dim=1, keepdim=True) / 127.0
    s = torch.where(s > 0, s, torch.ones_like(s))
    return torch.round(w / s).clamp(-127, 127) * s


def q_act(x):
    lo = torch.clamp(x.amin(dim=-1, keepdim=True), max=0.0)
    hi = torch.clamp(x.amax(dim=-1, keepdim=True), min=0.0)
    s = (hi - lo) / 255.0
    s = torch.where(s > 0, s, torch.ones_like(s))
    z = torch.clamp(torch.round(-lo / s), 0, 255)
    return (torch.clamp(torch.round(x / s) + z, 0, 255) - z) * s


def stats(folder, texts, threads=1):
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, \
        AutoModelForQuestionAnswering, AutoModel, AutoConfig, AutoTokenizer
    torch.set_num_threads(threads)
    arch = (AutoConfig.from_pretrained(folder).architectures or [""])[0]
    cls = {"BertForSequenceClassification": AutoModelForSequenceClassification,
           "BertForTokenClassification": AutoModelForTokenClassification,
           "BertForQuestionAnswering": AutoModelForQuestionAnswering}.get(arch, AutoModel)
    model = cls.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    acc = {}

    def hook(name, mod):
        def f(_, inp, out):
            x = inp[0].detach().double()
            mask = f.mask
            x = x.reshape(-1, x.shape[-1]) if mask is None else x[mask.bool()]
            w = mod.weight.detach().double()
            y = x @ w.T
            yq = q_act(x) @ q_weight(w).T
            rms = x.pow(2).mean(-1).sqrt().clamp_min(1e-12)
            rng = (torch.clamp(x.amax(-1), min=0) - torch.clamp(x.amin(-1), max=0)) / rms
            a = acc.setdefault(name, {"n": 0, "rr": 0.0, "rr_max": 0.0, "err2": 0.0, "y2": 0.0,
                                      "top": torch.zeros(x.shape[-1], dtype=torch.long), "w": w})
            a["n"] += x.shape[0]
            a["rr"] += float(rng.sum())
            a["rr_max"] = max(a["rr_max"], float(rng.max()))
            a["err2"] += float((yq - y).pow(2).sum())
            a["y2"] += float(y.pow(2).sum())
            a["top"] += torch.bincount(x.abs().argmax(-1), minlength=x.shape[-1])
        f.mask = None
        return f

    hooks = []  # (name, hook function, handle)
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear):
            h = hook(name, mod)
            hooks.append((name, h, mod.register_forward_hook(h)))
    with torch.no_grad():
        for i in range(0, len(texts), 32):
            enc = tok(texts[i:i + 32], padding=True, truncation=True, max_length=256, return_tensors="pt")
            for name, h, _ in hooks:
                # rows of padding tokens are not counted; the pooler and a sequence head see one
                # row per text ([CLS]), so no token mask there
                one_row = "pooler" in name or (cls is AutoModelForSequenceClassification and name == "classifier")
                h.mask = None if one_row else enc["attention_mask"]
            model(**enc)
    for _, _, r in hooks:
        r.remove()
    out = []
    for name, a in acc.items():
        w = a["w"]
        wr = float((w.abs().amax(1) / w.pow(2).mean(1).sqrt().clamp_min(1e-12)).mean())
        top = int(a["top"].argmax())
        out.append({"name": name, "act_range_rms": a["rr"] / a["n"], "act_range_rms_max": a["rr_max"],
                    "top_channel": top, "top_channel_share": float(a["top"][top]) / a["n"],
                    "w_range_rms": wr, "rel_err": (a["err2"] / max(a["y2"], 1e-300)) ** 0.5})
    return out


def format_rows(rows, top=8):
    rows = sorted(rows, key=lambda r: -r["rel_err"])[:top]
    lines = ["| Linear | int8 output rel. error | input range / rms (mean, max) | top |x| channel (share of tokens) | weight max / rms |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['rel_err']:.4f} | {r['act_range_rms']:.1f}, {r['act_range_rms_max']:.1f} | "
                     f"{r['top_channel']} ({r['top_channel_share'] * 100:.0f}%) | {r['w_range_rms']:.1f} |")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("texts")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    texts = [t for t in open(a.texts, encoding="utf-8").read().split("\n") if t.strip()]
    print("\n".join(format_rows(stats(a.folder, texts, a.threads), a.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
