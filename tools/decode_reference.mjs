// tools/decode_reference.mjs: reference tokenizer.decode with transformers.js for a model folder
// (tokenizer.json + tokenizer_config.json): what the fill-mask pipeline prints as token_str and
// sequence. Contract: reads JSON lines {"ids": [...], "skip_special_tokens": bool} on stdin and
// prints {"text": tokenizer.decode(ids, {skip_special_tokens})} per line, in order (the
// tokenizer's own clean_up_tokenization_spaces, true when tokenizer_config.json has none).
// usage: node tools/decode_reference.mjs ORACLE_DIR MODEL_DIR < in.jsonl
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
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  const text = tok.decode(r.ids, {skip_special_tokens: r.skip_special_tokens});
  console.log(JSON.stringify({text}));
}
