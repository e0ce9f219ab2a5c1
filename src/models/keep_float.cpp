// models/keep_float.cpp: see keep_float.h.
#include "models/keep_float.h"

#include "lightbert/error.h"

namespace lightbert::models {

const char* const kWordEmbeddings = "embeddings.word_embeddings";

bool keep_float_match(const std::string& pattern, const std::string& name) {
  size_t p = 0, n = 0;
  while (p < pattern.size() && n < name.size()) {
    if (pattern[p] == '*') {
      const size_t end = name.find('.', n);
      const size_t seg_end = end == std::string::npos ? name.size() : end;
      if (seg_end == n) return false;  // empty segment
      n = seg_end;
      ++p;
      continue;
    }
    if (pattern[p] != name[n]) return false;
    ++p;
    ++n;
  }
  return p == pattern.size() && n == name.size();
}

std::vector<LinearTensors*> encoder_linears(EncoderTensors& t) {
  std::vector<LinearTensors*> out;
  if (t.embedding_projection) out.push_back(&*t.embedding_projection);
  for (LayerTensors& l : t.layers) {
    out.push_back(&l.qkv);
    out.push_back(&l.attn_output);
    out.push_back(&l.intermediate);
    out.push_back(&l.output);
  }
  if (t.pooler) out.push_back(&*t.pooler);
  return out;
}

std::vector<std::string> select_keep_float(EncoderTensors& t,
                                           const std::vector<std::string>& patterns,
                                           const formats::Checkpoint* checkpoint) {
  const std::vector<LinearTensors*> linears = encoder_linears(t);
  for (const std::string& pat : patterns) {
    if (pat.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "keep-float: empty Linear name");
    }
    bool hit = false;
    if (keep_float_match(pat, kWordEmbeddings)) {
      t.word_embeddings_keep_float = true;
      hit = true;
    }
    for (LinearTensors* lin : linears) {
      for (const std::string& name : lin->names) {
        if (keep_float_match(pat, name)) {
          lin->keep_float = true;
          hit = true;
        }
      }
    }
    if (hit) continue;
    std::string msg = "keep-float: '" + pat + "' ";
    const auto ends_with = [&](const std::string& suffix) {
      return pat.size() > suffix.size() &&
             pat.compare(pat.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with(".weight") || ends_with(".bias")) {
      msg += "is a tensor name; give the Linear's name without .weight / .bias";
    } else if (checkpoint && (checkpoint->has(pat) || checkpoint->has(pat + ".weight"))) {
      msg += "is a tensor of the checkpoint but not a Linear the encoder packs (nor "
           "embeddings.word_embeddings)";
    } else {
      msg += "names no Linear of the encoder";
    }
    msg += " (Linear names look like";
    size_t shown = 0;
    for (LinearTensors* lin : linears) {
      for (const std::string& name : lin->names) {
        if (shown == 6) break;
        msg += (shown++ ? ", " : " ") + name;
      }
    }
    if (shown == 6) msg += ", ...";
    msg += "; '*' matches one segment, e.g. encoder.layer.*.output.dense)";
    throw Error(ErrorCode::kInvalidArgument, msg);
  }
  return kept_float_names(t);
}

std::vector<std::string> kept_float_names(EncoderTensors& t) {
  std::vector<std::string> kept;
  if (t.word_embeddings_keep_float) kept.push_back(kWordEmbeddings);
  for (LinearTensors* lin : encoder_linears(t)) {
    if (lin->keep_float) kept.insert(kept.end(), lin->names.begin(), lin->names.end());
  }
  return kept;
}

}  // namespace lightbert::models
