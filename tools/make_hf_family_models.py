#!/usr/bin/env python3
"""tools/make_hf_family_models.py: seeded random test models of a family made and run by Hugging
Face transformers' own classes (no lightbert code, no hand-written reference), for the families
added as one row of the family table (src/formats/model_family.cpp).

Contract: for each family in FAMILIES writes tests/data/families/<family>/ (the *Model, with
pooler), <family>-cls/ (*ForSequenceClassification, 3 labels) and <family>-mlm/
(*ForMaskedLM, decoder tied to the word embeddings, the vocabulary of the family's test tokenizer
tests/data/tokenizers/<family>-tiny), each by save_pretrained (config.json and
model.safetensors exactly as transformers writes them), weights from
make_family_models.init_weights (seeded; LayerNorm, embeddings, Linear), and golden/index.json +
golden/golden.f32 in tools/make_family_models.py's format: per case the ragged batch (lengths,
flat input_ids, token_type_ids []) and last_hidden_state (real tokens, sequences concatenated),
pooler_output (the base model), logits ([B, 3], the -cls model) and mlm_logits ([tokens, V] at
every real token, the -mlm model), from the transformers model in float64, right-padded with
pad_token_id and masked; the -mlm folder also gets golden.jsonl as
tools/make_mlm_family_models.py writes it (per text the tokenizer's input_ids, the mask positions,
the logits at each mask and the top-5 of transformers' fill-mask pipeline).
Same torch + transformers + seeds -> same bytes.
usage: ~/.cache/lightbert/venv/bin/python tools/make_hf_family_models.py
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_family_models import init_weights, random_batch  # noqa: E402

DATA = os.path.join(HERE, "..", "tests", "data", "families")
TOKENIZERS = os.path.join(HERE, "..", "tests", "data", "tokenizers")
# tests/unit/fill_mask_families_test.cpp reads 3 texts; the last has two masks.
TEXTS = ["Paris is the {m} of France.", "john smith lives in {m}, isn't it?",
         "john {m} in new york {m}."]
TOP_K = 5
_LABELS = {"id2label": {"0": "neg", "1": "neu", "2": "pos"},
           "label2id": {"neg": 0, "neu": 1, "pos": 2}}


def camembert():
    import transformers as t
    cfg = dict(vocab_size=120, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
               intermediate_size=64, hidden_act="gelu", max_position_embeddings=40,
               type_vocab_size=1, layer_norm_eps=1e-05, pad_token_id=1, bos_token_id=5,
               eos_token_id=6)
    tok = t.CamembertTokenizer.from_pretrained(os.path.join(TOKENIZERS, "camembert-tiny"))
    mlm = dict(cfg, vocab_size=len(tok))  # the test tokenizer's ids, <mask> included
    return {"": (t.CamembertModel, t.CamembertConfig(**cfg), 701),
            "-cls": (t.CamembertForSequenceClassification,
                     t.CamembertConfig(**cfg, num_labels=3, **_LABELS), 702),
            "-mlm": (t.CamembertForMaskedLM, t.CamembertConfig(**mlm), 703, tok)}


FAMILIES = {"camembert": camembert}
LENGTHS = [1, 2, 7, 38, 20]


def run(model, kind, cfg, lengths, ids):
    """Right-padded, masked float64 forward; the outputs at the real tokens."""
    pad = cfg.pad_token_id
    b, s = len(lengths), max(lengths)
    input_ids = torch.full((b, s), pad, dtype=torch.long)
    mask = torch.zeros((b, s), dtype=torch.long)
    at = 0
    for i, n in enumerate(lengths):
        input_ids[i, :n] = torch.tensor(ids[at:at + n])
        mask[i, :n] = 1
        at += n
    keep = mask.bool()
    with torch.no_grad():
        out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
    hidden = out.hidden_states[-1][keep].numpy()
    result = {"last_hidden_state": hidden}
    if kind == "":
        result["pooler_output"] = out.pooler_output.numpy()
    elif kind == "-cls":
        result["logits"] = out.logits.numpy()
    else:
        result["mlm_logits"] = out.logits[keep].numpy()
    return result


def fill_mask_golden(model, tok, folder):
    """golden.jsonl in tools/make_mlm_family_models.py's format, from transformers' fill-mask
    pipeline (scores, tokens, strings) and the float64 model (logits at the masks)."""
    import transformers
    pipe = transformers.pipeline("fill-mask", model=model, tokenizer=tok, framework="pt")
    with open(os.path.join(folder, "golden.jsonl"), "w", encoding="utf-8") as f:
        for text in (x.replace("{m}", tok.mask_token) for x in TEXTS):
            ids = tok(text)["input_ids"]
            pos = [i for i, x in enumerate(ids) if x == tok.mask_token_id]
            with torch.no_grad():
                logits = model(torch.tensor([ids])).logits[0][pos].numpy()
            out = pipe(text, top_k=TOP_K)
            out = [out] if len(pos) == 1 else out
            preds = [[{"token": p["token"], "score": float(f"{p['score']:.9g}"),
                       "token_str": p["token_str"], "sequence": p["sequence"]} for p in m]
                     for m in out]
            f.write(json.dumps({"text": text, "input_ids": ids, "mask_positions": pos,
                                "top_k": TOP_K,
                                "logits": [[float(f"{x:.7g}") for x in row] for row in logits],
                                "output": preds}, ensure_ascii=False) + "\n")


def main():
    import transformers
    transformers.logging.set_verbosity_error()
    for family, make in FAMILIES.items():
        for kind, (cls, config, seed, *tok) in make().items():
            torch.manual_seed(seed)
            model = cls(config)
            init_weights(model, seed)
            model.tie_weights()  # the MLM decoder is the word embeddings again
            model.eval()
            folder = os.path.join(DATA, family + kind)
            model.save_pretrained(folder, safe_serialization=True)
            model = model.double()
            rng = np.random.default_rng(seed)
            ids, _ = random_batch(rng, {"model_type": "roberta", "vocab_size": config.vocab_size,
                                        "pad_token_id": config.pad_token_id}, LENGTHS, False)
            ids[2] = config.vocab_size - 1  # the largest id
            entry = {"name": "ragged", "lengths": LENGTHS, "input_ids": ids, "token_type_ids": []}
            blob, offset = [], 0
            for key, arr in run(model, kind, config, LENGTHS, ids).items():
                a = arr.astype(np.float32)
                entry[key] = {"offset": offset, "shape": list(a.shape)}
                offset += a.size
                blob.append(a.reshape(-1))
            gdir = os.path.join(folder, "golden")
            os.makedirs(gdir, exist_ok=True)
            import transformers
            with open(os.path.join(gdir, "index.json"), "w") as f:
                json.dump({"generator": "tools/make_hf_family_models.py", "torch": torch.__version__,
                           "transformers": transformers.__version__, "model": cls.__name__,
                           "cases": [entry]}, f, indent=1)
                f.write("\n")
            np.concatenate(blob).astype("<f4").tofile(os.path.join(gdir, "golden.f32"))
            if tok:
                fill_mask_golden(model, tok[0], folder)
            print(f"{folder}: {cls.__name__}")


if __name__ == "__main__":
    main()
