"""tools/head_reference.py: Hugging Face's task-head math and pipeline post-processing, ported
line by line (numpy / torch) for tools/make_head_models.py.

Contract: ports, from transformers' pipelines (token_classification.py, question_answering.py,
fill_mask.py, text_classification.py), tokenizers' WordPiece decoder and tokenizers'
Encoding::truncate (overflowing windows), and pytorch-crf's _viterbi_decode, with a fast BERT
tokenizer's behaviour; offsets and word ids are derived independently of lightbert by aligning
the reference tokens with the text (ASCII / CJK texts without accents).
"""
import unicodedata

import numpy as np
import torch


# ---- tokenizers' WordPiece decoder + transformers' clean_up_tokenization --------------------
def _cleanup(s):
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"),
                 (" 're", "'re")):
        s = s.replace(a, b)
    return s


def convert_tokens_to_string(tokens):
    out = []
    for i, t in enumerate(tokens):
        if i != 0:
            t = t.replace("##", "", 1) if t.startswith("##") else " " + t
        out.append(_cleanup(t))
    return "".join(out)


def clean_up_tokenization(s):
    for a, b in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                 (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
        s = s.replace(a, b)
    return s


SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def decode(vocab, ids, skip_special_tokens):
    toks = [vocab[i] for i in ids if not (skip_special_tokens and vocab[i] in SPECIALS)]
    return clean_up_tokenization(convert_tokens_to_string(toks))


# ---- offsets / words by alignment -------------------------------------------------------------
def _is_punct(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def _is_cjk(c):
    cp = ord(c)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or
            0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def align(text, tokens, lower):
    """Offsets (code points) of the non-special tokens of one sequence, and word ids."""
    norm = text.lower() if lower else text
    assert len(norm) == len(text)
    pos, offsets, words, w = 0, [], [], -1
    for t in tokens:
        if not t.startswith("##"):
            while pos < len(text) and text[pos].isspace():
                pos += 1
            w += 1
        if t == "[UNK]":
            end = pos + 1
            if not (_is_punct(text[pos]) or _is_cjk(text[pos])):
                while end < len(text) and not (text[end].isspace() or _is_punct(text[end]) or
                                               _is_cjk(text[end])):
                    end += 1
        else:
            piece = t[2:] if t.startswith("##") else t
            assert norm.startswith(piece, pos), (text, t, pos)
            end = pos + len(piece)
        offsets.append((pos, end))
        words.append(w)
        pos = end
    return offsets, words


# ---- text classification ------------------------------------------------------------------------
def classification_scores(logits, problem_type):
    if problem_type == "multi_label_classification" or len(logits) == 1:
        return 1.0 / (1.0 + np.exp(-logits))
    e = np.exp(logits - logits.max())
    return e / e.sum()


# ---- token classification (TokenClassificationPipeline) -----------------------------------------
def softmax_rows(logits):
    maxes = np.max(logits, axis=-1, keepdims=True)
    shifted_exp = np.exp(logits - maxes)
    return shifted_exp / shifted_exp.sum(axis=-1, keepdims=True)


def gather_pre_entities(sentence, tokens, input_ids, scores, offsets, special, unk_id):
    pre = []
    for idx, token_scores in enumerate(scores):
        if special[idx]:
            continue
        word = tokens[idx]
        start_ind, end_ind = offsets[idx]
        word_ref = sentence[start_ind:end_ind]
        is_subword = len(word) != len(word_ref)  # fast tokenizer with continuing_subword_prefix
        if int(input_ids[idx]) == unk_id:
            word = word_ref
            is_subword = False
        pre.append({"word": word, "scores": token_scores, "start": start_ind, "end": end_ind,
                    "index": idx, "is_subword": is_subword})
    return pre


def aggregate_word(entities, strategy, id2label):
    word = convert_tokens_to_string([e["word"] for e in entities])
    if strategy == "first":
        scores = entities[0]["scores"]
        idx = scores.argmax()
        score = scores[idx]
        entity = id2label[idx]
    elif strategy == "max":
        max_entity = max(entities, key=lambda e: e["scores"].max())
        scores = max_entity["scores"]
        idx = scores.argmax()
        score = scores[idx]
        entity = id2label[idx]
    elif strategy == "average":
        scores = np.stack([e["scores"] for e in entities])
        average_scores = np.nanmean(scores, axis=0)
        entity_idx = average_scores.argmax()
        entity = id2label[entity_idx]
        score = average_scores[entity_idx]
    return {"entity": entity, "score": score, "word": word, "start": entities[0]["start"],
            "end": entities[-1]["end"]}


def aggregate_words(entities, strategy, id2label):
    word_entities, word_group = [], None
    for entity in entities:
        if word_group is None:
            word_group = [entity]
        elif entity["is_subword"]:
            word_group.append(entity)
        else:
            word_entities.append(aggregate_word(word_group, strategy, id2label))
            word_group = [entity]
    if word_group is not None:
        word_entities.append(aggregate_word(word_group, strategy, id2label))
    return word_entities


def group_sub_entities(entities):
    entity = entities[0]["entity"].split("-", 1)[-1]
    scores = np.nanmean([e["score"] for e in entities])
    tokens = [e["word"] for e in entities]
    return {"entity_group": entity, "score": np.mean(scores),
            "word": convert_tokens_to_string(tokens), "start": entities[0]["start"],
            "end": entities[-1]["end"]}


def get_tag(name):
    if name.startswith("B-"):
        return "B", name[2:]
    if name.startswith("I-"):
        return "I", name[2:]
    return "I", name


def group_entities(entities):
    groups, disagg = [], []
    for entity in entities:
        if not disagg:
            disagg.append(entity)
            continue
        bi, tag = get_tag(entity["entity"])
        last_bi, last_tag = get_tag(disagg[-1]["entity"])
        if tag == last_tag and bi != "B":
            disagg.append(entity)
        else:
            groups.append(group_sub_entities(disagg))
            disagg = [entity]
    if disagg:
        groups.append(group_sub_entities(disagg))
    return groups


def ner_pipeline(sentence, tokens, input_ids, logits, offsets, special, unk_id, id2label, strategy,
                 tags=None):
    """tags: CRF Viterbi tags replacing the argmax (lightbert's documented extension)."""
    scores = softmax_rows(logits)
    pre = gather_pre_entities(sentence, tokens, input_ids, scores, offsets, special, unk_id)
    if tags is not None:  # one-hot argmax trick: a token's label is its Viterbi tag
        for p in pre:
            p["tag"] = tags[p["index"]]
    if strategy in ("none", "simple"):
        entities = []
        for p in pre:
            idx = p["tag"] if tags is not None else p["scores"].argmax()
            entities.append({"entity": id2label[idx], "score": p["scores"][idx],
                             "index": p["index"], "word": p["word"], "start": p["start"],
                             "end": p["end"]})
    else:
        assert tags is None or strategy == "first"
        if tags is not None:
            entities = []
            group = None
            for p in pre:
                if group is None:
                    group = [p]
                elif p["is_subword"]:
                    group.append(p)
                else:
                    entities.append(group)
                    group = [p]
            if group is not None:
                entities.append(group)
            entities = [{"entity": id2label[g[0]["tag"]], "score": g[0]["scores"][g[0]["tag"]],
                         "word": convert_tokens_to_string([x["word"] for x in g]),
                         "start": g[0]["start"], "end": g[-1]["end"]} for g in entities]
        else:
            entities = aggregate_words(pre, strategy, id2label)
    if strategy != "none":
        entities = group_entities(entities)
    return [e for e in entities if e.get("entity") != "O" and e.get("entity_group") != "O"]


# ---- pytorch-crf -------------------------------------------------------------------------------
def viterbi_decode(emissions, mask, start_transitions, end_transitions, transitions):
    """torchcrf.CRF._viterbi_decode; emissions (seq_length, batch, num_tags), mask (seq, batch)."""
    seq_length, batch_size = mask.shape
    score = start_transitions + emissions[0]
    history = []
    for i in range(1, seq_length):
        broadcast_score = score.unsqueeze(2)
        broadcast_emission = emissions[i].unsqueeze(1)
        next_score = broadcast_score + transitions + broadcast_emission
        next_score, indices = next_score.max(dim=1)
        next_score = torch.where(mask[i].unsqueeze(1), next_score, score)
        score = next_score
        history.append(indices)
    score += end_transitions
    seq_ends = mask.long().sum(dim=0) - 1
    best_tags_list = []
    for idx in range(batch_size):
        _, best_last_tag = score[idx].max(dim=0)
        best_tags = [best_last_tag.item()]
        for hist in reversed(history[:seq_ends[idx]]):
            best_last_tag = hist[idx][best_tags[-1]]
            best_tags.append(best_last_tag.item())
        best_tags.reverse()
        best_tags_list.append(best_tags)
    return best_tags_list


# ---- question answering ------------------------------------------------------------------------
def overflow_windows(q_ids, c_ids, max_len, stride):
    """tokenizers: truncation only_second with overflow: context pieces of max_len - |q| - 3."""
    if len(q_ids) + len(c_ids) + 3 <= max_len:
        return [(0, len(c_ids))]
    piece = max_len - len(q_ids) - 3
    assert 0 < piece and stride < piece
    ranges, end, start = [], False, 0
    for start in range(0, len(c_ids), piece - stride):
        if end:
            break
        stop = min(start + piece, len(c_ids))
        end = stop == len(c_ids)
        ranges.append((start, stop))
    return ranges


def decode_spans(start, end, topk, max_answer_len, undesired_tokens):
    if start.ndim == 1:
        start = start[None]
    if end.ndim == 1:
        end = end[None]
    outer = np.matmul(np.expand_dims(start, -1), np.expand_dims(end, 1))
    candidates = np.tril(np.triu(outer), max_answer_len - 1)
    scores_flat = candidates.flatten()
    if topk == 1:
        idx_sort = [np.argmax(scores_flat)]
    elif len(scores_flat) < topk:
        idx_sort = np.argsort(-scores_flat)
    else:
        idx = np.argpartition(-scores_flat, topk)[0:topk]
        idx_sort = idx[np.argsort(-scores_flat[idx])]
    starts, ends = np.unravel_index(idx_sort, candidates.shape)[1:]
    desired_spans = np.isin(starts, undesired_tokens.nonzero()) & np.isin(ends, undesired_tokens.nonzero())
    starts = starts[desired_spans]
    ends = ends[desired_spans]
    scores = candidates[0, starts, ends]
    return starts, ends, scores


def select_starts_ends(start, end, p_mask, attention_mask, top_k, max_answer_len):
    undesired_tokens = np.abs(np.array(p_mask) - 1)
    undesired_tokens = undesired_tokens & attention_mask
    undesired_tokens_mask = undesired_tokens == 0.0
    start = np.where(undesired_tokens_mask, -10000.0, start)
    end = np.where(undesired_tokens_mask, -10000.0, end)
    start = np.exp(start - start.max(axis=-1, keepdims=True))
    start = start / start.sum()
    end = np.exp(end - end.max(axis=-1, keepdims=True))
    end = end / end.sum()
    start[0, 0] = end[0, 0] = 0.0
    return decode_spans(start, end, top_k, max_answer_len, undesired_tokens)
