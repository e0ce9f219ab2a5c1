// api/model_heads.cpp: see model_heads.h.
#include "api/model_heads.h"

#include "api/head_context.h"

namespace lightbert::detail {

namespace {

// `slot`'s head, built by `make` (under the caller's lock) when it is not yet; the weight pages
// it read are then given back (the head holds its own copy).
template <typename Head, typename Make>
const Head& get(std::unique_ptr<Head>& slot, const models::ModelSource& source, Make make) {
  if (!slot) {
    slot = std::make_unique<Head>(make());
    source.release_pages();
  }
  return *slot;
}

}  // namespace

ModelHeads::ModelHeads(std::shared_ptr<const models::ModelSource> source)
    : source_(std::move(source)) {}

const formats::Checkpoint& ModelHeads::checkpoint() {
  if (!ck_) ck_ = std::make_unique<formats::Checkpoint>(source_->head_checkpoint());
  return *ck_;
}

const heads::ClassificationHead& ModelHeads::classifier(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(classifier_, *source_, [&] {
    return heads::ClassificationHead::load(checkpoint(), model.path(), model.config(),
                                           model.encoder().has_pooler(),
                                           *head_context(model).kernels);
  });
}

const heads::TokenClassificationHead& ModelHeads::token_classifier(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(token_classifier_, *source_, [&] {
    return heads::TokenClassificationHead::load(checkpoint(), model.path(), model.config(),
                                                *head_context(model).kernels);
  });
}

const heads::QaHead& ModelHeads::question_answerer(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(qa_, *source_, [&] {
    return heads::QaHead::load(checkpoint(), model.path(), model.config(),
                               *head_context(model).kernels);
  });
}

const heads::MaskedLmHead& ModelHeads::mask_filler(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(mlm_, *source_, [&] {
    return heads::MaskedLmHead::load(checkpoint(), model.path(), model.config(),
                                     *head_context(model).kernels);
  });
}

const heads::DiscriminatorHead& ModelHeads::discriminator(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(discriminator_, *source_, [&] {
    return heads::DiscriminatorHead::load(checkpoint(), model.path(), model.config(),
                                          *head_context(model).kernels);
  });
}

ModelHeads& model_heads(const Model& model) {
  return *model.heads_;
}

}  // namespace lightbert::detail
