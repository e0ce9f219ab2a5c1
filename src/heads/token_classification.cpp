// heads/token_classification.cpp: see token_classification.h.
#include "heads/token_classification.h"

#include <algorithm>
#include <cmath>

#include "heads/text_decode.h"
#include "heads/wordpiece_decode.h"
#include "lightbert/error.h"

namespace lightbert::heads {

namespace {

// Byte offset of every code point of valid UTF-8 `s`, plus s.size() at the end.
std::vector<size_t> code_point_bytes(const std::string& s) {
  std::vector<size_t> pos;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) pos.push_back(i);
  }
  pos.push_back(s.size());
  return pos;
}

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

// GPT-2's byte-level alphabet: the byte each printable code point stands for (tokenizers'
// ByteLevel), -1 for code points outside it.
int byte_of(uint32_t cp) {
  if ((cp >= 33 && cp <= 126) || (cp >= 161 && cp <= 172) || (cp >= 174 && cp <= 255)) {
    return static_cast<int>(cp);
  }
  if (cp >= 256 && cp < 256 + 68) {  // the other 68 bytes, in order, from U+0100
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      if (printable) continue;
      if (n == static_cast<int>(cp - 256)) return b;
      ++n;
    }
  }
  return -1;
}

// Code points of valid UTF-8 `s`.
std::vector<uint32_t> decode_utf8(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    out.push_back(cp);
    i += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace

std::string tokens_to_string(WordDecoder decoder, const std::vector<std::string>& tokens) {
  if (decoder == WordDecoder::kWordPiece) return decode_tokens(tokens);
  std::string out;
  if (decoder == WordDecoder::kByteLevel) {
    for (const std::string& t : tokens) {
      std::string bytes;
      bool all = true;
      for (uint32_t cp : decode_utf8(t)) {
        const int b = byte_of(cp);
        if (b < 0) {
          all = false;
          break;
        }
        bytes += static_cast<char>(b);
      }
      out += all ? bytes : t;  // a character outside the alphabet: the token's own bytes
    }
    // A word that cuts a character's bytes (byte-fallback tokens) decodes as Python's
    // bytes.decode("utf-8", errors="replace"): U+FFFD, never invalid UTF-8 in the JSON.
    return utf8_lossy(out);
  }
  static const std::string kMeta = "\xE2\x96\x81";  // U+2581
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string t;
    for (size_t k = 0; k < tokens[i].size();) {
      if (tokens[i].compare(k, kMeta.size(), kMeta) == 0) {
        t += ' ';
        k += kMeta.size();
      } else {
        t += tokens[i][k++];
      }
    }
    if (i == 0 && !t.empty() && t[0] == ' ') t.erase(0, 1);
    out += t;
  }
  return out;
}

namespace {

Entity group_sub_entities(WordDecoder decoder, const std::vector<Entity>& group) {
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
  e.word = tokens_to_string(decoder, words);
  e.start = group.front().start;
  e.end = group.back().end;
  return e;
}

std::vector<Entity> group_entities(WordDecoder decoder, const std::vector<Entity>& entities) {
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
      groups.push_back(group_sub_entities(decoder, current));
      current = {e};
    }
  }
  if (!current.empty()) groups.push_back(group_sub_entities(decoder, current));
  return groups;
}

Entity aggregate_word(const TokenClassificationHead& head, const std::vector<PreEntity>& word,
                      Aggregation aggregation) {
  const size_t l = head.labels.size();
  Entity e;
  std::vector<std::string> tokens;
  for (const PreEntity& p : word) tokens.push_back(p.word);
  e.word = tokens_to_string(head.decoder, tokens);
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

TokenClassificationHead TokenClassificationHead::load(const std::string& dir,
                                                      const ModelConfig& config,
                                                      TokenizerModelKind tokenizer) {
  const std::string task = "token classification";
  require_task(dir, config, task, {"ForTokenClassification"});
  formats::Checkpoint ck = open_head_checkpoint(dir);
  TokenClassificationHead h;
  h.classifier = read_linear(ck, "classifier", -1, config.hidden_size, task, config);
  h.decoder = tokenizer == TokenizerModelKind::kByteLevelBpe    ? WordDecoder::kByteLevel
              : tokenizer == TokenizerModelKind::kSentencePiece ? WordDecoder::kMetaspace
                                                                : WordDecoder::kWordPiece;
  h.crf = read_crf(ck, h.classifier.out, config);
  for (int i = 0; i < h.classifier.out; ++i) h.labels.push_back(label_name(config, i));
  return h;
}

void TokenClassificationHead::run(const float* hidden, size_t tokens, float* logits,
                                  std::vector<int>& tags) const {
  const size_t l = static_cast<size_t>(classifier.out), hs = static_cast<size_t>(classifier.in);
  for (size_t t = 0; t < tokens; ++t) classifier.apply(hidden + t * hs, logits + t * l);
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
  const std::vector<size_t> cp = code_point_bytes(text);
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
    if (head.decoder == WordDecoder::kWordPiece) {
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
        out.push_back(aggregate_word(head, word, aggregation));
        word.clear();
      }
      word.push_back(p);
    }
    if (!word.empty()) out.push_back(aggregate_word(head, word, aggregation));
  }
  if (aggregation != Aggregation::kNone) out = group_entities(head.decoder, out);
  out.erase(std::remove_if(out.begin(), out.end(), [](const Entity& e) { return e.entity == "O"; }),
            out.end());
  return out;
}

}  // namespace lightbert::heads
