#!/usr/bin/python3
"""tools/int8_attention_sim.py: would int8 attention products keep int8's accuracy? (issue 5)

Contract: loads a BERT folder with the oracle's PyTorch port (bertlib, float64) and compares
last_hidden_state rows (mean / min cosine vs the float64 forward) of three numerics on seeded
batches: "int8 linears" = lightbert's int8 rule for every Linear (weights symmetric per output
channel, 8 bits; activations per row u8 with a zero point, ONNX Runtime's DynamicQuantizeLinear;
quant/quantize.h), and "+ int8 attention" = the same plus both attention products in int8:
Q per row u8 x K per row s8 (symmetric) for the scores, softmax in float, P per row u8 (zero
point 0, P in [0, 1]) x V per column s8 for the context. Pure simulation (fake quantisation in
float64), no lightbert code: it decides whether the int8 attention kernel is worth writing.
usage: /usr/bin/python3 tools/int8_attention_sim.py [--model DIR ...]   (default: the oracle's
bert-base-uncased and all-MiniLM-L6-v2)
"""
import argparse
import math
import os
import sys

import torch

ORACLE = os.environ.get("LIGHTBERT_ORACLE_HOME", os.path.expanduser("~/.cache/lightbert-oracle"))
sys.path.insert(0, ORACLE)
import bertlib  # noqa: E402


def q_weight(w):  # [out, in]: symmetric per output channel, 8 bits
    s = w.abs().amax(dim=1, keepdim=True) / 127.0
    s = torch.where(s > 0, s, torch.ones_like(s))
    return torch.round(w / s).clamp(-127, 127) * s


def q_rows_u8(x):  # per row (last dim) u8 with zero point, range including 0
    lo = x.amin(dim=-1, keepdim=True).clamp(max=0.0)
    hi = x.amax(dim=-1, keepdim=True).clamp(min=0.0)
    s = (hi - lo) / 255.0
    s = torch.where(s > 0, s, torch.ones_like(s))
    z = torch.round(-lo / s).clamp(0, 255)
    return (torch.round(x / s + z).clamp(0, 255) - z) * s


def q_sym(x, dim):  # symmetric s8 along `dim` (one scale per slice across the other dims)
    s = x.abs().amax(dim=dim, keepdim=True) / 127.0
    s = torch.where(s > 0, s, torch.ones_like(s))
    return torch.round(x / s).clamp(-127, 127) * s


def int8_linear_forward(self, x):
    return torch.nn.functional.linear(q_rows_u8(x), q_weight(self.weight), self.bias)


def int8_attention_forward(self, x, additive_mask):
    q = self._split(self.query(x))
    k = self._split(self.key(x))
    v = self._split(self.value(x))
    scores = torch.matmul(q_rows_u8(q), q_sym(k, -1).transpose(-1, -2)) / math.sqrt(self.head_dim)
    probs = torch.softmax(scores + additive_mask, dim=-1)
    ctx = torch.matmul(q_rows_u8(probs), q_sym(v, -2))  # V: one scale per column (head dim)
    b, _, s, _ = ctx.shape
    return ctx.permute(0, 2, 1, 3).reshape(b, s, self.num_heads * self.head_dim)


def cosines(a, b, mask):
    a, b = a[mask.bool()], b[mask.bool()]
    c = torch.nn.functional.cosine_similarity(a, b, dim=-1)
    return c.mean().item(), c.min().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", nargs="*", default=[os.path.join(ORACLE, "models", m) for m in
                                                  ("bert-base-uncased", "all-MiniLM-L6-v2")])
    args = p.parse_args()
    lengths = [128, 100, 64, 40, 17, 9]
    for folder in args.model:
        model, _ = bertlib.load_model_folder(folder, torch.float64)
        batch = {k: torch.from_numpy(v) for k, v in bertlib.make_batch(lengths, 128, 7).items()}
        linear = torch.nn.Linear.forward
        attention = bertlib.BertSelfAttention.forward
        with torch.no_grad():
            ref, _ = model(**batch)
            torch.nn.Linear.forward = int8_linear_forward
            lin, _ = model(**batch)
            bertlib.BertSelfAttention.forward = int8_attention_forward
            att, _ = model(**batch)
        torch.nn.Linear.forward = linear
        bertlib.BertSelfAttention.forward = attention
        mask = batch["attention_mask"]
        name = os.path.basename(folder.rstrip("/"))
        for label, out in (("int8 linears", lin), ("int8 linears + int8 attention", att)):
            mean, lo = cosines(out, ref, mask)
            print(f"{name:20s} {label:32s} cosine mean {mean:.5f} min {lo:.5f}")


if __name__ == "__main__":
    main()
