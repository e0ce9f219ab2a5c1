// cli/cmd_convert.cpp: `lightbert convert IN_DIR OUT.lbt`: the command-line face of
// lightbert::convert (lightbert/convert.h): writes a model folder as one .lbt model file
// (docs/model-file-format.md), optionally with attention heads pruned and layers dropped, and
// reports its accuracy and speed against the original.
// Contract: IN_DIR is a folder or a repo id in the cache (hub::resolve_model_path); options
// --dtype fp32|bf16|int8, --prune-heads "L:H,H;L:H", --prune-heads-ratio R, --keep-layers 0,2,4,
// --keep-float NAME,NAME (ConvertOptions::keep_float),
// --calib FILE (plain or labelled, as ConvertOptions::calibration_file), --threads N, --runs N
// (default 5), --json (the report as one JSON object, ConvertReport::to_json), --help (the
// options and the importance criterion). The steps show on stderr's progress line when it is a
// terminal. Errors are lightbert::Error (one line on stderr, exit 1).
#include <iostream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "commands.h"
#include "lightbert/convert.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "progress.h"

namespace lightbert::cli {
namespace {

using nlohmann::json;

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
    "  --keep-float NAMES          with --dtype bf16|int8: keep these Linears fp32 (their\n"
    "                              float master weights), e.g. encoder.layer.5.output.dense,\n"
    "                              encoder.layer.*.intermediate.dense (comma-separated\n"
    "                              checkpoint names without the model prefix; '*' = one name\n"
    "                              segment; query, key or value keeps the stacked QKV float;\n"
    "                              embeddings.word_embeddings keeps int8's word table fp32)\n"
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
      {"dtype", "prune-heads", "prune-heads-ratio", "keep-layers", "keep-float", "calib", "threads",
       "runs"},
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
  ConvertOptions o;
  o.dtype = args.get_or("dtype", "fp32");
  o.prune_heads = args.get_or("prune-heads", "");
  if (args.get("prune-heads") && o.prune_heads.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "convert: --prune-heads needs a spec \"L:H,H;L:H\"");
  }
  if (args.get("prune-heads-ratio")) o.prune_heads_ratio = args.get_double("prune-heads-ratio", 0.0);
  if (auto keep = args.get("keep-layers")) o.keep_layers = parse_layer_list(*keep);
  if (auto names = args.get("keep-float")) {
    size_t start = 0;
    while (true) {  // "a,b,c" -> {a, b, c}; an empty item is refused by convert
      const size_t comma = names->find(',', start);
      o.keep_float.push_back(names->substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  o.calibration_file = args.get_or("calib", "");
  o.threads = args.get_int("threads", 0, 0, 1024);
  o.runs = args.get_int("runs", 5, 1, 1000);
  Progress progress("convert");  // the current step on stderr when it is a terminal
  o.on_stage = [&](const std::string& s) { progress.stage(s); };
  const ConvertReport r = convert(dir, out_path, o);
  progress.finish();
  if (args.flag("json")) {
    std::cout << r.to_json() << "\n";
    return 0;
  }
  const json report = json::parse(r.to_json());
  std::cout << "wrote " << out_path << " (" << r.dtype << ", " << r.layers << " layers, "
            << r.heads << " heads"
            << (r.pruned_heads.empty() ? "" : ", pruned_heads " + report["pruned_heads"].dump())
            << (r.kept_float.empty() ? "" : ", kept fp32: " + report["kept_float"].dump())
            << ")\n"
            << "accuracy on " << r.calibration_texts << " calibration texts ("
            << r.calibration_tokens << " tokens), last_hidden_state vs the fp32 original: cosine mean "
            << report["cosine"]["mean"] << ", min " << r.cosine_min << ", max abs diff "
            << r.max_abs_diff << "\n"
            << "size: " << r.size_before << " -> " << r.size_after << " bytes (ratio "
            << report["size_bytes"]["ratio"] << ")\n"
            << "forward on the calibration batch (median of " << r.runs << "): "
            << r.forward_ms_before << " ms -> " << r.forward_ms_after << " ms (speed-up "
            << report["speedup"] << "x)\n";
  if (r.task) {
    std::cout << "task accuracy on the " << r.task->examples
              << " labelled calibration texts: " << report["task"]["before"] << " -> "
              << report["task"]["after"] << "\n";
  }
  return 0;
}

}  // namespace lightbert::cli
