#!/usr/bin/env python3
"""tools/train_spm_tiny.py: trains the tiny SentencePiece models of the tokenizer tests.

Contract: with Debian's `spm_train` (package sentencepiece) on the texts of
tests/data/tokenizer/corpus.jsonl, writes two folders laid out like the Hugging Face repos:
tests/data/tokenizers/albert-tiny/ (spiece.model: unigram, nmt_nfkc, trained on lower-cased
text, <pad>=0 <unk>=1 [CLS]=2 [SEP]=3 [MASK]=4 as in albert-base-v2; tokenizer_config.json for
AlbertTokenizer with do_lower_case, keep_accents false, remove_space) and
tests/data/tokenizers/xlmr-tiny/ (sentencepiece.bpe.model: BPE, nmt_nfkc, <unk>=0 <s>=1 </s>=2 as
XLM-R's; tokenizer_config.json for XLMRobertaTokenizer). character_coverage < 1 leaves some rare
characters unknown. Deterministic (one thread). The reference ids come from
tools/tokenizer_spm_golden.py.

usage: tools/train_spm_tiny.py [--vocab-size 1200]
"""
import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "data", "tokenizer", "corpus.jsonl")
OUT = os.path.join(ROOT, "tests", "data", "tokenizers")


def texts():
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for key in ("text", "text_pair"):
                if key in row and row[key].strip():
                    yield " ".join(row[key].split())


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


def mask(content):
    return {"content": content, "lstrip": True, "rstrip": False, "normalized": False,
            "single_word": False, "__type": "AddedToken"}


def train(text_lines, prefix, extra):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(text_lines) + "\n")
        # Relative paths: the model stores its trainer spec, and a temp path would differ.
        subprocess.run(["spm_train", "--input=corpus.txt", "--model_prefix=m",
                        "--num_threads=1", "--minloglevel=2", "--hard_vocab_limit=false",
                        "--character_coverage=0.99", "--normalization_rule_name=nmt_nfkc"] + extra,
                       check=True, cwd=tmp)
        os.replace(os.path.join(tmp, "m.model"), prefix + ".model")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-size", type=int, default=1200)
    args = parser.parse_args()
    lines = list(texts())

    albert = os.path.join(OUT, "albert-tiny")
    os.makedirs(albert, exist_ok=True)
    train([t.lower() for t in lines], os.path.join(albert, "spiece"),
          ["--model_type=unigram", f"--vocab_size={args.vocab_size}", "--pad_id=0", "--unk_id=1",
           "--bos_id=-1", "--eos_id=-1", "--control_symbols=[CLS],[SEP],[MASK]"])
    specials = {"bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>",
                "sep_token": "[SEP]", "pad_token": "<pad>", "cls_token": "[CLS]",
                "mask_token": mask("[MASK]")}
    write_json(os.path.join(albert, "tokenizer_config.json"),
               {"tokenizer_class": "AlbertTokenizer", "do_lower_case": True, "remove_space": True,
                "keep_accents": False, "model_max_length": 512, **specials})
    write_json(os.path.join(albert, "special_tokens_map.json"), specials)

    xlmr = os.path.join(OUT, "xlmr-tiny")
    os.makedirs(xlmr, exist_ok=True)
    train(lines, os.path.join(xlmr, "sentencepiece.bpe"),
          ["--model_type=bpe", f"--vocab_size={args.vocab_size}", "--pad_id=-1", "--unk_id=0",
           "--bos_id=1", "--eos_id=2"])
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "pad_token": "<pad>", "cls_token": "<s>", "mask_token": mask("<mask>")}
    write_json(os.path.join(xlmr, "tokenizer_config.json"),
               {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **specials})
    write_json(os.path.join(xlmr, "special_tokens_map.json"), specials)
    print(f"wrote {albert} and {xlmr}")


if __name__ == "__main__":
    main()
