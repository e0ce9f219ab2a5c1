// tests/unit/model_heads_test.cpp: the Model owns its task heads (api/model_heads.h, issue 14
// item 2): on a folder with three heads, every task object of one Model uses the same head (one
// copy of its weights, built on first use), the checkpoint is opened once for all of them, a head
// the folder lacks still throws at construction (as before) without opening it again, and the
// answers equal those of a fresh Model's.
#include <gtest/gtest.h>

#include "api/model_heads.h"
#include "lightbert/error.h"
#include "lightbert/tasks.h"
#include "support/head_models.h"

namespace lightbert::testing {
namespace {

TEST(ModelHeads, OneCheckpointOpenAndOneCopyOfEachHeadPerModel) {
  const std::string dir = make_multi_head_model({"cls-single", "qa", "mlm"});
  auto model = Model::load(dir);
  detail::ModelHeads& heads = detail::model_heads(*model);
  EXPECT_EQ(heads.checkpoint_opens(), 0);  // nothing built at load
  SequenceClassifier a(*model);
  EXPECT_EQ(heads.checkpoint_opens(), 1);
  QuestionAnswerer qa(*model);
  MaskFiller mlm(*model);
  SequenceClassifier b(*model);
  EXPECT_EQ(heads.checkpoint_opens(), 1);
  EXPECT_EQ(&heads.classifier(*model), &heads.classifier(*model));
  EXPECT_EQ(&heads.mask_filler(*model), &heads.mask_filler(*model));
  EXPECT_THROW(TokenClassifier t(*model), Error);  // no token-classification head
  EXPECT_THROW(ReplacedTokenDetector r(*model), Error);
  EXPECT_EQ(heads.checkpoint_opens(), 1);

  const std::vector<TextInput> in = {{"a fine day", std::nullopt}, {"rain again", "yes"}};
  const auto ra = a.classify(in, false), rb = b.classify(in, false);
  auto fresh = Model::load(dir);
  const auto rf = SequenceClassifier(*fresh).classify(in, false);
  ASSERT_EQ(ra.size(), 2u);
  for (size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].logits, rb[i].logits);
    EXPECT_EQ(ra[i].logits, rf[i].logits);
  }
  EXPECT_EQ(mlm.fill({"the [MASK] house"}, 3, false)[0].predictions[0][0].token,
            MaskFiller(*fresh).fill({"the [MASK] house"}, 3, false)[0].predictions[0][0].token);
  EXPECT_EQ(qa.answer("what?", "the house is red").answers[0].answer,
            QuestionAnswerer(*fresh).answer("what?", "the house is red").answers[0].answer);
  remove_dir(dir);
}

}  // namespace
}  // namespace lightbert::testing
