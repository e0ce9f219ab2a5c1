// tests/unit/model_heads_test.cpp: the Model owns its task heads (api/model_heads.h, issue 14
// item 2): on a folder with three heads, every task object of one Model uses the same head (one
// copy of its weights, built on first use), and the answers equal those of a fresh Model's. The
// weights are opened once per Model (models/model_source.h): heads built after the folder's
// weights file, or the whole .lbt file, was moved away still load from the Model's one open
// (a head that re-opened the path would fail with kNotFound), and a head the folder lacks still
// throws at construction. The weights' mapping holds no resident pages after load and after each
// head is built (MappedFile::release_pages; /proc/self/smaps).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "api/model_heads.h"
#include "lightbert/convert.h"
#include "lightbert/error.h"
#include "lightbert/tasks.h"
#include "support/head_models.h"
#include "support/test_paths.h"

namespace lightbert::testing {
namespace {

// Resident kB of the mappings of `path` in this process (-1 when it is not mapped).
long resident_kb(const std::string& path) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  long total = -1;
  bool in_file = false;
  while (std::getline(smaps, line)) {
    const bool header = !line.empty() && line.find(':') != std::string::npos &&
                        line.find(' ') < line.find(':') && line.find('-') < line.find(' ');
    if (header) {
      in_file = line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0;
      if (in_file && total < 0) total = 0;
    } else if (in_file && line.rfind("Rss:", 0) == 0) {
      std::istringstream fields(line.substr(4));
      long kb = 0;
      fields >> kb;
      total += kb;
    }
  }
  return total;
}

const std::vector<TextInput> kInputs = {{"a fine day", std::nullopt}, {"rain again", "yes"}};

struct Answers {
  std::vector<Classification> classes;
  std::string filled, answer;
};

Answers answers(Model& model) {
  Answers a;
  a.classes = SequenceClassifier(model).classify(kInputs, false);
  a.filled = MaskFiller(model).fill({"the [MASK] house"}, 3, false)[0].predictions[0][0].token;
  a.answer = QuestionAnswerer(model).answer("what?", "the house is red").answers[0].answer;
  return a;
}

void expect_same(const Answers& a, const Answers& b) {
  ASSERT_EQ(a.classes.size(), 2u);
  ASSERT_EQ(b.classes.size(), 2u);
  for (size_t i = 0; i < a.classes.size(); ++i) EXPECT_EQ(a.classes[i].logits, b.classes[i].logits);
  EXPECT_EQ(a.filled, b.filled);
  EXPECT_EQ(a.answer, b.answer);
}

TEST(ModelHeads, OneCopyOfEachHeadPerModel) {
  const std::string dir = make_multi_head_model({"cls-single", "qa", "mlm"});
  auto model = Model::load(dir);
  detail::ModelHeads& heads = detail::model_heads(*model);
  SequenceClassifier a(*model);
  QuestionAnswerer qa(*model);
  MaskFiller mlm(*model);
  SequenceClassifier b(*model);
  EXPECT_EQ(&heads.classifier(*model), &heads.classifier(*model));
  EXPECT_EQ(&heads.mask_filler(*model), &heads.mask_filler(*model));
  EXPECT_THROW(TokenClassifier t(*model), Error);  // no token-classification head
  EXPECT_THROW(ReplacedTokenDetector r(*model), Error);

  const auto ra = a.classify(kInputs, false), rb = b.classify(kInputs, false);
  auto fresh = Model::load(dir);
  const auto rf = SequenceClassifier(*fresh).classify(kInputs, false);
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

TEST(ModelHeads, HeadsReadTheWeightsTheModelOpenedOnce) {
  const std::string dir = make_multi_head_model({"cls-single", "qa", "mlm"});
  const std::string weights = dir + "/model.safetensors";
  auto reference = Model::load(dir);
  const Answers want = answers(*reference);
  auto model = Model::load(dir);
  // The encoder packed its copy: the mapping kept for the heads holds no resident pages.
  EXPECT_EQ(resident_kb(weights), 0);

  const std::string moved = dir + "/moved.away";
  ASSERT_EQ(std::rename(weights.c_str(), moved.c_str()), 0);
  try {
    (void)Model::load(dir);
    ADD_FAILURE() << "the folder has no weights now; a new Model must not load";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound) << e.what();
  }
  expect_same(answers(*model), want);  // every head built now, from the weights opened at load
  EXPECT_EQ(resident_kb(moved), 0);    // and their pages given back after each build
  EXPECT_THROW(TokenClassifier t(*model), Error);
  remove_dir(dir);
}

TEST(ModelHeads, ModelFileIsOpenedOnceForEncoderFilesAndHeads) {
  const std::string dir = make_multi_head_model({"cls-single", "qa", "mlm"});
  const std::string lbt = make_temp_dir("model-heads-lbt") + "/m.lbt";
  convert(dir, lbt, ConvertOptions{});
  auto reference = Model::load(lbt);
  const Answers want = answers(*reference);
  auto model = Model::load(lbt);
  ASSERT_EQ(std::remove(lbt.c_str()), 0);
  expect_same(answers(*model), want);  // every head built after the file was deleted
  remove_dir(dir);
}
}  // namespace
}  // namespace lightbert::testing
