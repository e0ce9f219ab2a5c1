// cli/cmd_convert.cpp: `lightbert convert IN_DIR OUT.lbt`: writes a model folder as one .lbt
// model file (docs/model-file-format.md), optionally with attention heads pruned and layers
// dropped, and reports its accuracy and speed against the original.
// Contract: options --dtype fp32|bf16|int8 (packed weight type), --prune-heads
// "L:H,H;L:H" (original indexes, applied before --keep-layers) or --prune-heads-ratio R (the
// R fraction of heads with the lowest ablation importance, models/head_importance.h, measured
// after --keep-layers on the calibration text), --keep-layers 0,2,4, --calib FILE (one text per
// line; a built-in set otherwise; a labelled set, every line "text<TAB>label" or
// "text<TAB>text_pair<TAB>label", cmd_convert_calibration.h, also gives the task score: the
// sequence-classification accuracy of the fp32 folder and of the written file, a label being a
// label name of the model or a label id), --threads N, --runs N (timed runs per model, default 5,
// interleaved, median), --json (the report as one JSON object), --help (the options and the
// importance criterion). The report compares last_hidden_state rows of the calibration batch with
// the unmodified fp32 model (cosine mean / min, max abs difference), the sizes (safetensors bytes
// before, .lbt bytes after), the forward times, and with a labelled --calib the accuracy
// ("task": metric, examples, before, after). Errors are lightbert::Error (one line on stderr,
// exit 1).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "bench_stats.h"
#include "cmd_convert_calibration.h"
#include "commands.h"
#include "formats/checkpoint.h"
#include "formats/model_file.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "lightbert/tokenizer.h"
#include "models/bert.h"
#include "models/encoder_transforms.h"
#include "models/head_importance.h"
#include "models/model_families.h"
#include "models/model_file_loader.h"
#include "progress.h"

namespace lightbert::cli {
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

// Median forward times of a and b on `batch`, runs interleaved (a, b, a, b, ...) after two
// untimed calls each, so that load on a shared machine hits both alike.
std::pair<double, double> median_forward_ms(Encoder& a, Encoder& b, const SequenceBatch& batch,
                                            int runs, EncoderOutput& out_a, EncoderOutput& out_b,
                                            Progress& progress) {
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
    progress.stage("timing before / after, run " + std::to_string(i + 1) + "/" +
                   std::to_string(runs));
    ta.push_back(time(a, out_a));
    tb.push_back(time(b, out_b));
  }
  return {summarize(ta).median, summarize(tb).median};
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
double classification_accuracy(const std::string& path, const CalibrationSet& set, int threads) {
  ModelOptions mo;
  mo.threads = threads;
  std::unique_ptr<Model> model = Model::load(path, mo);
  std::unique_ptr<SequenceClassifier> clf;
  try {
    clf = std::make_unique<SequenceClassifier>(*model);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("convert: a labelled --calib scores a sequence-classification "
                                      "head: ") + e.what());
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

json pruned_json(const ModelConfig& cfg) {
  json j = json::object();
  for (const auto& [layer, heads] : cfg.pruned_heads) j[std::to_string(layer)] = heads;
  return j;
}

constexpr const char* kHelp =
    "lightbert convert IN_DIR OUT.lbt [options]: writes the model folder as one .lbt file\n"
    "(docs/model-file-format.md) and reports accuracy, size and speed against the original.\n"
    "  --dtype fp32|bf16|int8      weight type of the dense layers (default fp32)\n"
    "  --prune-heads \"L:H,H;L:H\"   remove these heads (Hugging Face prune_heads semantics;\n"
    "                              layer/head numbers of IN_DIR; applied before --keep-layers)\n"
    "  --prune-heads-ratio R       remove the floor(R x heads) least important heads (0 <= R < "
    "1),\n"
    "                              never a layer's last one. Importance of a head = mean over the\n"
    "                              calibration tokens of 1 - cosine(final hidden state, final\n"
    "                              hidden state with that head ablated = head_mask 0); one\n"
    "                              forward per head, measured after --keep-layers\n"
    "  --keep-layers 0,2,4         keep these layers (strictly increasing), drop the others\n"
    "  --calib FILE                calibration text, one per line (default: 50 built-in\n"
    "                              English sentences); a labelled set (every line\n"
    "                              text<TAB>label or text<TAB>text_pair<TAB>label, a label\n"
    "                              name or id) also reports the classification accuracy\n"
    "                              of the original and of the written model\n"
    "  --threads N, --runs N       threads (0: all), timed runs per model (default 5)\n"
    "  --json                      the report as one JSON object\n";

}  // namespace

int run_convert(const std::vector<std::string>& argv) {
  Args args(
      argv,
      {"dtype", "prune-heads", "prune-heads-ratio", "keep-layers", "calib", "threads", "runs"},
      {"json", "help"});
  if (args.flag("help")) {
    std::cout << kHelp;
    return 0;
  }
  if (args.positional().size() != 2) {
    throw Error(ErrorCode::kInvalidArgument, "convert: expected IN_DIR OUT.lbt");
  }
  const std::string dir = hub::resolve_model_path(args.positional()[0]);
  const std::string out_path = args.positional()[1];
  if (formats::is_model_file(dir)) {
    throw Error(ErrorCode::kInvalidArgument,
                dir + ": convert reads a model folder, not a .lbt model file or any other file");
  }
  formats::check_output_path(out_path);  // before the long work, not after it
  if (args.get("prune-heads") && args.get("prune-heads-ratio")) {
    throw Error(ErrorCode::kInvalidArgument,
                "convert: give --prune-heads or --prune-heads-ratio, not both");
  }
  const std::string dtype_name = args.get_or("dtype", "fp32");
  const kernels::WeightDtype dtype = kernels::parse_weight_dtype(dtype_name.c_str());
  const int threads = args.get_int("threads", 0, 0, 1024);
  const int runs = args.get_int("runs", 5, 1, 1000);
  const kernels::KernelTable& table = kernels::active_kernels();

  Progress progress("convert");  // the current step on stderr when it is a terminal
  progress.stage("reading " + dir);
  const ModelConfig original_config = ModelConfig::from_json_file(dir + "/config.json");
  formats::Checkpoint ck = formats::Checkpoint::open_folder(dir);
  const models::EncoderTensors original = models::read_encoder_tensors(ck, original_config);

  // Calibration batch.
  const Tokenizer tok = Tokenizer::from_folder(dir);
  EncodeOptions eo;
  eo.max_length = std::min(tok.config().model_max_length, original_config.max_input_length());
  eo.truncation = true;
  SequenceBatch calib;
  const CalibrationSet set = calibration_set(args.get_or("calib", ""));
  for (const TextInput& t : set.inputs) {
    Encoding e = t.text_pair ? tok.encode_pair(t.text, *t.text_pair, eo) : tok.encode(t.text, eo);
    calib.add(e.input_ids, e.token_type_ids);
  }
  const std::vector<TextInput>& texts = set.inputs;

  ModelConfig config = original_config;
  models::EncoderTensors tensors = original;
  if (auto spec = args.get("prune-heads")) {
    models::prune_heads(tensors, config, models::parse_head_spec(*spec));
  }
  if (auto keep = args.get("keep-layers")) {
    models::keep_layers(tensors, config, models::parse_layer_list(*keep));
  }
  if (args.get("prune-heads-ratio")) {
    progress.stage("measuring head importance");
    const double ratio = args.get_double("prune-heads-ratio", 0.0);
    const auto scores = models::measure_head_importance(config, tensors, calib, table, threads);
    models::prune_heads(tensors, config, models::choose_heads_to_prune(scores, config, ratio));
  }

  {
    progress.stage("packing " + dtype_name + " weights, writing " + out_path);
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
  const auto [ms_before, ms_after] = median_forward_ms(before, *after, calib, runs, ref, got, progress);
  progress.stage("done");
  progress.finish();
  const size_t h = static_cast<size_t>(config.hidden_size);
  const size_t rows = calib.num_tokens();
  double cos_sum = 0, cos_min = 1, max_abs = 0;
  for (size_t r = 0; r < rows; ++r) {
    const float* a = ref.last_hidden_state.data() + r * h;
    const float* b = got.last_hidden_state.data() + r * h;
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < h; ++i) {
      ab += static_cast<double>(a[i]) * b[i];
      aa += static_cast<double>(a[i]) * a[i];
      bb += static_cast<double>(b[i]) * b[i];
      max_abs = std::max(max_abs, std::fabs(static_cast<double>(a[i]) - b[i]));
    }
    const double c = aa > 0 && bb > 0 ? ab / (std::sqrt(aa) * std::sqrt(bb)) : 1.0;
    cos_sum += c;
    cos_min = std::min(cos_min, c);
  }
  const uint64_t size_before = weights_size(dir, ck), size_after = file_size(out_path);
  json report = {
      {"output", out_path},
      {"dtype", kernels::weight_dtype_name(dtype)},
      {"layout", kernels::packed_layout(table, dtype)},
      {"layers", config.num_hidden_layers},
      {"heads",
       [&] {
         int n = 0;
         for (int l = 0; l < config.num_hidden_layers; ++l) n += config.heads_in_layer(l);
         return n;
       }()},
      {"pruned_heads", pruned_json(config)},
      {"calibration", {{"texts", texts.size()}, {"tokens", rows}}},
      {"cosine", {{"mean", rows ? cos_sum / static_cast<double>(rows) : 1.0}, {"min", cos_min}}},
      {"max_abs_diff", max_abs},
      {"size_bytes",
       {{"before", size_before},
        {"after", size_after},
        {"ratio", size_before ? static_cast<double>(size_after) / size_before : 0.0}}},
      {"forward_ms", {{"before", ms_before}, {"after", ms_after}, {"runs", runs}}},
      {"speedup", ms_after > 0 ? ms_before / ms_after : 0.0},
  };
  if (!set.labels.empty()) {
    report["task"] = {{"metric", "accuracy"},
                      {"examples", set.labels.size()},
                      {"before", classification_accuracy(dir, set, threads)},
                      {"after", classification_accuracy(out_path, set, threads)}};
  }
  if (args.flag("json")) {
    std::cout << report.dump() << "\n";
    return 0;
  }
  std::cout << "wrote " << out_path << " (" << kernels::weight_dtype_name(dtype) << ", "
            << config.num_hidden_layers << " layers, " << report["heads"] << " heads"
            << (config.pruned_heads.empty() ? "" : ", pruned_heads " + pruned_json(config).dump())
            << ")\n"
            << "accuracy on " << texts.size() << " calibration texts (" << rows
            << " tokens), last_hidden_state vs the fp32 original: cosine mean "
            << report["cosine"]["mean"] << ", min " << cos_min << ", max abs diff " << max_abs
            << "\n"
            << "size: " << size_before << " -> " << size_after << " bytes (ratio "
            << report["size_bytes"]["ratio"] << ")\n"
            << "forward on the calibration batch (median of " << runs << "): " << ms_before
            << " ms -> " << ms_after << " ms (speed-up " << report["speedup"] << "x)\n";
  if (report.contains("task")) {
    std::cout << "task accuracy on the " << set.labels.size()
              << " labelled calibration texts: " << report["task"]["before"] << " -> "
              << report["task"]["after"] << "\n";
  }
  return 0;
}

}  // namespace lightbert::cli
