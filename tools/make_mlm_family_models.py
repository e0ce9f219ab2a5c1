#!/usr/bin/python3
"""tools/make_mlm_family_models.py: fill-mask fixtures of the non-BERT families and their
PyTorch / Hugging Face Python golden outputs.

Contract: writes, from seeded random weights (same torch + seeds -> same bytes),
tests/data/families/<family>-mlm/ for family in roberta, xlm-roberta, distilbert, albert,
electra: config.json (architectures [<Arch>ForMaskedLM], 1 layer, H 8; ALBERT and ELECTRA
embedding_size 4; RoBERTa and ELECTRA hidden_act gelu_new, which their heads must ignore for
the exact gelu) and model.safetensors with the base model under the family's prefix (no pooler)
and the masked-LM head's top-level tensors as Hugging Face saves them
(family_reference.MLM_HEADS): the decoder tied to the word embeddings (no decoder weight), except
roberta-mlm, which carries an untied lm_head.decoder.weight. The tests join the family's test
tokenizer (tokenizers/roberta-tiny, xlmr-tiny, albert-tiny; tiny-bert's vocab.txt and
tokenizer_config.json for DistilBERT and ELECTRA).
golden.jsonl: per text (one mask, or two) the reference tokenizer's input_ids (Hugging Face's
Python tokenizer, tools/tokenizer_reference.py, for WordPiece and byte-level BPE;
tools/tokenizer_spm_golden.py's port for SentencePiece, which tools/check_hf_goldens.py checks
against transformers' converted fast tokenizer), the mask positions, the float64 logits
at each mask position (7 significant digits; family_reference.mlm_logits on family_reference's
encoder), and per mask the top-5 {token, score (softmax in float64), token_str, sequence} of Hugging Face's fill-mask
pipeline: token_str = tokenizer.decode([id]), sequence = tokenizer.decode(ids with the mask
replaced, skip_special_tokens = one mask only). The strings come from transformers'
decode (tools/decode_reference.py, pinned venv) for WordPiece and byte-level BPE, and for
SentencePiece from the Metaspace decoder as tokenizers writes it (U+2581 -> space, the first
token's leading space dropped), then clean_up_tokenization (transformers 4.40's default
clean_up_tokenization_spaces = true); tools/check_hf_goldens.py checks all of them against
transformers' decode.
usage: /usr/bin/python3 tools/make_mlm_family_models.py
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import family_reference as fref  # noqa: E402
import bertlib  # noqa: E402
import make_extra_head_models as extra  # noqa: E402
from make_family_models import write_folder  # noqa: E402
from make_head_models import SHARED, read_vocab, tokenizer_folder  # noqa: E402

DATA = extra.DATA
TINY = extra.TINY
TOP_K = 5

# family: (model_type, architecture prefix, vocab_size, seed, untied decoder)
FAMILIES = {
    "roberta": ("roberta", "Roberta", 661, 601, True),
    "xlm-roberta": ("xlm-roberta", "XLMRoberta", 1202, 602, False),
    "distilbert": ("distilbert", "DistilBert", 2006, 603, False),
    "albert": ("albert", "Albert", 1200, 604, False),
    "electra": ("electra", "Electra", 2006, 605, False),
}
TEXTS = ["Paris is the {m} of France.",
         "john smith lives in {m}, isn't it?",
         "john {m} in new york {m}."]


def config(family):
    model_type, arch, vocab, _, _ = FAMILIES[family]
    cfg = extra.tokqa_config(family)
    for k in ("id2label", "label2id"):
        cfg.pop(k, None)
    cfg["architectures"] = [arch + "ForMaskedLM"]
    cfg["vocab_size"] = vocab
    if model_type in ("roberta", "electra"):
        cfg["hidden_act"] = "gelu_new"  # the head's gelu is exact regardless
    # H 8 (E 4 for ALBERT / ELECTRA): small files.
    if model_type == "distilbert":
        cfg.update(dim=8, hidden_dim=16)
    else:
        cfg.update(hidden_size=8, intermediate_size=16)
    if model_type in ("albert", "electra"):
        cfg["embedding_size"] = 4
    return cfg


def head_shapes(cfg, untied):
    dense, norm, decoder, bias, _, _ = fref.MLM_HEADS[cfg["model_type"]]
    h = cfg.get("hidden_size", cfg.get("dim"))
    e = cfg.get("embedding_size", h)
    v = cfg["vocab_size"]
    shapes = {dense + ".weight": [e, h], dense + ".bias": [e], norm + ".weight": [e],
              norm + ".bias": [e], bias: [v]}
    if untied:
        shapes[decoder] = [v, e]
    return shapes


def decode_hf(folder, requests):
    import decode_reference  # Hugging Face's Python decode, in the pinned venv
    return decode_reference.run(folder, requests)


def decode_metaspace(tokens_of, specials, requests):
    out = []
    for r in requests:
        toks = [tokens_of(i) for i in r["ids"]
                if not (r["skip_special_tokens"] and i in specials)]
        text = extra.convert_tokens_to_string(toks, "metaspace")
        out.append(clean_up(text))
    return out


def clean_up(text):
    """transformers' clean_up_tokenization."""
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
                 (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"),
                 (" 're", "'re")):
        text = text.replace(a, b)
    return text


def make(tmp, family):
    model_type, _, _, seed, untied = FAMILIES[family]
    d = os.path.join(DATA, "families", family + "-mlm")
    shutil.rmtree(d, ignore_errors=True)
    cfg = config(family)
    write_folder(d, cfg, seed, head_shapes(cfg, untied))
    path = os.path.join(d, "model.safetensors")
    sd = {k: v for k, v in bertlib.load_safetensors(path).items() if ".pooler." not in k}
    bertlib.save_safetensors(path, sd)
    model, _ = fref.load(d)
    mask = "<mask>" if model_type in ("roberta", "xlm-roberta") else "[MASK]"
    texts = [t.replace("{m}", mask) for t in TEXTS]
    tok_family = "electra" if model_type in ("electra", "distilbert") else family
    refs = extra.reference_ids(tok_family, tmp, [{"text": t} for t in texts])

    # The decode reference of this family's tokenizer.
    if model_type in ("electra", "distilbert"):
        vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
        folder = tokenizer_folder(tmp, vocab, os.path.join(SHARED, "vocab", "bert-base-uncased",
                                                           "tokenizer.json"),
                                  os.path.join(TINY, "tokenizer_config.json"))
        mask_id = vocab.index("[MASK]")
        decode = lambda reqs: decode_hf(folder, reqs)  # noqa: E731
    elif model_type == "roberta":
        vocab = json.load(open(os.path.join(extra.ROBERTA_TOK, "vocab.json"), encoding="utf-8"))
        mask_id = vocab["<mask>"]
        decode = lambda reqs: decode_hf(extra.ROBERTA_TOK, reqs)  # noqa: E731
    else:
        import tokenizer_spm_golden as spm_ref
        r = spm_ref.Reference(os.path.basename(extra.TOKQA[family][2]))
        inverse = {v: k for k, v in r.specials.items()}
        mask_id = r.specials[r.mask]

        def tokens_of(i):
            return inverse[i] if i in inverse else r.sp.id_to_piece(i if r.albert else i - 1)

        specials = set(r.specials.values())
        decode = lambda reqs: decode_metaspace(tokens_of, specials, reqs)  # noqa: E731

    recs = []
    for text, ref in zip(texts, refs):
        ids, types = ref[0], ref[1]
        t = torch.tensor([ids])
        tt = torch.tensor([types]) if model_type != "distilbert" else None
        with torch.inference_mode():
            h = model(t, torch.ones_like(t), tt)[0][0]
        pos = [i for i, x in enumerate(ids) if x == mask_id]
        assert pos, (family, text, ids)
        logits = fref.mlm_logits(cfg, sd, h[pos].numpy())
        single = len(pos) == 1
        outputs, requests = [], []
        for m, p in enumerate(pos):
            probs = torch.softmax(torch.from_numpy(logits[m]), 0)
            scores, top = torch.topk(probs, TOP_K)
            preds = []
            for s, k in zip(scores.tolist(), top.tolist()):
                seq = [k if i == p else x for i, x in enumerate(ids)]
                requests.append({"ids": [k], "skip_special_tokens": False})
                requests.append({"ids": seq, "skip_special_tokens": single})
                preds.append({"token": k, "score": float(f"{s:.9g}")})
            outputs.append(preds)
        strings = decode(requests)
        it = iter(strings)
        for preds in outputs:
            for pr in preds:
                pr["token_str"] = next(it)
                pr["sequence"] = next(it)
        recs.append({"text": text, "input_ids": ids, "mask_positions": pos, "top_k": TOP_K,
                     "logits": [[float(f"{x:.7g}") for x in row] for row in logits],
                     "output": outputs})
    with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
        for rec in recs:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{d}: {len(recs)} texts, {sum(len(r['mask_positions']) for r in recs)} masks")


def main():
    tmp = tempfile.mkdtemp()
    for family in FAMILIES:
        make(tmp, family)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
