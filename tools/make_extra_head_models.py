#!/usr/bin/python3
"""tools/make_extra_head_models.py: fixtures and PyTorch golden outputs for the sentence-transformers
Dense module, ELECTRA's discriminator head and RoBERTa's 512-token limit (514 positions).

Contract: writes, from seeded random weights (same torch + seeds -> same bytes):
- tests/data/heads/st-dense/ and st-dense-identity/: the sentence-transformers files only
  (modules.json, 1_Pooling/config.json, 2_Dense/{config.json, model.safetensors},
  sentence_bert_config.json) that the tests join with tests/data/tiny-bert (config.json,
  model.safetensors, vocab.txt, tokenizer_config.json), plus golden.jsonl: per text the
  Hugging Face input_ids and the float64 embedding of sentence-transformers' module chain
  (bertlib BertModel -> Pooling -> Dense: nn.Linear then Tanh / Identity -> F.normalize).
  st-dense: mean pooling, Dense 32 -> 24 with bias and Tanh, Normalize. st-dense-identity: cls
  pooling, Dense 32 -> 16 without bias, Identity, no Normalize.
- tests/data/families/electra-disc/: an ElectraForPreTraining folder (config.json with
  embedding_size 16 != hidden_size 32, model.safetensors with "electra." names and
  discriminator_predictions.{dense,dense_prediction}.*, tiny-bert's vocab.txt and
  tokenizer_config.json) and golden.jsonl: per text Hugging Face's ids and tokens, the
  character offsets (tools/head_reference.align) and the float64 per-token logits of
  modeling_electra.ElectraDiscriminatorPredictions (dense -> act(hidden_act) ->
  dense_prediction) on tools/family_reference.py's ElectraModel, with sigmoid scores.
- tests/data/families/roberta-514/: a 1-layer RoBERTa with max_position_embeddings 514 (its
  tokenizer is tests/data/tokenizers/roberta-tiny, joined by the tests) and golden.json +
  golden.f32: Hugging Face's ids of a text of exactly 512 tokens and the float64
  last_hidden_state of family_reference's RobertaModel (positions up to 513, the last row).
- tests/data/families/distilbert-keep1/golden.json + golden.f32: what `lightbert convert
  --keep-layers 1` of tests/data/families/distilbert must give: the reference DistilBertModel
  with n_layers 1 whose layer 0 is the fixture's layer 1, on the fixture's golden ragged batch.
- tests/data/families/<family>-tokqa/ (roberta, xlm-roberta, electra, distilbert, albert): a
  1-layer encoder in the family's layout whose config lists both *ForTokenClassification and
  *ForQuestionAnswering, with the heads' top-level tensors classifier.{weight [5, H], bias} and
  qa_outputs.{weight [2, H], bias} (no pooler, as Hugging Face saves these heads); the tests join
  the family's test tokenizer (tiny-bert's vocab.txt, tokenizers/roberta-tiny, albert-tiny,
  xlmr-tiny). golden.jsonl: per NER text the reference tokenizer's ids (Hugging Face's Python tokenizer for
  WordPiece and byte-level BPE, tools/tokenizer_spm_golden.py's slow-tokenizer port for
  SentencePiece) and the float64 logits classifier(h); per QA pair (question, context: one
  window) the ids and start / end logits qa_outputs(h), and one long context cut into
  overflow windows (truncation only_second with stride, the pair's own special tokens around
  each piece: 4 for RoBERTa / XLM-R) with each window's ids and logits. NER outputs of Hugging
  Face's pipeline: for RoBERTa / XLM-R / ALBERT its non-WordPiece branch (aggregation none,
  simple, first; ner_pipeline_non_wordpiece below); for the WordPiece families (ELECTRA,
  DistilBERT) tools/head_reference.py's port (simple, first), as tools/make_head_models.py does
  for BERT. QA's best answer of each one-window pair on every family (select_starts_ends, then
  the span widened to whole words: WordPiece words, GPT-2's pre-tokenizer pattern for RoBERTa,
  U+2581-started pieces for SentencePiece).
usage: /usr/bin/python3 tools/make_extra_head_models.py
"""
import json
import os
import re
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import family_reference as fref  # noqa: E402  (puts bertlib on the path)
import bertlib  # noqa: E402
import head_reference as href  # noqa: E402
import tokenizer_reference  # noqa: E402  (Hugging Face's Python tokenizer, in the pinned venv)
from make_family_models import write_folder  # noqa: E402
from make_head_models import SHARED, read_vocab, tokenizer_folder  # noqa: E402
from make_head_models import r9 as r9_any  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data")
TINY = os.path.join(DATA, "tiny-bert")
ROBERTA_TOK = os.path.join(DATA, "tokenizers", "roberta-tiny")

TEXTS = ["A man is eating food.",
         "the weather is nice today, isn't it?",
         "running quickly, the sprinters crossed paris at noon!",
         "x",
         "tokyo 東京 is big"]


def tokenize(folder, texts):
    return tokenizer_reference.run(folder, [{"text": t} for t in texts])


def dump_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")


def r9(x):
    return [float(f"{float(v):.9g}") for v in x]


def st_dense(tmp, tokdir, name, pooling, out_features, bias, act, normalize, seed):
    d = os.path.join(DATA, "heads", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "1_Pooling"))
    os.makedirs(os.path.join(d, "2_Dense"))
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]
    if normalize:
        modules.append({"idx": 3, "name": "3", "path": "3_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    dump_json(os.path.join(d, "modules.json"), modules)
    H = json.load(open(os.path.join(TINY, "config.json")))["hidden_size"]
    dump_json(os.path.join(d, "1_Pooling", "config.json"),
              {"word_embedding_dimension": H, "pooling_mode_cls_token": pooling == "cls",
               "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False})
    act_name = {"tanh": "torch.nn.modules.activation.Tanh",
                "identity": "torch.nn.modules.linear.Identity"}[act]
    dump_json(os.path.join(d, "2_Dense", "config.json"),
              {"in_features": H, "out_features": out_features, "bias": bias,
               "activation_function": act_name})
    dump_json(os.path.join(d, "sentence_bert_config.json"),
              {"max_seq_length": 64, "do_lower_case": False})
    g = torch.Generator().manual_seed(seed)
    w = (torch.randn(out_features, H, generator=g, dtype=torch.float64) * 0.6).float()
    tensors = {"linear.weight": w.numpy()}
    b = None
    if bias:
        b = (torch.randn(out_features, generator=g, dtype=torch.float64) * 0.3).float()
        tensors["linear.bias"] = b.numpy()
    bertlib.save_safetensors(os.path.join(d, "2_Dense", "model.safetensors"), tensors)

    # sentence-transformers' chain in float64: Transformer -> Pooling -> Dense -> Normalize.
    model, _ = bertlib.load_model_folder(TINY, dtype=torch.float64)
    linear = torch.nn.Linear(H, out_features, bias=bias).double()
    with torch.no_grad():
        linear.weight.copy_(w.double())
        if bias:
            linear.bias.copy_(b.double())
    activation = torch.nn.Tanh() if act == "tanh" else torch.nn.Identity()
    recs = []
    for text, t in zip(TEXTS, tokenize(tokdir, TEXTS)):
        ids = torch.tensor([t["input_ids"]])
        with torch.inference_mode():
            h, _ = model(ids, torch.ones_like(ids), torch.tensor([t["token_type_ids"]]))
            v = h[0].mean(0) if pooling == "mean" else h[0, 0]
            v = activation(linear(v[None]))
            if normalize:
                v = F.normalize(v, p=2, dim=1)
        recs.append({"text": text, "input_ids": t["input_ids"], "embedding": r9(v[0].tolist())})
    with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{d}: {len(recs)} embeddings of {out_features}")


def electra_disc(tokdir):
    d = os.path.join(DATA, "families", "electra-disc")
    shutil.rmtree(d, ignore_errors=True)
    vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
    cfg = {"architectures": ["ElectraForPreTraining"], "model_type": "electra",
           "vocab_size": len(vocab), "embedding_size": 16, "hidden_size": 32,
           "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64,
           "hidden_act": "gelu", "max_position_embeddings": 64, "type_vocab_size": 2,
           "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute"}
    H = cfg["hidden_size"]
    write_folder(d, cfg, 301, {"discriminator_predictions.dense.weight": [H, H],
                               "discriminator_predictions.dense.bias": [H],
                               "discriminator_predictions.dense_prediction.weight": [1, H],
                               "discriminator_predictions.dense_prediction.bias": [1]})
    shutil.copy(os.path.join(TINY, "vocab.txt"), d)
    shutil.copy(os.path.join(TINY, "tokenizer_config.json"), d)
    model, _ = fref.load(d)
    head = {k: torch.from_numpy(v).double() for k, v in
            bertlib.load_safetensors(os.path.join(d, "model.safetensors")).items()
            if k.startswith("discriminator_predictions.")}
    act = fref.act_fn(cfg["hidden_act"])
    recs = []
    for text, t in zip(TEXTS, tokenize(tokdir, TEXTS)):
        ids = torch.tensor([t["input_ids"]])
        with torch.inference_mode():
            h, _ = model(ids, torch.ones_like(ids), torch.tensor([t["token_type_ids"]]))
            # modeling_electra.ElectraDiscriminatorPredictions.forward
            x = act(h[0] @ head["discriminator_predictions.dense.weight"].T +
                    head["discriminator_predictions.dense.bias"])
            logits = (x @ head["discriminator_predictions.dense_prediction.weight"].T +
                      head["discriminator_predictions.dense_prediction.bias"]).squeeze(-1)
        toks = t["tokens"]
        offs, _ = href.align(text, toks[1:-1], True)
        recs.append({"text": text, "input_ids": t["input_ids"], "tokens": toks,
                     "offsets": [[0, 0]] + [list(o) for o in offs] + [[0, 0]],
                     "logits": r9(logits.tolist()),
                     "scores": r9(torch.sigmoid(logits).tolist())})
    with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{d}: {len(recs)} texts")


def roberta_514(tmp):
    d = os.path.join(DATA, "families", "roberta-514")
    shutil.rmtree(d, ignore_errors=True)
    vocab = json.load(open(os.path.join(ROBERTA_TOK, "vocab.json"), encoding="utf-8"))
    cfg = {"architectures": ["RobertaModel"], "model_type": "roberta",
           "vocab_size": max(vocab.values()) + 1, "hidden_size": 16, "num_hidden_layers": 1,
           "num_attention_heads": 2, "intermediate_size": 32, "hidden_act": "gelu",
           "max_position_embeddings": 514, "type_vocab_size": 1, "layer_norm_eps": 1e-05,
           "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
           "position_embedding_type": "absolute"}
    write_folder(d, cfg, 302, {})
    model, _ = fref.load(d)
    both = tempfile.mkdtemp(dir=tmp)
    for f in os.listdir(ROBERTA_TOK):
        shutil.copy(os.path.join(ROBERTA_TOK, f), both)
    # "the" then words of one token each (" the" -> "Ġthe"), with <s> and </s> 512 tokens.
    def ref_tokens(text):
        return tokenizer_reference.run(both, [{"text": text}])[0]

    first = len(ref_tokens("the")["input_ids"])
    text = "the" + " the" * (512 - first)
    t = ref_tokens(text)
    assert len(t["input_ids"]) == 512, len(t["input_ids"])
    rows, _ = fref.run_padded(model, cfg, [512], t["input_ids"], [])
    rows.astype("<f4").tofile(os.path.join(d, "golden.f32"))
    dump_json(os.path.join(d, "golden.json"),
              {"generator": "tools/make_extra_head_models.py", "text": text,
               "input_ids": t["input_ids"], "last_hidden_state_shape": list(rows.shape)})
    print(f"{d}: 512-token golden")


def distilbert_keep1(tmp):
    src = os.path.join(DATA, "families", "distilbert")
    d = os.path.join(DATA, "families", "distilbert-keep1")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["n_layers"] = 1
    sd = bertlib.load_safetensors(os.path.join(src, "model.safetensors"))
    kept = {}
    for k, v in sd.items():
        if ".transformer.layer.0." in k:
            continue
        kept[k.replace(".transformer.layer.1.", ".transformer.layer.0.")] = v
    one = tempfile.mkdtemp(dir=tmp)
    dump_json(os.path.join(one, "config.json"), cfg)
    bertlib.save_safetensors(os.path.join(one, "model.safetensors"), kept)
    model, _ = fref.load(one)
    case = json.load(open(os.path.join(src, "golden", "index.json")))["cases"][0]
    rows, _ = fref.run_padded(model, cfg, case["lengths"], case["input_ids"], [])
    rows.astype("<f4").tofile(os.path.join(d, "golden.f32"))
    dump_json(os.path.join(d, "golden.json"),
              {"generator": "tools/make_extra_head_models.py", "keep_layers": [1],
               "lengths": case["lengths"], "input_ids": case["input_ids"],
               "last_hidden_state_shape": list(rows.shape)})
    print(f"{d}: keep-layers 1 golden")


TOKQA = {
    # family: (model_type, architecture prefix, tokenizer folder, vocab_size, seed)
    "roberta": ("roberta", "Roberta", ROBERTA_TOK, 661, 501),
    "xlm-roberta": ("xlm-roberta", "XLMRoberta", os.path.join(DATA, "tokenizers", "xlmr-tiny"),
                    1202, 502),
    "electra": ("electra", "Electra", TINY, 2006, 503),
    "distilbert": ("distilbert", "DistilBert", TINY, 2006, 504),
    "albert": ("albert", "Albert", os.path.join(DATA, "tokenizers", "albert-tiny"), 1200, 505),
}
NER_TEXTS = ["John Smith lives in new york city.", "the sprinters crossed paris at noon!", "x"]
QA_PAIRS = [("Where does John live?", "John Smith lives in new york city and works there."),
            ("what did they cross?", "the sprinters crossed paris at noon!")]
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
# A context longer than max_seq_len: several overflow windows (QA options of the case).
QA_LONG = ("where do the sprinters run?",
           "the sprinters crossed paris at noon and then they ran along the river to the old "
           "city where john smith lives with his family in a small house near the station.",
           {"max_seq_len": 40, "doc_stride": 5})


def bytes_to_unicode():
    """GPT-2's byte <-> printable character table (tokenizers' ByteLevel)."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


CHAR_BYTES = bytes_to_unicode()


def convert_tokens_to_string(tokens, decoder):
    """PreTrainedTokenizerFast.convert_tokens_to_string = backend decoder.decode(tokens):
    ByteLevel maps each token's characters back to bytes (a token with a character outside the
    table is kept as its UTF-8 bytes); Metaspace replaces U+2581 by a space and drops the first
    token's leading space (prepend_scheme always / add_prefix_space)."""
    if decoder == "byte_level":
        out = b""
        for t in tokens:
            out += (bytes(CHAR_BYTES[c] for c in t) if all(c in CHAR_BYTES for c in t)
                    else t.encode("utf-8"))
        return out.decode("utf-8", errors="replace")
    parts = []
    for i, t in enumerate(tokens):
        t = t.replace("\u2581", " ")
        if i == 0 and t.startswith(" "):
            t = t[1:]
        parts.append(t)
    return "".join(parts)


def ner_pipeline_non_wordpiece(sentence, tokens, input_ids, logits, offsets, unk_id, strategy,
                               decoder):
    """TokenClassificationPipeline for a tokenizer without continuing_subword_prefix (RoBERTa's
    BPE, SentencePiece): word = the raw token (its text slice for the unknown token),
    is_subword = start > 0 and no space in sentence[start - 1:start + 1], words and groups
    decoded with convert_tokens_to_string; the rest as tools/head_reference.py."""
    scores = href.softmax_rows(logits)
    pre = []
    for idx, token_scores in enumerate(scores):
        if idx == 0 or idx == len(tokens) - 1:  # the template's special tokens
            continue
        word = tokens[idx]
        start, end = offsets[idx]
        is_subword = start > 0 and " " not in sentence[start - 1:start + 1]
        if int(input_ids[idx]) == unk_id:
            word = sentence[start:end]
            is_subword = False
        pre.append({"word": word, "scores": token_scores, "start": start, "end": end,
                    "index": idx, "is_subword": is_subword})
    saved = href.convert_tokens_to_string
    href.convert_tokens_to_string = lambda toks: convert_tokens_to_string(toks, decoder)
    try:
        if strategy in ("none", "simple"):
            entities = []
            for p in pre:
                i = p["scores"].argmax()
                entities.append({"entity": LABELS[i], "score": p["scores"][i], "index": p["index"],
                                 "word": p["word"], "start": p["start"], "end": p["end"]})
        else:
            entities = href.aggregate_words(pre, strategy, LABELS)
        if strategy != "none":
            entities = href.group_entities(entities)
    finally:
        href.convert_tokens_to_string = saved
    return [e for e in entities if e.get("entity") != "O" and e.get("entity_group") != "O"]


def tokqa_config(family):
    model_type, arch, _, vocab, _ = TOKQA[family]
    archs = [arch + "ForTokenClassification", arch + "ForQuestionAnswering"]
    labels = {"id2label": {str(i): l for i, l in enumerate(LABELS)},
              "label2id": {l: i for i, l in enumerate(LABELS)}}
    if model_type == "distilbert":
        return dict(architectures=archs, model_type=model_type, vocab_size=vocab, dim=16,
                    n_layers=1, n_heads=2, hidden_dim=32, activation="gelu",
                    max_position_embeddings=64, sinusoidal_pos_embds=False, pad_token_id=0,
                    **labels)
    cfg = dict(architectures=archs, model_type=model_type, vocab_size=vocab, hidden_size=16,
               num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
               hidden_act="gelu", max_position_embeddings=66, type_vocab_size=2,
               layer_norm_eps=1e-12, pad_token_id=0, position_embedding_type="absolute", **labels)
    if model_type in ("roberta", "xlm-roberta"):
        cfg.update(type_vocab_size=1, layer_norm_eps=1e-05, pad_token_id=1, bos_token_id=0,
                   eos_token_id=2)
    if model_type == "electra":
        cfg.update(embedding_size=8)
    if model_type == "albert":
        cfg.update(embedding_size=8, num_hidden_groups=1, inner_group_num=1,
                   hidden_act="gelu_new", pad_token_id=0, bos_token_id=2, eos_token_id=3)
    return cfg


def reference_ids(family, tmp, records):
    """The family tokenizer's ids (and type ids) for {"text"(, "text_pair")} records."""
    model_type, _, tok, _, _ = TOKQA[family]
    if model_type in ("electra", "distilbert"):
        vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
        folder = tokenizer_folder(tmp, vocab, os.path.join(SHARED, "vocab", "bert-base-uncased",
                                                           "tokenizer.json"),
                                  os.path.join(TINY, "tokenizer_config.json"))
        return [(x["input_ids"], x["token_type_ids"], x["tokens"]) for x in
                tokenizer_reference.run(folder, records)]
    if model_type == "roberta":
        rows = tokenizer_reference.run(tok, records)
        return [(r["input_ids"], r["token_type_ids"], r["tokens"]) for r in rows]
    import tokenizer_spm_golden as spm_ref
    r = spm_ref.Reference(os.path.basename(tok))
    inverse = {v: k for k, v in r.specials.items()}
    out = []
    for x in records:
        e = r.encode(x)[0]
        toks = [inverse[i] if i in inverse else
                r.sp.id_to_piece(i if r.albert else i - 1) for i in e["input_ids"]]
        out.append((e["input_ids"], e["token_type_ids"], toks, e["offsets"]))
    return out


def tokqa(tmp, family):
    model_type, _, _, _, seed = TOKQA[family]
    d = os.path.join(DATA, "families", family + "-tokqa")
    shutil.rmtree(d, ignore_errors=True)
    cfg = tokqa_config(family)
    H = cfg.get("hidden_size", cfg.get("dim"))
    write_folder(d, cfg, seed, {"classifier.weight": [len(LABELS), H],
                                "classifier.bias": [len(LABELS)],
                                "qa_outputs.weight": [2, H], "qa_outputs.bias": [2]})
    path = os.path.join(d, "model.safetensors")
    sd = {k: v for k, v in bertlib.load_safetensors(path).items() if ".pooler." not in k}
    bertlib.save_safetensors(path, sd)
    model, _ = fref.load(d)
    head = {k: torch.from_numpy(v).double() for k, v in sd.items()
            if k.startswith(("classifier.", "qa_outputs."))}
    recs = []

    def hidden(ids, types):
        t = torch.tensor([ids])
        tt = torch.tensor([types]) if model_type != "distilbert" else None
        with torch.inference_mode():
            return model(t, torch.ones_like(t), tt)[0][0]

    vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
    ner = reference_ids(family, tmp, [{"text": t} for t in NER_TEXTS])
    for text, (ids, types, toks, *spm_offs) in zip(NER_TEXTS, ner):
        h = hidden(ids, types)
        logits = h @ head["classifier.weight"].T + head["classifier.bias"]
        rec = {"kind": "ner", "text": text, "input_ids": ids,
               "logits": [r9(row) for row in logits.tolist()]}
        if model_type in ("electra", "distilbert"):  # Hugging Face's pipeline, WordPiece
            offs, _ = href.align(text, toks[1:-1], True)
            offs = [(0, 0)] + offs + [(0, 0)]
            rec["output"] = {strat: r9_any(href.ner_pipeline(
                text, toks, ids, logits.numpy(), offs, [t in ("[CLS]", "[SEP]") for t in toks],
                vocab.index("[UNK]"), LABELS, strat)) for strat in ("simple", "first")}
        else:  # byte-level BPE / SentencePiece: the pipeline's non-WordPiece branch
            if model_type == "roberta":
                import tokenizer_bpe_golden as bpe_ref
                offs = [(0, 0)] + [tuple(o) for o in bpe_ref.sequence_offsets(
                    text, toks[1:-1], {})] + [(0, 0)]
                unk = 3
            else:
                flat = spm_offs[0]
                offs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
                unk = 1 if model_type == "albert" else 3
            decoder = "byte_level" if model_type == "roberta" else "metaspace"
            rec["output"] = {strat: r9_any(ner_pipeline_non_wordpiece(
                text, toks, ids, logits.numpy(), offs, unk, strat, decoder))
                for strat in ("none", "simple", "first")}
        recs.append(rec)
    qa = reference_ids(family, tmp, [{"text": q, "text_pair": c} for q, c in QA_PAIRS])
    for (q, c), (ids, types, toks, *spm_offs) in zip(QA_PAIRS, qa):
        h = hidden(ids, types)
        se = h @ head["qa_outputs.weight"].T + head["qa_outputs.bias"]
        rec = {"kind": "qa", "question": q, "context": c, "input_ids": ids,
               "start_logits": r9(se[:, 0].tolist()), "end_logits": r9(se[:, 1].tolist())}
        # The QA pipeline's best answer: the span widened to whole words (word_to_chars).
        n = len(ids)
        if model_type in ("electra", "distilbert"):
            sep = toks.index("[SEP]")
            c_lo = sep + 1
            c_offs, c_words = href.align(c, toks[c_lo:-1], True)
        else:
            nq = len(reference_ids(family, tmp, [{"text": q}])[0][0]) - 2
            c_lo = 1 + nq + (2 if model_type in ("roberta", "xlm-roberta") else 1)
            ctx = toks[c_lo:-1]
            if model_type == "roberta":
                import tokenizer_bpe_golden as bpe_ref
                c_offs = [tuple(o) for o in bpe_ref.sequence_offsets(c, ctx, {})]
                # ByteLevel pre-tokenizer words (GPT-2's pattern; ASCII contexts here).
                spans = [m.span() for m in re.finditer(
                    r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+",
                    c)]
                c_words = [next(k for k, (a, b) in enumerate(spans) if a <= o[0] < b)
                           for o in c_offs]
            else:
                flat = spm_offs[0]
                pairs = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
                c_offs = pairs[c_lo:-1]
                c_words, w = [], -1
                for k, t in enumerate(ctx):  # Metaspace words start at a U+2581 piece
                    if k == 0 or t.startswith("\u2581"):
                        w += 1
                    c_words.append(w)
        # sequence ids: None for the template's tokens, 0 question, 1 context.
        seq = [None if i == 0 or i == n - 1 or (i < c_lo and toks[i] in ("[SEP]", "</s>"))
               else (0 if i < c_lo else 1) for i in range(n)]
        offs = [(0, 0)] * c_lo + c_offs + [(0, 0)]
        words = [None] * c_lo + c_words + [None]
        start, end = se[:, 0].numpy(), se[:, 1].numpy()
        p_mask = np.array([[x != 1 for x in seq]]).astype(int)
        p_mask[0][0] = 0
        starts, ends, scores = href.select_starts_ends(start[None], end[None], p_mask,
                                                       np.ones((1, n), dtype=int), 1, 15)
        st, en = starts[0], ends[0]
        si = min(offs[i][0] for i in range(n) if seq[i] == 1 and words[i] == words[st])
        ei = max(offs[i][1] for i in range(n) if seq[i] == 1 and words[i] == words[en])
        rec["output"] = r9_any({"score": float(scores[0]), "start": si, "end": ei,
                                "answer": c[si:ei]})
        recs.append(rec)
    # Overflow windows: the reference pair encoding's specials kept around each context piece.
    q, c, opts = QA_LONG
    qi = reference_ids(family, tmp, [{"text": q}])[0][0]
    ids, types = reference_ids(family, tmp, [{"text": q, "text_pair": c}])[0][:2]
    nq = len(qi) - 2
    nmid = 2 if model_type in ("roberta", "xlm-roberta") else 1
    c_lo, c_hi = 1 + nq + nmid, len(ids) - 1
    specials = 2 + nmid
    piece = opts["max_seq_len"] - nq - specials
    stride = opts["doc_stride"]
    nc = c_hi - c_lo
    ranges, start = [], 0
    while True:
        stop = min(start + piece, nc)
        ranges.append((start, stop))
        if stop == nc:
            break
        start += piece - stride
    windows = []
    for a, z in ranges:
        keep = list(range(0, c_lo)) + list(range(c_lo + a, c_lo + z)) + [len(ids) - 1]
        wi, wt = [ids[i] for i in keep], [types[i] for i in keep]
        se = hidden(wi, wt) @ head["qa_outputs.weight"].T + head["qa_outputs.bias"]
        windows.append({"input_ids": wi, "start_logits": r9(se[:, 0].tolist()),
                        "end_logits": r9(se[:, 1].tolist())})
    assert len(windows) > 1
    recs.append({"kind": "qa-windows", "question": q, "context": c, "options": opts,
                 "windows": windows})
    with open(os.path.join(d, "golden.jsonl"), "w", encoding="utf-8") as f:
        for r in recs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{d}: {len(recs)} cases")


def main():
    tmp = tempfile.mkdtemp()
    vocab = read_vocab(os.path.join(TINY, "vocab.txt"))
    tokdir = tokenizer_folder(tmp, vocab,
                              os.path.join(SHARED, "vocab", "bert-base-uncased", "tokenizer.json"),
                              os.path.join(TINY, "tokenizer_config.json"))
    st_dense(tmp, tokdir, "st-dense", "mean", 24, True, "tanh", True, 401)
    st_dense(tmp, tokdir, "st-dense-identity", "cls", 16, False, "identity", False, 402)
    electra_disc(tokdir)
    roberta_514(tmp)
    distilbert_keep1(tmp)
    for family in TOKQA:
        tokqa(tmp, family)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
