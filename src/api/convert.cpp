// api/convert.cpp: lightbert::convert (lightbert/convert.h): a model folder -> one .lbt file,
// with the accuracy / size / speed report. The steps: read the folder's fp32 tensors, tokenize
// the calibration set, prune / drop layers, pack, write, verify the written checksum, then compare
// the written file against the unmodified tensors on the calibration batch.
#include "lightbert/convert.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <set>

#include <nlohmann/json.hpp>

#include "api/convert_calibration.h"
#include "formats/checkpoint.h"
#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "lightbert/tokenizer.h"
#include "models/bert.h"
#include "models/encoder_transforms.h"
#include "models/head_importance.h"
#include "models/keep_float.h"
#include "models/model_families.h"
#include "models/model_file_loader.h"
#include "ops/op_context.h"
#include "runtime/thread_pool.h"

namespace lightbert {
namespace {

using nlohmann::json;

uint64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Bytes of the folder's weights: the files its tensors come from (one file, or the shards) plus
// the index of a sharded folder.
uint64_t weights_size(const std::string& dir, const formats::Checkpoint& ck) {
  std::set<std::string> files;
  for (const std::string& name : ck.names()) files.insert(ck.get(name).file);
  uint64_t total = 0;
  if (files.size() > 1) {
    total = file_size(dir + "/model.safetensors.index.json") +
            file_size(dir + "/pytorch_model.bin.index.json");
  }
  for (const std::string& f : files) total += file_size(f);
  return total;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// Median forward times of a and b on `batch`, runs interleaved (a, b, a, b, ...) after two
// untimed calls each, so that load on a shared machine hits both alike.
std::pair<double, double> median_forward_ms(Encoder& a, Encoder& b, const SequenceBatch& batch,
                                            int runs, EncoderOutput& out_a, EncoderOutput& out_b,
                                            const std::function<void(const std::string&)>& stage) {
  for (int i = 0; i < 2; ++i) {
    a.forward(batch, out_a);
    b.forward(batch, out_b);
  }
  auto time = [&](Encoder& e, EncoderOutput& o) {
    const auto t0 = std::chrono::steady_clock::now();
    e.forward(batch, o);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<double> ta, tb;
  for (int i = 0; i < runs; ++i) {
    stage("timing before / after, run " + std::to_string(i + 1) + "/" + std::to_string(runs));
    ta.push_back(time(a, out_a));
    tb.push_back(time(b, out_b));
  }
  return {median(ta), median(tb)};
}

// The reference: the unmodified tensors behind the public Encoder interface.
class TensorEncoder final : public Encoder {
 public:
  explicit TensorEncoder(std::unique_ptr<models::BertModel> m) : m_(std::move(m)) {}
  const ModelConfig& config() const override { return m_->config(); }
  bool has_pooler() const override { return m_->has_pooler(); }
  void forward(const SequenceBatch& b, EncoderOutput& o) override { m_->forward(b, o); }

 private:
  std::unique_ptr<models::BertModel> m_;
};

// Accuracy of the model at `path` (folder or .lbt) on a labelled calibration set: the top label
// against the gold one, given as a label name or a label id.
double classification_accuracy(const std::string& path, const detail::CalibrationSet& set,
                               int threads) {
  ModelOptions mo;
  mo.threads = threads;
  std::unique_ptr<Model> model = Model::load(path, mo);
  std::unique_ptr<SequenceClassifier> clf;
  try {
    clf = std::make_unique<SequenceClassifier>(*model);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("convert: a labelled calibration set scores a "
                                      "sequence-classification head: ") + e.what());
  }
  const std::vector<std::string>& names = clf->labels();
  std::vector<std::string> gold;
  for (size_t i = 0; i < set.labels.size(); ++i) {
    const std::string& l = set.labels[i];
    if (std::find(names.begin(), names.end(), l) != names.end()) {
      gold.push_back(l);
      continue;
    }
    char* end = nullptr;
    const long id = std::strtol(l.c_str(), &end, 10);
    if (end == l.c_str() || *end != '\0' || id < 0 || id >= static_cast<long>(names.size())) {
      throw Error(ErrorCode::kInvalidArgument, "convert: label '" + l + "' of calibration line " +
                                                   std::to_string(i + 1) +
                                                   " is neither a label of the model nor a label id");
    }
    gold.push_back(names[static_cast<size_t>(id)]);
  }
  const std::vector<Classification> res = clf->classify(set.inputs, /*truncate=*/true);
  size_t right = 0;
  for (size_t i = 0; i < res.size(); ++i) right += res[i].labels.at(0).label == gold[i];
  return res.empty() ? 0.0 : static_cast<double>(right) / static_cast<double>(res.size());
}

void check_options(const ConvertOptions& o) {
  if (!o.prune_heads.empty() && o.prune_heads_ratio) {
    throw Error(ErrorCode::kInvalidArgument,
                "convert: give prune_heads (--prune-heads) or prune_heads_ratio "
                "(--prune-heads-ratio), not both");
  }
  if (o.prune_heads_ratio && !(*o.prune_heads_ratio >= 0.0 && *o.prune_heads_ratio < 1.0)) {
    throw Error(ErrorCode::kInvalidArgument, "convert: prune_heads_ratio must be in [0, 1), got " +
                                                 std::to_string(*o.prune_heads_ratio));
  }
  if (o.threads < 0 || o.threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument, "convert: threads must be in [0, " +
                                                 std::to_string(kMaxThreads) + "], got " +
                                                 std::to_string(o.threads));
  }
  if (!o.keep_float.empty() && kernels::parse_weight_dtype(o.dtype.c_str()) ==
                                   kernels::WeightDtype::kF32) {
    throw Error(ErrorCode::kInvalidArgument,
                "convert: keep_float (--keep-float) keeps Linears fp32 in a bf16 or int8 file; "
                "give dtype bf16 or int8 (--dtype), got " + o.dtype);
  }
  if (o.runs < 1 || o.runs > 1000) {
    throw Error(ErrorCode::kInvalidArgument,
                "convert: runs must be in [1, 1000], got " + std::to_string(o.runs));
  }
}

detail::CalibrationSet calibration_of(const ConvertOptions& o) {
  if (!o.calibration_file.empty() || o.calibration_texts.empty()) {
    return detail::calibration_set(o.calibration_file);
  }
  detail::CalibrationSet set;
  set.inputs = o.calibration_texts;
  return set;
}

}  // namespace

double ConvertReport::size_ratio() const {
  return size_before ? static_cast<double>(size_after) / static_cast<double>(size_before) : 0.0;
}

double ConvertReport::speedup() const {
  return forward_ms_after > 0 ? forward_ms_before / forward_ms_after : 0.0;
}

std::string ConvertReport::to_json() const {
  json pruned = json::object();
  for (const auto& [layer, heads] : pruned_heads) pruned[std::to_string(layer)] = heads;
  json j = {
      {"output", output},
      {"dtype", dtype},
      {"layout", layout},
      {"layers", layers},
      {"heads", heads},
      {"pruned_heads", pruned},
      {"kept_float", kept_float},
      {"calibration", {{"texts", calibration_texts}, {"tokens", calibration_tokens}}},
      {"cosine", {{"mean", cosine_mean}, {"min", cosine_min}}},
      {"max_abs_diff", max_abs_diff},
      {"size_bytes", {{"before", size_before}, {"after", size_after}, {"ratio", size_ratio()}}},
      {"forward_ms", {{"before", forward_ms_before}, {"after", forward_ms_after}, {"runs", runs}}},
      {"speedup", speedup()},
  };
  if (task) {
    j["task"] = {{"metric", task->metric},
                 {"examples", task->examples},
                 {"before", task->before},
                 {"after", task->after}};
  }
  return j.dump();
}

std::vector<int> parse_layer_list(const std::string& text) {
  return models::parse_layer_list(text);
}

ConvertReport convert(const std::string& dir, const std::string& out_path,
                      const ConvertOptions& options) {
  check_options(options);
  const auto stage = [&](const std::string& s) {
    if (options.on_stage) options.on_stage(s);
  };
  if (formats::is_model_file(dir)) {
    throw Error(ErrorCode::kInvalidArgument,
                dir + ": convert reads a model folder, not a .lbt model file or any other file");
  }
  formats::check_output_path(out_path);  // before the long work, not after it
  const kernels::WeightDtype dtype = kernels::parse_weight_dtype(options.dtype.c_str());
  const int threads = options.threads;
  const kernels::KernelTable& table = kernels::active_kernels();

  stage("reading " + dir);
  const ModelConfig original_config = ModelConfig::from_json_file(dir + "/config.json");
  formats::Checkpoint ck = formats::Checkpoint::open_folder(dir);
  const models::EncoderTensors original = models::read_encoder_tensors(ck, original_config);

  // Calibration batch.
  const Tokenizer tok = Tokenizer::from_folder(dir);
  EncodeOptions eo;
  eo.max_length = std::min(tok.config().model_max_length, original_config.max_input_length());
  eo.truncation = true;
  SequenceBatch calib;
  const detail::CalibrationSet set = calibration_of(options);
  for (const TextInput& t : set.inputs) {
    Encoding e = t.text_pair ? tok.encode_pair(t.text, *t.text_pair, eo) : tok.encode(t.text, eo);
    calib.add(e.input_ids, e.token_type_ids);
  }

  ModelConfig config = original_config;
  models::EncoderTensors tensors = original;
  // Names checked on the folder's own layer numbers, before any long work; the marks survive
  // head pruning and layer dropping.
  models::select_keep_float(tensors, options.keep_float, &ck);
  if (!options.prune_heads.empty()) {
    models::prune_heads(tensors, config, models::parse_head_spec(options.prune_heads));
  }
  if (!options.keep_layers.empty()) models::keep_layers(tensors, config, options.keep_layers);
  if (options.prune_heads_ratio) {
    stage("measuring head importance");
    const auto scores = models::measure_head_importance(config, tensors, calib, table, threads);
    models::prune_heads(tensors, config,
                        models::choose_heads_to_prune(scores, config, *options.prune_heads_ratio));
  }
  const std::vector<std::string> kept_float = models::kept_float_names(tensors);

  {
    stage("packing " + std::string(kernels::weight_dtype_name(dtype)) + " weights, writing " +
          out_path);
    runtime::ThreadPool pool(threads);
    ops::OpContext ctx{&table, &pool};
    const models::BertWeights packed = models::pack_encoder(tensors, ctx, dtype);
    models::save_model_file(out_path, config, models::read_model_folder_extras(dir, ck), packed,
                            table);
  }
  // What was written reads back with the data checksum it records (lightbert verify does the same).
  formats::ModelFile::open(out_path)->verify_data();

  // Accuracy and speed against the unmodified fp32 model.
  TensorEncoder before(models::BertModel::from_tensors(original_config, original, table, threads,
                                                       kernels::WeightDtype::kF32));
  EncoderOptions lo;
  lo.threads = threads;
  std::unique_ptr<Encoder> after = Encoder::load(out_path, lo);
  EncoderOutput ref, got;
  const auto [ms_before, ms_after] =
      median_forward_ms(before, *after, calib, options.runs, ref, got, stage);
  const size_t h = static_cast<size_t>(config.hidden_size);
  const size_t rows = calib.num_tokens();
  double cos_sum = 0, cos_min = 1, max_abs = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float* a = ref.last_hidden_state.data() + r * h;
    const float* b = got.last_hidden_state.data() + r * h;
    for (size_t i = 0; i < h; ++i) {
      max_abs = std::max(max_abs, std::fabs(static_cast<double>(a[i]) - b[i]));
    }
    const double c = models::row_cosine(a, b, static_cast<int64_t>(h));
    cos_sum += c;
    cos_min = std::min(cos_min, c);
  }

  ConvertReport r;
  r.output = out_path;
  r.dtype = kernels::weight_dtype_name(dtype);
  r.layout = kernels::packed_layout(table, dtype);
  r.layers = config.num_hidden_layers;
  for (int l = 0; l < config.num_hidden_layers; ++l) r.heads += config.heads_in_layer(l);
  for (const auto& [layer, heads] : config.pruned_heads) {
    r.pruned_heads[layer] = std::vector<int>(heads.begin(), heads.end());
  }
  r.kept_float = kept_float;
  r.calibration_texts = set.inputs.size();
  r.calibration_tokens = rows;
  r.cosine_mean = rows ? cos_sum / static_cast<double>(rows) : 1.0;
  r.cosine_min = cos_min;
  r.max_abs_diff = max_abs;
  r.size_before = weights_size(dir, ck);
  r.size_after = file_size(out_path);
  r.forward_ms_before = ms_before;
  r.forward_ms_after = ms_after;
  r.runs = options.runs;
  if (!set.labels.empty()) {
    stage("scoring the labelled calibration set");
    r.task = ConvertTaskScore{"accuracy", set.labels.size(),
                              classification_accuracy(dir, set, threads),
                              classification_accuracy(out_path, set, threads)};
  }
  stage("done");
  return r;
}

}  // namespace lightbert
