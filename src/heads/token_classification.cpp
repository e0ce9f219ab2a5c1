// heads/token_classification.cpp: see token_classification.h.
#include "heads/token_classification.h"

#include <algorithm>
#include <cmath>

#include "lightbert/error.h"

namespace lightbert::heads {

namespace {

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

size_t argmax(const float* v, size_t n) {
  return static_cast<size_t>(std::max_element(v, v + n) - v);  // first maximum, as numpy
}

struct PreEntity {
  std::string word;
  const float* scores;  // [L] softmax
  int tag;              // argmax or Viterbi
  int32_t start, end, index;
  bool is_subword;
};

// get_tag(): ("B", tag) / ("I", tag) for B-/I- prefixes, else ("I", whole name).
std::pair<char, std::string> get_tag(const std::string& name) {
  if (name.compare(0, 2, "B-") == 0) return {'B', name.substr(2)};
  if (name.compare(0, 2, "I-") == 0) return {'I', name.substr(2)};
  return {'I', name};
}

Entity group_sub_entities(const Tokenizer& tokenizer, const std::vector<Entity>& group) {
  Entity e;
  const std::string& first = group.front().entity;
  const size_t dash = first.find('-');
  e.entity = dash == std::string::npos ? first : first.substr(dash + 1);
  double s = 0.0;
  std::vector<std::string> words;
  for (const Entity& x : group) {
    s += x.score;
    words.push_back(x.word);
  }
  e.score = static_cast<float>(s / static_cast<double>(group.size()));
  e.word = tokenizer.convert_tokens_to_string(words);
  e.start = group.front().start;
  e.end = group.back().end;
  return e;
}

std::vector<Entity> group_entities(const Tokenizer& tokenizer,
                                   const std::vector<Entity>& entities) {
  std::vector<Entity> groups, current;
  for (const Entity& e : entities) {
    if (current.empty()) {
      current.push_back(e);
      continue;
    }
    const auto [bi, tag] = get_tag(e.entity);
    const auto last = get_tag(current.back().entity);
    if (tag == last.second && bi != 'B') {
      current.push_back(e);
    } else {
      groups.push_back(group_sub_entities(tokenizer, current));
      current = {e};
    }
  }
  if (!current.empty()) groups.push_back(group_sub_entities(tokenizer, current));
  return groups;
}

Entity aggregate_word(const TokenClassificationHead& head, const Tokenizer& tokenizer,
                      const std::vector<PreEntity>& word, Aggregation aggregation) {
  const size_t l = head.labels.size();
  Entity e;
  std::vector<std::string> tokens;
  for (const PreEntity& p : word) tokens.push_back(p.word);
  e.word = tokenizer.convert_tokens_to_string(tokens);
  e.start = word.front().start;
  e.end = word.back().end;
  int tag = 0;
  if (aggregation == Aggregation::kFirst) {
    tag = word.front().tag;
    e.score = word.front().scores[tag];
  } else if (aggregation == Aggregation::kMax) {
    const PreEntity* best = &word.front();
    float best_max = *std::max_element(best->scores, best->scores + l);
    for (const PreEntity& p : word) {
      const float m = *std::max_element(p.scores, p.scores + l);
      if (m > best_max) {  // Python's max(): the first of equal maxima
        best_max = m;
        best = &p;
      }
    }
    tag = static_cast<int>(argmax(best->scores, l));
    e.score = best->scores[tag];
  } else {  // average
    std::vector<double> avg(l, 0.0);
    for (const PreEntity& p : word) {
      for (size_t j = 0; j < l; ++j) avg[j] += p.scores[j];
    }
    std::vector<float> avgf(l);
    for (size_t j = 0; j < l; ++j) avgf[j] = static_cast<float>(avg[j] / word.size());
    tag = static_cast<int>(argmax(avgf.data(), l));
    e.score = avgf[tag];
  }
  e.entity = head.labels[static_cast<size_t>(tag)];
  return e;
}

}  // namespace

TokenClassificationHead TokenClassificationHead::load(const formats::Checkpoint& ck,
                                                      const std::string& dir,
                                                      const ModelConfig& config,
                                                      const kernels::KernelTable& table) {
  const std::string task = "token classification";
  require_task(dir, config, task, {"ForTokenClassification"});
  TokenClassificationHead h;
  h.classifier = read_linear(ck, head_family(dir, config, task).token_classifier, -1,
                             config.hidden_size, task, config, table);
  h.crf = read_crf(ck, h.classifier.out, config);
  for (int i = 0; i < h.classifier.out; ++i) h.labels.push_back(label_name(config, i));
  return h;
}

void TokenClassificationHead::logits(const ops::OpContext& ctx, const float* hidden, size_t tokens,
                                     float* out) const {
  const auto n = static_cast<int64_t>(tokens);
  classifier.apply(ctx, tensor::ConstMatrixView{hidden, n, classifier.in, classifier.in},
                   tensor::MatrixView{out, n, classifier.out, classifier.out});
}

void TokenClassificationHead::tags(const float* logits, size_t tokens,
                                   std::vector<int>& tags) const {
  const size_t l = static_cast<size_t>(classifier.out);
  if (crf) {
    tags = viterbi(*crf, logits, tokens);
    return;
  }
  tags.resize(tokens);
  for (size_t t = 0; t < tokens; ++t) tags[t] = static_cast<int>(argmax(logits + t * l, l));
}

std::vector<Entity> entities(const TokenClassificationHead& head, const Tokenizer& tokenizer,
                             const std::string& text, const Encoding& encoding,
                             const std::vector<float>& logits, const std::vector<int>& tags,
                             Aggregation aggregation) {
  if (head.crf && (aggregation == Aggregation::kMax || aggregation == Aggregation::kAverage)) {
    throw Error(ErrorCode::kInvalidArgument, std::string("aggregation '") +
                                                 aggregation_name(aggregation) +
                                                 "' is not defined with a CRF; use none, simple "
                                                 "or first");
  }
  const size_t l = head.labels.size(), n = encoding.size();
  std::vector<float> scores(n * l);
  for (size_t t = 0; t < n; ++t) softmax(logits.data() + t * l, l, scores.data() + t * l);
  const std::vector<size_t> cp = code_point_offsets(text);
  const size_t ncp = cp.size() - 1;
  // gather_pre_entities
  std::vector<PreEntity> pre;
  for (size_t t = 0; t < n; ++t) {
    if (encoding.sequence_ids[t] < 0) continue;  // special_tokens_mask
    const size_t b = std::min<size_t>(static_cast<size_t>(encoding.offsets[t].first), ncp);
    const size_t e = std::min<size_t>(static_cast<size_t>(encoding.offsets[t].second), ncp);
    const std::string word_ref = text.substr(cp[b], cp[std::max(b, e)] - cp[b]);
    PreEntity p;
    p.word = tokenizer.id_to_token(encoding.input_ids[t]);
    if (tokenizer.model_kind() == TokenizerModelKind::kWordPiece) {
      p.is_subword = code_points(p.word) != code_points(word_ref);
    } else {  // no continuing_subword_prefix: a token glued to the previous text is a sub-word
      const size_t s0 = static_cast<size_t>(encoding.offsets[t].first);
      p.is_subword =
          s0 > 0 && s0 <= ncp && text[cp[s0 - 1]] != ' ' && (s0 == ncp || text[cp[s0]] != ' ');
    }
    if (encoding.input_ids[t] == tokenizer.unk_id()) {
      p.word = word_ref;
      p.is_subword = false;
    }
    p.scores = scores.data() + t * l;
    p.tag = tags[t];
    p.start = encoding.offsets[t].first;
    p.end = encoding.offsets[t].second;
    p.index = static_cast<int32_t>(t);
    pre.push_back(std::move(p));
  }
  // aggregate
  std::vector<Entity> out;
  if (aggregation == Aggregation::kNone || aggregation == Aggregation::kSimple) {
    for (const PreEntity& p : pre) {
      Entity e;
      e.entity = head.labels[static_cast<size_t>(p.tag)];
      e.score = p.scores[p.tag];
      e.word = p.word;
      e.start = p.start;
      e.end = p.end;
      e.index = p.index;
      out.push_back(std::move(e));
    }
  } else {
    std::vector<PreEntity> word;
    for (const PreEntity& p : pre) {
      if (!word.empty() && !p.is_subword) {
        out.push_back(aggregate_word(head, tokenizer, word, aggregation));
        word.clear();
      }
      word.push_back(p);
    }
    if (!word.empty()) out.push_back(aggregate_word(head, tokenizer, word, aggregation));
  }
  if (aggregation != Aggregation::kNone) out = group_entities(tokenizer, out);
  out.erase(std::remove_if(out.begin(), out.end(), [](const Entity& e) { return e.entity == "O"; }),
            out.end());
  return out;
}

}  // namespace lightbert::heads
