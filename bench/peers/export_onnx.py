"""bench/peers/export_onnx.py: a BERT folder's plain ONNX graph, as the oracle's make_models.py
writes it.

Contract: `/usr/bin/python3 export_onnx.py --oracle DIR MODEL_DIR OUT.onnx` (Debian's python with
python3-torch 1.13 and python3-onnx). MODEL_DIR holds config.json and model.safetensors (HF
BertModel names; `bert.` prefixes and LayerNorm gamma/beta are accepted by the oracle's
bertlib.load_model_folder). Writes torch.onnx.export of bertlib.Bert: opset 17, dynamic
batch / sequence axes, int64 inputs input_ids, attention_mask, token_type_ids, outputs
last_hidden_state [B, S, H] and pooler_output [B, H]; checked with onnx.checker. Exit 1 with
the reason on stderr when the folder cannot be loaded.
"""
import argparse
import os
import sys

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", required=True)
    ap.add_argument("model_dir")
    ap.add_argument("out")
    a = ap.parse_args()
    sys.path.insert(0, a.oracle)
    import bertlib
    import onnx
    model, cfg = bertlib.load_model_folder(a.model_dir)
    ex = bertlib.make_batch([7, 5], 7, seed=1)
    ex["input_ids"] %= cfg["vocab_size"]  # only the shapes matter for the trace
    ex = tuple(torch.from_numpy(ex[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    dyn = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
           "token_type_ids": {0: "batch", 1: "sequence"},
           "last_hidden_state": {0: "batch", 1: "sequence"}, "pooler_output": {0: "batch"}}
    tmp = a.out + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, ex, tmp, input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state", "pooler_output"], dynamic_axes=dyn,
                          opset_version=17, do_constant_folding=True)
    onnx.checker.check_model(tmp)
    os.replace(tmp, a.out)
    print(f"[export] {a.out} ({os.path.getsize(a.out) / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
