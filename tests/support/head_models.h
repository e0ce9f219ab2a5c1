// tests/support/head_models.h: task-head model folders for the tests, assembled at run time.
// Contract: make_head_model("ner-bio") returns a fresh temporary folder laid out as Hugging Face
// saves that model: config.json from tests/data/heads/NAME, tiny-bert's vocab.txt and
// tokenizer_config.json, and one model.safetensors holding tiny-bert's encoder tensors renamed
// "bert.*" (the pooler only for *ForSequenceClassification) plus NAME/head.safetensors' tensors
// minus those listed in `drop`. make_multi_head_model({"cls-single", "qa", "mlm"}) is one
// folder with several heads: the first one's config.json with every listed architecture, and
// every NAME/head.safetensors' tensors (heads whose tensor names clash, e.g. classifier.* of
// cls-* and ner-*, cannot share a folder). Golden records come from tests/data/heads/golden.jsonl.
// family_head_folder("roberta", "mlm", dir) fills `dir` (which must exist) with
// tests/data/families/roberta-mlm/{config.json, model.safetensors} and the family's test
// tokenizer (tokenizers/roberta-tiny, xlmr-tiny, albert-tiny; tiny-bert's vocab.txt and
// tokenizer_config.json for the WordPiece families) and returns `dir`.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbert::testing {

std::string make_head_model(const std::string& name, const std::set<std::string>& drop = {});
std::string make_multi_head_model(const std::vector<std::string>& names,
                                  const std::set<std::string>& drop = {});
std::vector<nlohmann::json> head_golden(const std::string& head);
// The JSON values of a JSON-lines file (blank lines skipped).
std::vector<nlohmann::json> read_jsonl(const std::string& path);
void remove_dir(const std::string& dir);
std::string family_head_folder(const std::string& family, const std::string& fixture,
                               const std::string& dir);

}  // namespace lightbert::testing
