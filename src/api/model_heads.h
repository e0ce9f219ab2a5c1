// api/model_heads.h: the task heads a Model owns (issue 14 item 2).
// Contract: model_heads(model) is the Model's one ModelHeads (made by Model::load over the
// ModelSource it opened: models/model_source.h). Each accessor builds its head on first use from
// that source's head_checkpoint(), the same mapping the encoder was read from (the weights are
// opened once per Model, not once per head; their resident pages are given back after each
// build), and keeps the head for the Model's life, so every task object of a Model (tasks.h:
// SequenceClassifier, ..., the server's, the CLI's, Python's) shares one copy of the head's
// packed weights; the head reads its weights for
// the model's kernel table (head_context). A head the folder lacks throws what its load() throws
// (lightbert::Error naming the tensor or the task and architectures), at every call; nothing is
// kept then. Thread-safe: the accessors take a mutex; the heads are immutable once built. The
// returned references stay valid while the Model lives.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "formats/checkpoint.h"
#include "heads/classification.h"
#include "heads/discriminator.h"
#include "heads/fill_mask.h"
#include "heads/question_answering.h"
#include "heads/token_classification.h"
#include "lightbert/model.h"
#include "models/model_source.h"

namespace lightbert::detail {

class ModelHeads {
 public:
  explicit ModelHeads(std::shared_ptr<const models::ModelSource> source);

  // `model`: the Model that owns this (model_heads() passes it; nothing keeps a reference).
  const heads::ClassificationHead& classifier(Model& model);
  const heads::TokenClassificationHead& token_classifier(Model& model);
  const heads::QaHead& question_answerer(Model& model);
  const heads::MaskedLmHead& mask_filler(Model& model);
  const heads::DiscriminatorHead& discriminator(Model& model);

 private:
  const formats::Checkpoint& checkpoint();  // under mu_

  mutable std::mutex mu_;
  std::shared_ptr<const models::ModelSource> source_;
  std::unique_ptr<formats::Checkpoint> ck_;
  std::unique_ptr<heads::ClassificationHead> classifier_;
  std::unique_ptr<heads::TokenClassificationHead> token_classifier_;
  std::unique_ptr<heads::QaHead> qa_;
  std::unique_ptr<heads::MaskedLmHead> mlm_;
  std::unique_ptr<heads::DiscriminatorHead> discriminator_;
};

ModelHeads& model_heads(const Model& model);

}  // namespace lightbert::detail
