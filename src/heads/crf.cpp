// heads/crf.cpp: see crf.h.
#include "heads/crf.h"

#include "heads/head_common.h"
#include "lightbert/error.h"

namespace lightbert::heads {

std::optional<Crf> read_crf(const formats::Checkpoint& ck, int num_tags,
                            const ModelConfig& config) {
  const char* names[] = {"crf.transitions", "crf.start_transitions", "crf.end_transitions"};
  int present = 0;
  for (const char* n : names) present += ck.has(n) ? 1 : 0;
  if (present == 0) return std::nullopt;
  Crf c;
  c.num_tags = num_tags;
  const int64_t l = num_tags;
  std::vector<int64_t> ts{l, l}, ss{l}, es{l};
  c.transitions = read_head_tensor(ck, names[0], ts, "CRF", config);
  c.start = read_head_tensor(ck, names[1], ss, "CRF", config);
  c.end = read_head_tensor(ck, names[2], es, "CRF", config);
  return c;
}

std::vector<int> viterbi(const Crf& crf, const float* emissions, size_t length) {
  if (length == 0) throw Error(ErrorCode::kInvalidArgument, "viterbi: empty sequence");
  const size_t l = static_cast<size_t>(crf.num_tags);
  std::vector<double> score(l), next(l);
  std::vector<int> history((length - 1) * l);
  for (size_t j = 0; j < l; ++j) score[j] = static_cast<double>(crf.start[j]) + emissions[j];
  for (size_t t = 1; t < length; ++t) {
    const float* em = emissions + t * l;
    int* hist = history.data() + (t - 1) * l;
    for (size_t j = 0; j < l; ++j) {
      // max over the previous tag i of score[i] + transitions[i][j]; first maximum wins.
      double best = score[0] + crf.transitions[j];
      int arg = 0;
      for (size_t i = 1; i < l; ++i) {
        const double v = score[i] + crf.transitions[i * l + j];
        if (v > best) {
          best = v;
          arg = static_cast<int>(i);
        }
      }
      next[j] = best + em[j];
      hist[j] = arg;
    }
    score.swap(next);
  }
  int last = 0;
  for (size_t j = 0; j < l; ++j) {
    score[j] += crf.end[j];
    if (score[j] > score[last]) last = static_cast<int>(j);
  }
  std::vector<int> tags(length);
  tags[length - 1] = last;
  for (size_t t = length - 1; t > 0; --t) {
    last = history[(t - 1) * l + static_cast<size_t>(last)];
    tags[t - 1] = last;
  }
  return tags;
}

}  // namespace lightbert::heads
