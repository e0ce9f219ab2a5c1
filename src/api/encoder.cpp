// api/encoder.cpp: the public Encoder (lightbert/encoder.h) over models::BertModel, and
// SequenceBatch::add.
// Contract: Encoder::load uses the process-wide kernel table (kernels::active_kernels(), which
// honours LIGHTBERT_ISA) and EncoderOptions.threads (0 = all cores, negative -> Error).
// A path that is a .lbt model file (formats::is_model_file: its magic) loads from the file
// (models/model_file_loader.h): weights in the file's dtype; options.dtype must be fp32 (the
// default) or that dtype, else Error(kInvalidArgument).
// detail::head_context and detail::load_encoder (api/head_context.h) are here, where
// BertEncoder is known; Encoder::load(path) is load_encoder over a source opened for it alone.
// SequenceBatch::add keeps token_type_ids either empty (all zeros so far) or exactly as long as
// input_ids; a types vector of the wrong length throws Error(kInvalidArgument).
#include <string>

#include "api/head_context.h"
#include "formats/model_file.h"
#include "kernels/kernels.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "models/bert.h"
#include "models/model_source.h"

namespace lightbert {

void SequenceBatch::add(const std::vector<int32_t>& ids, const std::vector<int32_t>& types) {
  if (!types.empty() && types.size() != ids.size()) {
    throw Error(ErrorCode::kInvalidArgument, "SequenceBatch::add: sequence " +
                                                 std::to_string(lengths.size()) + " has " +
                                                 std::to_string(ids.size()) + " ids but " +
                                                 std::to_string(types.size()) + " token types");
  }
  if (!types.empty() && token_type_ids.empty()) token_type_ids.assign(input_ids.size(), 0);
  input_ids.insert(input_ids.end(), ids.begin(), ids.end());
  if (!types.empty()) {
    token_type_ids.insert(token_type_ids.end(), types.begin(), types.end());
  } else if (!token_type_ids.empty()) {
    token_type_ids.resize(input_ids.size(), 0);
  }
  lengths.push_back(static_cast<int32_t>(ids.size()));
}

namespace {

class BertEncoder final : public Encoder {
 public:
  explicit BertEncoder(std::unique_ptr<models::BertModel> model) : model_(std::move(model)) {}
  const ModelConfig& config() const override { return model_->config(); }
  bool has_pooler() const override { return model_->has_pooler(); }
  void forward(const SequenceBatch& batch, EncoderOutput& out) override {
    model_->forward(batch, out);
  }
  const ops::OpContext& context() const { return model_->context(); }

 private:
  std::unique_ptr<models::BertModel> model_;
};

}  // namespace

namespace detail {

const ops::OpContext& head_context(Model& model) {
  if (const auto* e = dynamic_cast<const BertEncoder*>(&model.encoder())) return e->context();
  throw Error(ErrorCode::kInternal, model.path() + ": the model's encoder is not lightbert's own "
                                                   "(Model::load makes every one), no context "
                                                   "for its heads");
}

}  // namespace detail

std::unique_ptr<Encoder> detail::load_encoder(const models::ModelSource& source,
                                              const EncoderOptions& options) {
  const kernels::KernelTable& table = kernels::active_kernels();
  const kernels::WeightDtype dtype = kernels::parse_weight_dtype(options.dtype.c_str());
  std::unique_ptr<models::BertModel> model = source.load_encoder(table, options.threads, dtype);
  if (source.is_model_file() && dtype != kernels::WeightDtype::kF32 && dtype != model->dtype()) {
    throw Error(ErrorCode::kInvalidArgument, source.path() + ": the model file holds " +
                                                 kernels::weight_dtype_name(model->dtype()) +
                                                 " weights; dtype " + options.dtype +
                                                 " cannot be chosen at load");
  }
  return std::make_unique<BertEncoder>(std::move(model));
}

std::unique_ptr<Encoder> Encoder::load(const std::string& path, const EncoderOptions& options) {
  kernels::parse_weight_dtype(options.dtype.c_str());  // a bad dtype fails before any file work
  return detail::load_encoder(models::ModelSource::open(path), options);
}

}  // namespace lightbert
