// api/model.cpp: Model = tokenizer + encoder + embedding settings of one folder (model.h).
#include "lightbert/model.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <utility>

#include "api/dense_stack.h"
#include "api/head_context.h"
#include "api/model_heads.h"
#include "formats/model_file.h"
#include "models/pooling.h"
#include "models/sentence_transformers.h"
#include "lightbert/error.h"
#include "kernels/kernels.h"
#include "models/model_file_loader.h"
#include "models/model_source.h"

namespace lightbert {

const char* pooling_name(Pooling pooling) noexcept {
  switch (pooling) {
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kMax:
      return "max";
  }
  return "?";
}

Pooling parse_pooling(const std::string& name) {
  if (name == "mean") return Pooling::kMean;
  if (name == "cls") return Pooling::kCls;
  if (name == "max") return Pooling::kMax;
  throw Error(ErrorCode::kInvalidArgument, "pooling must be mean, cls or max, got '" + name + "'");
}

namespace {

// A private temporary folder, removed with everything in it when the object goes.
struct TempDir {
  std::string path;
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/lightbert-model-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw Error(ErrorCode::kIo, tmpl + ": cannot create a temporary folder");
    }
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// `e` with the temporary folder the files of .lbt `file` were extracted to replaced by the
// file's name: "TMP/vocab.txt: ..." becomes "FILE: embedded vocab.txt: ...".
Error embedded_file_error(const Error& e, const std::string& tmp, const std::string& file) {
  std::string msg = e.what();
  for (const auto& [from, to] : {std::pair<std::string, std::string>{tmp + "/", file + ": embedded "},
                                 {tmp, file}}) {
    for (size_t at = msg.find(from); at != std::string::npos; at = msg.find(from, at + to.size())) {
      msg.replace(at, from.size(), to);
    }
  }
  return Error(e.code(), msg);
}

}  // namespace

Tokenizer load_tokenizer(const std::string& path) {
  if (!formats::is_model_file(path)) return Tokenizer::from_folder(path);
  TempDir dir;
  try {
    models::extract_model_file_files(path, dir.path);
    return Tokenizer::from_folder(dir.path);
  } catch (const Error& e) {
    throw embedded_file_error(e, dir.path, path);
  }
}

// A .lbt model file: its embedded small files (tokenizer, sentence-transformers) are written
// to a private temporary folder that the folder readers read, then removed before returning.
std::unique_ptr<Model> Model::load(const std::string& path, const ModelOptions& options) {
  std::unique_ptr<Model> m(new Model());
  m->path_ = path;
  EncoderOptions eo;
  eo.threads = options.threads;
  eo.dtype = options.dtype;
  kernels::parse_weight_dtype(eo.dtype.c_str());  // a bad dtype fails before any file work
  // The path is opened once: the encoder, the embedded files and the heads all read this.
  auto source = std::make_shared<const models::ModelSource>(models::ModelSource::open(path));
  m->encoder_ = detail::load_encoder(*source, eo);
  source->release_pages();  // the encoder holds its packed copy of a folder's weights
  m->heads_ = std::make_shared<detail::ModelHeads>(source);
  std::optional<TempDir> extracted;
  std::string folder = path;
  try {  // errors about the extracted files name the .lbt file, not the temporary folder
    if (source->is_model_file()) {
      extracted.emplace();
      source->extract_files(extracted->path);
      folder = extracted->path;
    }
    m->tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_folder(folder));
    const ModelConfig& cfg = m->encoder_->config();
    if (m->tokenizer_->vocab_size() > static_cast<size_t>(cfg.vocab_size)) {
      throw Error(ErrorCode::kFormat, path + ": the tokenizer has " +
                                          std::to_string(m->tokenizer_->vocab_size()) +
                                          " tokens but config.json field 'vocab_size' is " +
                                          std::to_string(cfg.vocab_size));
    }
    m->max_length_ = std::min(m->tokenizer_->config().model_max_length, cfg.max_input_length());
    if (auto st = models::read_sentence_transformers(folder)) {
      m->is_sentence_transformer_ = true;
      m->default_embedding_ = st->embedding;
      if (st->max_seq_length > 0) m->max_length_ = std::min(m->max_length_, st->max_seq_length);
      if (!st->dense.empty() && st->dense.front().in_features != cfg.hidden_size) {
        throw Error(ErrorCode::kFormat, path +
                                            ": the first sentence-transformers Dense module's "
                                            "config.json field 'in_features' is " +
                                            std::to_string(st->dense.front().in_features) +
                                            " but the encoder's hidden_size is " +
                                            std::to_string(cfg.hidden_size));
      }
      m->dense_ = std::move(st->dense);
      if (!m->dense_.empty()) {
        m->dense_packed_ =
            std::make_shared<detail::DenseStack>(m->dense_, *detail::head_context(*m).kernels);
      }
    }
  } catch (const Error& e) {
    if (!extracted) throw;
    throw embedded_file_error(e, extracted->path, path);
  }
  if (options.max_length < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "ModelOptions::max_length must be >= 0, got " + std::to_string(options.max_length));
  }
  if (options.max_length > 0) m->max_length_ = std::min(m->max_length_, options.max_length);
  return m;
}

int Model::embedding_size() const {
  return dense_.empty() ? config().hidden_size : dense_.back().out_features;
}

void Model::pool(const EncoderOutput& out, size_t seq, const EmbeddingOptions& options,
                 float* dst) const {
  if (dense_.empty()) {
    models::pool(out, seq, options.pooling, dst);
  } else {
    std::vector<float> x(static_cast<size_t>(out.hidden_size));
    models::pool(out, seq, options.pooling, x.data());
    dense_packed_->apply(x.data(), dst);
  }
  if (options.normalize) models::l2_normalize(dst, static_cast<size_t>(embedding_size()));
}

void Model::encode(const std::vector<TextInput>& inputs, bool truncate, EncoderOutput& out,
                   std::vector<Encoding>* encodings) {
  if (inputs.empty()) throw Error(ErrorCode::kInvalidArgument, "encode: no inputs");
  EncodeOptions opts;
  opts.max_length = max_length_;
  opts.truncation = truncate;
  batch_.clear();
  if (encodings != nullptr) encodings->clear();
  for (size_t i = 0; i < inputs.size(); ++i) {
    Encoding e = inputs[i].text_pair
                     ? tokenizer_->encode_pair(inputs[i].text, *inputs[i].text_pair, opts)
                     : tokenizer_->encode(inputs[i].text, opts);
    if (static_cast<int>(e.size()) > max_length_) {
      throw Error(ErrorCode::kOutOfRange,
                  "input " + std::to_string(i) + " has " + std::to_string(e.size()) +
                      " tokens, more than the model's maximum of " + std::to_string(max_length_) +
                      " (ask for truncation)");
    }
    batch_.add(e.input_ids, e.token_type_ids);
    if (encodings != nullptr) encodings->push_back(std::move(e));
  }
  encoder_->forward(batch_, out);
}

std::vector<std::vector<float>> Model::embed(const std::vector<TextInput>& inputs,
                                             const EmbeddingOptions& options, bool truncate) {
  EncoderOutput out;
  encode(inputs, truncate, out);
  std::vector<std::vector<float>> result(inputs.size(),
                                         std::vector<float>(static_cast<size_t>(embedding_size())));
  for (size_t i = 0; i < inputs.size(); ++i) pool(out, i, options, result[i].data());
  return result;
}

}  // namespace lightbert
