// tests/support/head_models.h: task-head model folders for the tests, assembled at run time.
// Contract: make_head_model("ner-bio") returns a fresh temporary folder laid out as Hugging Face
// saves that model: config.json from tests/data/heads/NAME, tiny-bert's vocab.txt and
// tokenizer_config.json, and one model.safetensors holding tiny-bert's encoder tensors renamed
// "bert.*" (the pooler only for *ForSequenceClassification) plus NAME/head.safetensors' tensors
// minus those listed in `drop`. Golden records come from tests/data/heads/golden.jsonl.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightbert::testing {

std::string make_head_model(const std::string& name, const std::set<std::string>& drop = {});
std::vector<nlohmann::json> head_golden(const std::string& head);
void remove_dir(const std::string& dir);

}  // namespace lightbert::testing
