// tools/tokenizer_bpe_reference.mjs: reference tokenization with transformers.js for a folder whose
// tokenizer class returns no token_type_ids (RoBERTa): prints {"input_ids", "tokens"} per input
// line. Contract: reads JSON lines {"text", "text_pair"?} on stdin, never truncates; the library is
// imported from the oracle folder given as the first argument.
// usage: node tools/tokenizer_bpe_reference.mjs ORACLE_DIR MODEL_DIR < in.jsonl
import fs from 'fs';
import path from 'path';
const [oracle, modelDir] = process.argv.slice(2);
const lib =
    path.join(oracle, 'tok/node_modules/@huggingface/transformers/dist/transformers.node.mjs');
const {env, AutoTokenizer} = await import(lib);
const dir = path.resolve(modelDir);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(dir);
const tok = await AutoTokenizer.from_pretrained(path.basename(dir));
const idToToken = new Map(Array.from(tok.get_vocab(), ([k, v]) => [Number(v), k]));
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  const ids =
      r.text_pair !== undefined ? tok.encode(r.text, {text_pair: r.text_pair}) : tok.encode(r.text);
  console.log(JSON.stringify({input_ids: ids, tokens: ids.map((id) => idToToken.get(id))}));
}
