// models/model_source.cpp: see model_source.h.
#include "models/model_source.h"

#include "models/model_families.h"
#include "models/model_file_loader.h"

namespace lightbert::models {

ModelSource ModelSource::open(const std::string& path) {
  ModelSource s;
  s.path_ = path;
  if (formats::is_model_file(path)) {
    s.file_ = formats::ModelFile::open(path);
  } else {
    s.config_ = ModelConfig::from_json_file(path + "/config.json");  // its errors come first
    s.checkpoint_ =
        std::make_shared<const formats::Checkpoint>(formats::Checkpoint::open_folder(path));
  }
  return s;
}

std::unique_ptr<BertModel> ModelSource::load_encoder(const kernels::KernelTable& table,
                                                     int threads,
                                                     kernels::WeightDtype dtype) const {
  if (file_) {
    LoadedModelFile loaded = load_model_file(file_, table);
    auto model = std::make_unique<BertModel>(std::move(loaded.config), table, threads);
    model->set_weights(std::move(loaded.weights));
    return model;
  }
  ModelConfig config = config_;
  const formats::Checkpoint view = checkpoint_->with_prefixes(checkpoint_prefixes(config));
  EncoderTensors tensors = read_encoder_tensors(view, config);
  return BertModel::from_tensors(std::move(config), tensors, table, threads, dtype);
}

void ModelSource::extract_files(const std::string& dir) const {
  if (file_) extract_model_file_files(*file_, dir);
}

formats::Checkpoint ModelSource::head_checkpoint() const {
  if (file_) return open_model_file_checkpoint(file_);
  return checkpoint_->with_prefixes({""});
}

void ModelSource::release_pages() const noexcept {
  if (checkpoint_) checkpoint_->release_pages();
}

}  // namespace lightbert::models
