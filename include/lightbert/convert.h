// lightbert/convert.h: the conversion pipeline as library API: a Hugging Face model folder in,
// one .lbt model file out (docs/model-file-format.md), optionally with attention heads pruned,
// layers dropped and the dense weights packed as bf16 or int8, with a report of what it cost.
// Contract: convert(dir, out, options) reads the folder (config.json, the checkpoint, the
// tokenizer; a .lbt file or any other file as `dir` is kInvalidArgument), checks `out` before the
// long work (an existing `out` that is not a regular file is refused), applies prune_heads
// ("L:H,H;L:H", original layer/head numbers, Hugging Face prune_heads semantics) before
// keep_layers (strictly increasing layer numbers), or prunes the floor(prune_heads_ratio x heads)
// heads of lowest ablation importance measured on the calibration batch (never a layer's last
// head; prune_heads and prune_heads_ratio together are kInvalidArgument), packs the weights
// (dtype "fp32", "bf16" or "int8"; with bf16 / int8, the Linears named by keep_float stay fp32,
// their float master weights: see below), writes the file through a fresh temporary file renamed into
// place, reads it back verifying its data checksum, and returns the report: last_hidden_state of
// the calibration batch against the unmodified fp32 model (cosine mean / min, max abs diff), the
// sizes (weights before, file after), the median forward times (runs interleaved) and, for a
// labelled calibration set, the sequence-classification accuracy of the folder and of the file.
// Calibration: calibration_file (one text per line; every line "text<TAB>label" or
// "text<TAB>text_pair<TAB>label" makes a labelled set, a label being a label name or id of the
// model), else calibration_texts, else 50 built-in English sentences. on_stage, when set, is
// called with each step's description ("packing int8 weights, writing OUT").
// keep_float: encoder Linear names as in the checkpoint without the family's base-model prefix
// ("encoder.layer.5.output.dense"; `*` matches one dot-free segment: "encoder.layer.*.output.
// dense"); naming any of query / key / value keeps the stacked QKV product float;
// "embeddings.word_embeddings" keeps an int8 file's word table fp32. Names are the folder's
// (before keep_layers). A name that
// matches no Linear (unknown, or a tensor that is not a Linear, e.g. a LayerNorm), an empty name,
// or keep_float with dtype fp32 is kInvalidArgument before anything is written; the report's
// kept_float lists the Linears kept fp32 (after layer dropping). Errors are
// lightbert::Error with the code and a message naming the file, option or line.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/types.h"

namespace lightbert {

struct ConvertOptions {
  std::string dtype = "fp32";                // fp32 | bf16 | int8
  std::string prune_heads;                   // "L:H,H;L:H"; empty: none
  std::optional<double> prune_heads_ratio;   // 0 <= R < 1
  std::vector<int> keep_layers;              // empty: all
  std::vector<std::string> keep_float;       // Linears stored fp32 (bf16 / int8 only)
  std::string calibration_file;              // see the contract
  std::vector<TextInput> calibration_texts;  // used when calibration_file is empty
  int threads = 0;                           // 0: all cores
  int runs = 5;                              // timed forward runs per model, >= 1
  std::function<void(const std::string&)> on_stage;
};

struct ConvertTaskScore {
  std::string metric;  // "accuracy"
  size_t examples = 0;
  double before = 0, after = 0;
};

struct ConvertReport {
  std::string output;
  std::string dtype;   // fp32 | bf16 | int8
  std::string layout;  // the packed layout of the active kernel table
  int layers = 0;
  int heads = 0;                                // heads left, all layers
  std::map<int, std::vector<int>> pruned_heads;  // layer -> original head numbers
  std::vector<std::string> kept_float;           // Linears stored fp32 (ConvertOptions)
  size_t calibration_texts = 0, calibration_tokens = 0;
  double cosine_mean = 1, cosine_min = 1, max_abs_diff = 0;
  uint64_t size_before = 0, size_after = 0;  // bytes
  double forward_ms_before = 0, forward_ms_after = 0;
  int runs = 0;
  std::optional<ConvertTaskScore> task;  // with a labelled calibration set

  double size_ratio() const;
  double speedup() const;
  // One JSON object: the fields above, nested as `lightbert convert --json` prints them.
  std::string to_json() const;
};

ConvertReport convert(const std::string& model_dir, const std::string& out_path,
                      const ConvertOptions& options = {});

// "0,2,4" -> {0, 2, 4}; kInvalidArgument naming the text when it is not a list of integers.
std::vector<int> parse_layer_list(const std::string& text);

}  // namespace lightbert
