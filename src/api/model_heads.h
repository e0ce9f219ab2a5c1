// api/model_heads.h: the task heads a Model owns (issue 14 item 2).
// Contract: model_heads(model) is the Model's one ModelHeads (made by Model::load). Each
// accessor builds its head on first use from the model's checkpoint, opened once for all its
// heads (heads/head_common.h, open_head_checkpoint(model.path())), and keeps it for the Model's
// life, so every task object of a Model (tasks.h: SequenceClassifier, ..., the server's, the
// CLI's, Python's) shares one copy of the head's packed weights; the head reads its weights for
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

namespace lightbert::detail {

class ModelHeads {
 public:
  // `model`: the Model that owns this (model_heads() passes it; nothing keeps a reference).
  const heads::ClassificationHead& classifier(Model& model);
  const heads::TokenClassificationHead& token_classifier(Model& model);
  const heads::QaHead& question_answerer(Model& model);
  const heads::MaskedLmHead& mask_filler(Model& model);
  const heads::DiscriminatorHead& discriminator(Model& model);
  // How many times the checkpoint was opened (0 before the first head, then 1; tests).
  int checkpoint_opens() const;

 private:
  const formats::Checkpoint& checkpoint(const Model& model);  // under mu_

  mutable std::mutex mu_;
  std::unique_ptr<formats::Checkpoint> ck_;
  int opens_ = 0;
  std::unique_ptr<heads::ClassificationHead> classifier_;
  std::unique_ptr<heads::TokenClassificationHead> token_classifier_;
  std::unique_ptr<heads::QaHead> qa_;
  std::unique_ptr<heads::MaskedLmHead> mlm_;
  std::unique_ptr<heads::DiscriminatorHead> discriminator_;
};

ModelHeads& model_heads(const Model& model);

}  // namespace lightbert::detail
