#!/usr/bin/env python3
"""tools/check_hf_goldens.py: the committed model goldens' tokenisation and decoding against
Hugging Face's Python code.

Contract: loads each test tokenizer folder with transformers' AutoTokenizer (fast; tiny-bert and
heads/chinese-ner from their vocab.txt, roberta-tiny from tokenizer.json, albert-tiny / xlmr-tiny /
camembert-tiny converted from their SentencePiece models) and checks, without touching any
weights or logits, that the golden files written by make_head_models.py,
make_extra_head_models.py, make_mlm_family_models.py, make_hf_family_models.py (camembert-mlm)
and make_cli_golden.py hold exactly Hugging Face's answer: input_ids
(and tokens) of every text / text pair / question-context record, the QA overflow windows
(truncation only_second, max_seq_len, doc_stride as the pipeline passes them), the CLI goldens'
untruncated and max_length-128 ids and type ids, roberta-514's 512-token text, and the
fill-mask token_str / sequence strings (tokenizer.decode, clean_up_tokenization_spaces as the
folder sets it). Prints a count per file and every difference; exit status 1 when any differs.
Nothing here uses lightbert.

usage: ~/.cache/lightbert/venv/bin/python tools/check_hf_goldens.py
"""
import json, os, sys
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from transformers import AutoTokenizer
D = os.path.join(ROOT, 'tests', 'data')
def load(d): return AutoTokenizer.from_pretrained(d, local_files_only=True)
toks = {'wp': load(D+'/tiny-bert'), 'bpe': load(D+'/tokenizers/roberta-tiny'),
        'zh': load(D+'/heads/chinese-ner')}
for n in ('albert-tiny', 'xlmr-tiny', 'camembert-tiny'):
    try: toks[n] = load(D+'/tokenizers/'+n); print(n, type(toks[n]).__name__, toks[n].is_fast)
    except Exception as e: print(n, 'not loadable:', repr(e)[:200])
fam_tok = {'roberta': 'bpe', 'xlm-roberta': 'xlmr-tiny', 'albert': 'albert-tiny', 'electra': 'wp', 'distilbert': 'wp',
           'camembert': 'camembert-tiny'}
diffs = []
COUNT = {}
def cmp(where, rec, old, new):
    key = where.split(':')[0] + ' ' + (where.split(' ')[1] if ' ' in where else 'ids'); COUNT[key] = COUNT.get(key, 0) + 1
    if old != new:
        diffs.append(where); print('DIFF', where, json.dumps(rec, ensure_ascii=False)[:200], '\n old', old, '\n new', new)
checked = 0
def qa_windows(tok, q, c, opts):
    msl = opts.get('max_seq_len', 128); st = opts.get('doc_stride', min(msl // 2, 128))
    e = tok(q, c, truncation='only_second', max_length=msl, stride=st, return_overflowing_tokens=True)
    return [list(x) for x in e['input_ids']]
def check_file(path, tkey):
    global checked
    for i, l in enumerate(open(path, encoding='utf-8')):
        if not l.strip(): continue
        r = json.loads(l)
        name = tkey(r) if callable(tkey) else tkey
        if name not in toks: continue
        tok = toks[name]
        inp = r.get('input', r)
        if 'question' in inp:
            if 'windows' in r and r['windows']:
                new = qa_windows(tok, inp['question'], inp['context'], r.get('options', {}) or {})
                old = [w['input_ids'] for w in r['windows']]
                cmp(f'{path}:{i+1} windows', inp, old, new); checked += 1
            if 'input_ids' in r:
                new = tok(inp['question'], inp['context'])['input_ids']
                cmp(f'{path}:{i+1}', inp, r['input_ids'], new); checked += 1
        elif 'text' in inp and 'input_ids' in r:
            new = tok(inp['text'], inp.get('text_pair'))['input_ids']
            cmp(f'{path}:{i+1}', inp, r['input_ids'], new); checked += 1
            if 'tokens' in r: cmp(f'{path}:{i+1} tokens', inp, r['tokens'], tok.convert_ids_to_tokens(new))
        if 'mask_positions' in r:
            single = len(r['mask_positions']) == 1
            for m, p in enumerate(r['mask_positions']):
                preds = r['output'][m] if not single or isinstance(r['output'][0], list) else r['output']
                for pr in preds:
                    k = pr['token']; seq = [k if j == p else x for j, x in enumerate(r['input_ids'])]
                    cmp(f'{path}:{i+1} token_str', {'token': k}, pr['token_str'], tok.decode([k]))
                    cmp(f'{path}:{i+1} sequence', {'ids': seq, 'skip': single}, pr['sequence'], tok.decode(seq, skip_special_tokens=single))
                    checked += 2
check_file(D+'/heads/golden.jsonl', lambda r: 'zh' if r['head'] == 'chinese-ner' else 'wp')
for f in ('st-dense', 'st-dense-identity'): check_file(f'{D}/heads/{f}/golden.jsonl', 'wp')
check_file(D+'/families/electra-disc/golden.jsonl', 'wp')
for fam, t in fam_tok.items():
    for kind in ('mlm', 'tokqa'):
        p = f'{D}/families/{fam}-{kind}/golden.jsonl'
        if os.path.exists(p): check_file(p, t)
# cli goldens
lines = [json.loads(x) for x in open(D+'/tiny-bert/golden/cli_inputs.jsonl', encoding='utf-8') if x.strip()]
exp = [json.loads(x) for x in open(D+'/tiny-bert/golden/cli_expected.jsonl', encoding='utf-8') if x.strip()]
for i, (x, e) in enumerate(zip(lines, exp)):
    full = toks['wp'](x['text'], x.get('text_pair'), return_token_type_ids=True)
    cut = toks['wp'](x['text'], x.get('text_pair'), truncation=True, max_length=128, return_token_type_ids=True)
    if e['input_ids'] is not None: cmp(f'cli:{i+1}', x, [e['input_ids'], e['token_type_ids']], [full['input_ids'], full['token_type_ids']])
    cmp(f'cli:{i+1} num_tokens', x, e['num_tokens'], len(full['input_ids']))
    cmp(f'cli:{i+1} truncated', x, [e['truncated']['input_ids'], e['truncated']['token_type_ids']], [cut['input_ids'], cut['token_type_ids']])
    checked += 3
for k, v in sorted(COUNT.items()): print(k, v)
print('checked', checked, 'diffs', len(diffs))
g = json.load(open(D+'/families/roberta-514/golden.json', encoding='utf-8'))
cmp('roberta-514', {'text': '...'}, g['input_ids'], toks['bpe'](g['text'])['input_ids'])
print("roberta-514 ids 1")
sys.exit(1 if diffs else 0)
