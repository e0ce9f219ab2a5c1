// api/model_heads.cpp: see model_heads.h.
#include "api/model_heads.h"

#include "api/head_context.h"
#include "heads/head_common.h"

namespace lightbert::detail {

namespace {

// `slot`'s head, built by `make` (under the caller's lock) when it is not yet.
template <typename Head, typename Make>
const Head& get(std::unique_ptr<Head>& slot, Make make) {
  if (!slot) slot = std::make_unique<Head>(make());
  return *slot;
}

}  // namespace

const formats::Checkpoint& ModelHeads::checkpoint(const Model& model) {
  if (!ck_) {
    ck_ = std::make_unique<formats::Checkpoint>(heads::open_head_checkpoint(model.path()));
    ++opens_;
  }
  return *ck_;
}

int ModelHeads::checkpoint_opens() const {
  std::lock_guard<std::mutex> lock(mu_);
  return opens_;
}

const heads::ClassificationHead& ModelHeads::classifier(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(classifier_, [&] {
    return heads::ClassificationHead::load(checkpoint(model), model.path(), model.config(),
                                           model.encoder().has_pooler(),
                                           *head_context(model).kernels);
  });
}

const heads::TokenClassificationHead& ModelHeads::token_classifier(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(token_classifier_, [&] {
    return heads::TokenClassificationHead::load(checkpoint(model), model.path(), model.config(),
                                                *head_context(model).kernels);
  });
}

const heads::QaHead& ModelHeads::question_answerer(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(qa_, [&] {
    return heads::QaHead::load(checkpoint(model), model.path(), model.config(),
                               *head_context(model).kernels);
  });
}

const heads::MaskedLmHead& ModelHeads::mask_filler(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(mlm_, [&] {
    return heads::MaskedLmHead::load(checkpoint(model), model.path(), model.config(),
                                     *head_context(model).kernels);
  });
}

const heads::DiscriminatorHead& ModelHeads::discriminator(Model& model) {
  std::lock_guard<std::mutex> lock(mu_);
  return get(discriminator_, [&] {
    return heads::DiscriminatorHead::load(checkpoint(model), model.path(), model.config(),
                                          *head_context(model).kernels);
  });
}

ModelHeads& model_heads(const Model& model) {
  return *model.heads_;
}

}  // namespace lightbert::detail
