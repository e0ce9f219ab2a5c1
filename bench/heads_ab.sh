#!/usr/bin/env bash
# bench/heads_ab.sh: A/B wall time of the task heads' CLI (fill-mask, classify) for two lightbert
# binaries, alternating them run by run; prints each one's median and all runs.
# Usage: bench/heads_ab.sh OLD_BINARY NEW_BINARY [RUNS (7)] [THREADS (2)]
# It makes (once, under ${HEADS_AB_DIR:-/tmp/lightbert_heads_ab}) two seeded random models with
# transformers: BertForMaskedLM and BertForSequenceClassification, hidden 384, 6 layers, 12 heads,
# intermediate 1536, the bert-base-uncased vocabulary (30522, ../shared/vocab); and three inputs
# of 200 SST-2 sentences (../shared/data/sst2): one [MASK] per line, up to 8 per line, plain text.
# Needs the reference venv (${LIGHTBERT_VENV:-~/.cache/lightbert/venv}: torch + transformers).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/heads_ab.sh OLD_BINARY NEW_BINARY [RUNS] [THREADS]" >&2; exit 2; }
old=$1 new=$2 runs=${3:-7} threads=${4:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${HEADS_AB_DIR:-/tmp/lightbert_heads_ab}
py=${LIGHTBERT_VENV:-$HOME/.cache/lightbert/venv}/bin/python
mkdir -p "$dir"
if [ ! -f "$dir/cls/model.safetensors" ] || [ ! -f "$dir/mlm/model.safetensors" ]; then
  "$py" - "$root/../shared" "$dir" <<'EOF'
import json, os, shutil, sys
import torch, transformers as t
shared, out = sys.argv[1], sys.argv[2]
vocab = os.path.join(shared, "vocab", "bert-base-uncased")
cfg = t.BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                   intermediate_size=1536)
for name, cls in (("mlm", t.BertForMaskedLM), ("cls", t.BertForSequenceClassification)):
    torch.manual_seed(0)
    d = os.path.join(out, name)
    cls(cfg).eval().save_pretrained(d, safe_serialization=True)
    for f in os.listdir(vocab):
        if f != "config.json":
            shutil.copy(os.path.join(vocab, f), d)
lines = []
with open(os.path.join(shared, "data", "sst2", "train.tsv")) as f:
    next(f)
    for row in f:
        words = row.split("\t")[0].split()
        if len(words) >= 6:
            lines.append(words)
        if len(lines) == 200:
            break
def write(name, texts):
    with open(os.path.join(out, name), "w") as f:
        f.writelines(json.dumps({"text": s}) + "\n" for s in texts)
write("cls.jsonl", [" ".join(w) for w in lines])
write("mlm.jsonl", [" ".join(w[:2] + ["[MASK]"] + w[3:]) for w in lines])
write("mlm8.jsonl", [" ".join("[MASK]" if i % 2 and i < 16 else x for i, x in enumerate(w))
                     for w in lines])
EOF
fi
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
for task in "fill-mask mlm mlm" "fill-mask mlm mlm8" "classify cls cls"; do
  set -- $task
  cmd=$1 model=$2 input=$3
  : > "$dir/t_old"; : > "$dir/t_new"
  for _ in $(seq "$runs"); do
    for which in old new; do
      bin=$old; [ $which = new ] && bin=$new
      s=$(date +%s.%N)
      "$bin" "$cmd" --model "$dir/$model" --threads "$threads" < "$dir/$input.jsonl" > /dev/null
      e=$(date +%s.%N)
      echo "$e - $s" | bc >> "$dir/t_$which"
    done
  done
  for which in old new; do
    printf '%-9s %-5s %s: median %s s; runs %s\n' "$cmd" "$input" "$which" \
      "$(median < "$dir/t_$which")" "$(tr '\n' ' ' < "$dir/t_$which")"
  done
done
