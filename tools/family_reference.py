#!/usr/bin/python3
"""tools/family_reference.py: PyTorch reference forward passes of the non-BERT encoder families
(RoBERTa / XLM-RoBERTa, DistilBERT, ELECTRA, ALBERT), written from Hugging Face transformers'
modeling_<family>.py (v4.x) with the same module and parameter names, so a model's state_dict
keys are exactly those of the published checkpoints (the base-model prefix added by `PREFIX`).

Contract: `build(cfg)` returns the nn.Module for a config.json dict (model_type picks the
family); `module(input_ids, attention_mask, token_type_ids)` returns (last_hidden_state,
pooler_output or None) for a right-padded batch, with Hugging Face's additive mask. `load(folder)`
builds the module from FOLDER/config.json and loads FOLDER/model.safetensors strictly (every
parameter present, prefix stripped, head tensors such as lm_head.* ignored); `mlm_logits(cfg,
tensors, h)` is the family's *ForMaskedLM head (MLM_HEADS: names, activation, eps). Independent of
lightbert: it shares nothing with the C++ code, only bertlib's safetensors reader and the
BERT layer math of bertlib (itself HF BertLayer), which RoBERTa and ELECTRA reuse unchanged
(modeling_roberta.RobertaLayer and modeling_electra.ElectraLayer are copies of BertLayer).
Run with /usr/bin/python3 (torch 1.13).
"""
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
for cand in ("/root/.cache/lightbert-oracle", os.path.join(HERE, "..", "..", "shared", "oracle"),
             "/work/shared/oracle"):
    if os.path.exists(os.path.join(cand, "bertlib.py")):
        sys.path.insert(0, cand)
        break
import bertlib  # noqa: E402

# Base-model prefix of each family's published checkpoints (base_model_prefix in HF).
PREFIX = {"roberta": "roberta.", "xlm-roberta": "roberta.", "distilbert": "distilbert.",
          "electra": "electra.", "albert": "albert."}


def act_fn(name):
    """transformers.activations.ACT2FN for the names the families use."""
    return {"gelu": F.gelu, "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
            "relu": F.relu}[name]


def additive_mask(attention_mask, dtype):
    """modeling_utils.get_extended_attention_mask: (1 - mask) * finfo(dtype).min, [B,1,1,S]."""
    m = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - m) * torch.finfo(dtype).min


def bert_layer_cfg(cfg):
    """bertlib's BERT layer reads these keys (with the family's activation patched in)."""
    return {"hidden_size": cfg["hidden_size"], "num_attention_heads": cfg["num_attention_heads"],
            "intermediate_size": cfg["intermediate_size"], "layer_norm_eps": cfg["layer_norm_eps"],
            "num_hidden_layers": cfg["num_hidden_layers"]}


def bert_encoder(cfg):
    """bertlib.BertEncoder (= HF BertEncoder / RobertaEncoder / ElectraEncoder: post-LN layers)
    with the intermediate activation set to cfg["hidden_act"] (HF BertIntermediate)."""
    enc = bertlib.BertEncoder(bert_layer_cfg(cfg))
    fn = act_fn(cfg.get("hidden_act", "gelu"))
    for layer in enc.layer:
        layer.intermediate.forward = (lambda m: (lambda x: fn(m.dense(x))))(layer.intermediate)
    return enc


# ------------------------------------------------------------------------------------------
# RoBERTa / XLM-RoBERTa: modeling_roberta.py (XLMRobertaModel is the same code).
# ------------------------------------------------------------------------------------------
def create_position_ids_from_input_ids(input_ids, padding_idx):
    """modeling_roberta.create_position_ids_from_input_ids (past_key_values_length 0): real
    tokens get padding_idx + 1, + 2, ...; padding tokens get padding_idx."""
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


class RobertaEmbeddings(nn.Module):
    """modeling_roberta.RobertaEmbeddings (absolute positions)."""

    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.padding_idx = cfg["pad_token_id"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], h, padding_idx=self.padding_idx)
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], h,
                                                padding_idx=self.padding_idx)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids):
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        if token_type_ids is None:  # the registered all-zero buffer
            token_type_ids = torch.zeros_like(input_ids)
        emb = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        emb = emb + self.position_embeddings(position_ids)
        return self.LayerNorm(emb)


class RobertaModel(nn.Module):
    """modeling_roberta.RobertaModel: embeddings -> encoder -> optional pooler (RobertaPooler =
    tanh(dense(h[:, 0])))."""

    def __init__(self, cfg, add_pooling_layer=True):
        super().__init__()
        self.embeddings = RobertaEmbeddings(cfg)
        self.encoder = bert_encoder(cfg)
        self.pooler = bertlib.BertPooler(cfg) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        dtype = self.embeddings.word_embeddings.weight.dtype
        h = self.encoder(self.embeddings(input_ids, token_type_ids),
                         additive_mask(attention_mask, dtype))
        return h, (self.pooler(h) if self.pooler is not None else None)


# ------------------------------------------------------------------------------------------
# DistilBERT: modeling_distilbert.py.
# ------------------------------------------------------------------------------------------
def create_sinusoidal_embeddings(n_pos, dim):
    """modeling_distilbert.create_sinusoidal_embeddings."""
    position_enc = np.array([[pos / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)]
                             for pos in range(n_pos)])
    out = torch.zeros(n_pos, dim)
    out[:, 0::2] = torch.FloatTensor(np.sin(position_enc[:, 0::2]))
    out[:, 1::2] = torch.FloatTensor(np.cos(position_enc[:, 1::2]))
    return out


class DistilEmbeddings(nn.Module):
    """modeling_distilbert.Embeddings: word + position (arange), LayerNorm eps 1e-12; no token
    types."""

    def __init__(self, cfg):
        super().__init__()
        dim = cfg["dim"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], dim, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], dim)
        if cfg.get("sinusoidal_pos_embds", False):
            with torch.no_grad():
                self.position_embeddings.weight.copy_(
                    create_sinusoidal_embeddings(cfg["max_position_embeddings"], dim))
        self.LayerNorm = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, input_ids):
        position_ids = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0)
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(position_ids))


class MultiHeadSelfAttention(nn.Module):
    """modeling_distilbert.MultiHeadSelfAttention: q scaled by 1/sqrt(dim_per_head) before
    q @ k^T; masked positions filled with finfo.min; softmax; out_lin."""

    def __init__(self, cfg):
        super().__init__()
        dim = cfg["dim"]
        self.n_heads = cfg["n_heads"]
        self.dim = dim
        self.q_lin = nn.Linear(dim, dim)
        self.k_lin = nn.Linear(dim, dim)
        self.v_lin = nn.Linear(dim, dim)
        self.out_lin = nn.Linear(dim, dim)

    def forward(self, x, mask):
        bs, q_length, dim = x.size()
        dim_per_head = self.dim // self.n_heads

        def shape(t):
            return t.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(t):
            return t.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q = shape(self.q_lin(x)) / math.sqrt(dim_per_head)
        k = shape(self.k_lin(x))
        v = shape(self.v_lin(x))
        scores = torch.matmul(q, k.transpose(2, 3))
        m = (mask == 0).view(bs, 1, 1, -1).expand_as(scores)
        scores = scores.masked_fill(m, torch.tensor(torch.finfo(scores.dtype).min))
        weights = nn.functional.softmax(scores, dim=-1)
        return self.out_lin(unshape(torch.matmul(weights, v)))


class FFN(nn.Module):
    """modeling_distilbert.FFN: lin2(activation(lin1(x)))."""

    def __init__(self, cfg):
        super().__init__()
        self.lin1 = nn.Linear(cfg["dim"], cfg["hidden_dim"])
        self.lin2 = nn.Linear(cfg["hidden_dim"], cfg["dim"])
        self.activation = act_fn(cfg.get("activation", "gelu"))

    def forward(self, x):
        return self.lin2(self.activation(self.lin1(x)))


class TransformerBlock(nn.Module):
    """modeling_distilbert.TransformerBlock: post-LN (sa_layer_norm, output_layer_norm)."""

    def __init__(self, cfg):
        super().__init__()
        self.attention = MultiHeadSelfAttention(cfg)
        self.sa_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)
        self.ffn = FFN(cfg)
        self.output_layer_norm = nn.LayerNorm(cfg["dim"], eps=1e-12)

    def forward(self, x, mask):
        sa_output = self.sa_layer_norm(self.attention(x, mask) + x)
        return self.output_layer_norm(self.ffn(sa_output) + sa_output)


class Transformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(cfg) for _ in range(cfg["n_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class DistilBertModel(nn.Module):
    """modeling_distilbert.DistilBertModel: no pooler, no token types."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = DistilEmbeddings(cfg)
        self.transformer = Transformer(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        return self.transformer(self.embeddings(input_ids), attention_mask), None


# ------------------------------------------------------------------------------------------
# ELECTRA: modeling_electra.py (ElectraModel, the discriminator's encoder).
# ------------------------------------------------------------------------------------------
class ElectraEmbeddings(nn.Module):
    """modeling_electra.ElectraEmbeddings: BERT embeddings of width embedding_size."""

    def __init__(self, cfg):
        super().__init__()
        e = cfg["embedding_size"]
        self.word_embeddings = nn.Embedding(cfg["vocab_size"], e, padding_idx=cfg["pad_token_id"])
        self.position_embeddings = nn.Embedding(cfg["max_position_embeddings"], e)
        self.token_type_embeddings = nn.Embedding(cfg["type_vocab_size"], e)
        self.LayerNorm = nn.LayerNorm(e, eps=cfg["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.size(1), dtype=torch.long).unsqueeze(0)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        emb = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(emb + self.position_embeddings(positions))


class ElectraModel(nn.Module):
    """modeling_electra.ElectraModel: embeddings -> embeddings_project (only when
    embedding_size != hidden_size) -> encoder; no pooler."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = ElectraEmbeddings(cfg)
        if cfg["embedding_size"] != cfg["hidden_size"]:
            self.embeddings_project = nn.Linear(cfg["embedding_size"], cfg["hidden_size"])
        self.encoder = bert_encoder(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        dtype = self.embeddings.word_embeddings.weight.dtype
        h = self.embeddings(input_ids, token_type_ids)
        if hasattr(self, "embeddings_project"):
            h = self.embeddings_project(h)
        return self.encoder(h, additive_mask(attention_mask, dtype)), None


# ------------------------------------------------------------------------------------------
# ALBERT: modeling_albert.py.
# ------------------------------------------------------------------------------------------
class AlbertAttention(nn.Module):
    """modeling_albert.AlbertAttention: LayerNorm(x + dense(attention(x)))."""

    def __init__(self, cfg):
        super().__init__()
        h = cfg["hidden_size"]
        self.num_attention_heads = cfg["num_attention_heads"]
        self.attention_head_size = h // self.num_attention_heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dense = nn.Linear(h, h)
        self.LayerNorm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q = self.transpose_for_scores(self.query(x))
        k = self.transpose_for_scores(self.key(x))
        v = self.transpose_for_scores(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        probs = nn.functional.softmax(scores + mask, dim=-1)
        ctx = torch.matmul(probs, v).transpose(2, 1).flatten(2)
        return self.LayerNorm(x + self.dense(ctx))


class AlbertLayer(nn.Module):
    """modeling_albert.AlbertLayer: full_layer_layer_norm(ffn_output(act(ffn(a))) + a)."""

    def __init__(self, cfg):
        super().__init__()
        h, i = cfg["hidden_size"], cfg["intermediate_size"]
        self.full_layer_layer_norm = nn.LayerNorm(h, eps=cfg["layer_norm_eps"])
        self.attention = AlbertAttention(cfg)
        self.ffn = nn.Linear(h, i)
        self.ffn_output = nn.Linear(i, h)
        self.activation = act_fn(cfg["hidden_act"])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.full_layer_layer_norm(self.ffn_output(self.activation(self.ffn(a))) + a)


class AlbertLayerGroup(nn.Module):
    """modeling_albert.AlbertLayerGroup: its inner_group_num layers in sequence."""

    def __init__(self, cfg):
        super().__init__()
        self.albert_layers = nn.ModuleList([AlbertLayer(cfg) for _ in range(cfg["inner_group_num"])])

    def forward(self, x, mask):
        for layer in self.albert_layers:
            x = layer(x, mask)
        return x


class AlbertTransformer(nn.Module):
    """modeling_albert.AlbertTransformer: embedding_hidden_mapping_in, then for each of the
    num_hidden_layers depths i the group int(i / (num_hidden_layers / num_hidden_groups))."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embedding_hidden_mapping_in = nn.Linear(cfg["embedding_size"], cfg["hidden_size"])
        self.albert_layer_groups = nn.ModuleList(
            [AlbertLayerGroup(cfg) for _ in range(cfg["num_hidden_groups"])])

    def forward(self, x, mask):
        x = self.embedding_hidden_mapping_in(x)
        n, g = self.cfg["num_hidden_layers"], self.cfg["num_hidden_groups"]
        for i in range(n):
            group_idx = int(i / (n / g))
            x = self.albert_layer_groups[group_idx](x, mask)
        return x


class AlbertModel(nn.Module):
    """modeling_albert.AlbertModel: embeddings (AlbertEmbeddings = BERT embeddings of width
    embedding_size) -> encoder -> pooler_activation(pooler(h[:, 0])) (nn.Linear + Tanh)."""

    def __init__(self, cfg, add_pooling_layer=True):
        super().__init__()
        self.embeddings = ElectraEmbeddings(cfg)  # same modules and names as AlbertEmbeddings
        self.encoder = AlbertTransformer(cfg)
        self.pooler = nn.Linear(cfg["hidden_size"], cfg["hidden_size"]) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        dtype = self.embeddings.word_embeddings.weight.dtype
        h = self.encoder(self.embeddings(input_ids, token_type_ids),
                         additive_mask(attention_mask, dtype))
        return h, (torch.tanh(self.pooler(h[:, 0])) if self.pooler is not None else None)


# ------------------------------------------------------------------------------------------
# Config defaults (HF <Family>Config.__init__) and loading.
# ------------------------------------------------------------------------------------------
DEFAULTS = {
    "roberta": dict(vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                    intermediate_size=3072, hidden_act="gelu", max_position_embeddings=512,
                    type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=1),
    "distilbert": dict(vocab_size=30522, max_position_embeddings=512, sinusoidal_pos_embds=False,
                       n_layers=6, n_heads=12, dim=768, hidden_dim=3072, activation="gelu",
                       pad_token_id=0),
    "electra": dict(vocab_size=30522, embedding_size=128, hidden_size=256, num_hidden_layers=12,
                    num_attention_heads=4, intermediate_size=1024, hidden_act="gelu",
                    max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
                    pad_token_id=0),
    "albert": dict(vocab_size=30000, embedding_size=128, hidden_size=4096, num_hidden_layers=12,
                   num_hidden_groups=1, num_attention_heads=64, intermediate_size=16384,
                   inner_group_num=1, hidden_act="gelu_new", max_position_embeddings=512,
                   type_vocab_size=2, layer_norm_eps=1e-12, pad_token_id=0),
}
DEFAULTS["xlm-roberta"] = dict(DEFAULTS["roberta"], vocab_size=30522)


def full_config(cfg):
    return dict(DEFAULTS[cfg["model_type"]], **cfg)


def build(cfg, add_pooling_layer=True):
    cfg = full_config(cfg)
    kind = cfg["model_type"]
    if kind in ("roberta", "xlm-roberta"):
        return RobertaModel(cfg, add_pooling_layer)
    if kind == "distilbert":
        return DistilBertModel(cfg)
    if kind == "electra":
        return ElectraModel(cfg)
    if kind == "albert":
        return AlbertModel(cfg, add_pooling_layer)
    raise ValueError(f"unknown model_type {kind}")


def load(folder, dtype=torch.float64):
    """The family module of FOLDER with its weights (strict: every parameter must be there)."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    sd = bertlib.load_safetensors(os.path.join(folder, "model.safetensors"))
    prefix = PREFIX[cfg["model_type"]]
    own = {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in sd.items()}
    has_pooler = any(k.startswith("pooler.") for k in own)
    model = build(cfg, add_pooling_layer=has_pooler)
    want = model.state_dict()
    missing = [k for k in want if k not in own]
    if cfg.get("sinusoidal_pos_embds", False) and "embeddings.position_embeddings.weight" in missing:
        # DistilBERT: a sinusoidal table left out of the file is computed at init (kept here).
        missing.remove("embeddings.position_embeddings.weight")
        own["embeddings.position_embeddings.weight"] = \
            model.embeddings.position_embeddings.weight.detach().numpy()
    if missing:
        raise KeyError(f"{folder}: model.safetensors lacks {missing[:5]}")
    model.load_state_dict({k: torch.from_numpy(own[k]) for k in want}, strict=True)
    return model.to(dtype).eval(), cfg


def run_padded(model, cfg, lengths, ids, types):
    """One ragged batch, right-padded with pad_token_id + attention mask (as HF pipelines pad).
    Returns the real-token rows (sequences concatenated) and the pooler output (or None)."""
    pad = full_config(cfg)["pad_token_id"]
    b, s = len(lengths), max(lengths)
    pid = torch.full((b, s), pad, dtype=torch.long)
    ptt = torch.zeros((b, s), dtype=torch.long)
    mask = torch.zeros((b, s), dtype=torch.long)
    off = 0
    for i, n in enumerate(lengths):
        pid[i, :n] = torch.tensor(ids[off:off + n])
        if types:
            ptt[i, :n] = torch.tensor(types[off:off + n])
        mask[i, :n] = 1
        off += n
    with torch.inference_mode():
        h, pooled = model(pid, mask, ptt)
    rows = np.concatenate([h[i, :n].numpy() for i, n in enumerate(lengths)], axis=0)
    return rows, (pooled.numpy() if pooled is not None else None)


def sequence_classification_logits(cfg, tensors, first_token, pooled):
    """Logits of Hugging Face's <Family>ForSequenceClassification heads (eval: dropout off) from
    the first token's hidden state [B, H] or the pooler output [B, H] (float64); `tensors` holds
    the head's top-level tensors (numpy):
      modeling_roberta.RobertaClassificationHead: out_proj(tanh(dense(h[:, 0])))
      modeling_electra.ElectraClassificationHead: out_proj(gelu(dense(h[:, 0]))) (exact erf GELU)
      modeling_distilbert.DistilBertForSequenceClassification: classifier(ReLU(pre_classifier(
        h[:, 0])))
      modeling_albert.AlbertForSequenceClassification (and BERT): classifier(pooler_output)."""
    t = {k: torch.from_numpy(np.asarray(v)).double() for k, v in tensors.items()}

    def lin(x, p):
        return torch.as_tensor(x).double() @ t[p + ".weight"].T + t[p + ".bias"]

    kind = cfg["model_type"]
    if kind in ("roberta", "xlm-roberta"):
        out = lin(torch.tanh(lin(first_token, "classifier.dense")), "classifier.out_proj")
    elif kind == "electra":
        out = lin(F.gelu(lin(first_token, "classifier.dense")), "classifier.out_proj")
    elif kind == "distilbert":
        out = lin(F.relu(lin(first_token, "pre_classifier")), "classifier")
    else:
        out = lin(pooled, "classifier")
    return out.numpy()


# Masked-LM heads of <Family>ForMaskedLM (modeling_<family>.py, eval), by model_type:
#   modeling_roberta.RobertaLMHead (XLM-R's is a copy): layer_norm(gelu(dense(h))) with the exact
#     erf gelu whatever hidden_act says, LayerNorm(H, eps=config.layer_norm_eps); decoder [V, H]
#     tied to the word embeddings; bias lm_head.bias (the decoder's bias is the same tensor).
#   modeling_distilbert.DistilBertForMaskedLM: vocab_layer_norm(act(vocab_transform(h))) with
#     get_activation(config.activation), LayerNorm(dim, eps=1e-12); vocab_projector [V, H] + bias.
#   modeling_albert.AlbertMLMHead: LayerNorm(E, eps=config.layer_norm_eps)(ACT2FN[hidden_act](
#     dense(h))), dense H -> E; decoder [V, E] tied; bias predictions.bias.
#   modeling_electra.ElectraGeneratorPredictions + generator_lm_head: LayerNorm(E,
#     eps=config.layer_norm_eps)(gelu(dense(h))) (get_activation("gelu"), exact), dense H -> E;
#     generator_lm_head Linear(E, V) tied to the word embeddings.
# Fields: dense / norm prefixes, decoder weight and bias names, activation (None: the config's),
# eps (None: config.layer_norm_eps).
MLM_HEADS = {
    "roberta": ("lm_head.dense", "lm_head.layer_norm", "lm_head.decoder.weight", "lm_head.bias",
                "gelu", None),
    "distilbert": ("vocab_transform", "vocab_layer_norm", "vocab_projector.weight",
                   "vocab_projector.bias", None, 1e-12),
    "albert": ("predictions.dense", "predictions.LayerNorm", "predictions.decoder.weight",
               "predictions.bias", None, None),
    "electra": ("generator_predictions.dense", "generator_predictions.LayerNorm",
                "generator_lm_head.weight", "generator_lm_head.bias", "gelu", None),
}
MLM_HEADS["xlm-roberta"] = MLM_HEADS["roberta"]


def mlm_logits(cfg, tensors, h):
    """<Family>ForMaskedLM logits [N, V] (float64) of hidden rows h [N, H]; `tensors` is the whole
    checkpoint (numpy, prefixed names): an absent decoder weight is the tied
    PREFIX + embeddings.word_embeddings.weight."""
    full = full_config(cfg)
    dense, norm, decoder, bias, act, eps = MLM_HEADS[cfg["model_type"]]
    t = {k: torch.from_numpy(np.asarray(v)).double() for k, v in tensors.items()}
    if act is None:
        act = full["activation"] if cfg["model_type"] == "distilbert" else full["hidden_act"]
    if eps is None:
        eps = full["layer_norm_eps"]
    x = torch.as_tensor(h).double() @ t[dense + ".weight"].T + t[dense + ".bias"]
    x = act_fn(act)(x)
    x = F.layer_norm(x, (x.shape[-1],), t[norm + ".weight"], t[norm + ".bias"], eps=eps)
    w = t[decoder] if decoder in t else \
        t[PREFIX[cfg["model_type"]] + "embeddings.word_embeddings.weight"]
    return (x @ w.T + t[bias]).numpy()
