// heads/crf.h: linear-chain CRF decoding (pytorch-crf's layout and _viterbi_decode).
// Contract: a checkpoint with crf.transitions [L, L] (transitions[i][j]: score of tag i followed
// by tag j), crf.start_transitions [L] and crf.end_transitions [L] gives a Crf; none of them ->
// no CRF; only some, or a wrong L -> lightbert::Error naming the tensor. viterbi() returns the
// highest-scoring tag path of one sequence (length >= 1) exactly as pytorch-crf does: scores in
// double, ties broken towards the lowest tag index (torch.max's first maximum).
#pragma once

#include <optional>
#include <vector>

#include "formats/checkpoint.h"
#include "lightbert/config.h"

namespace lightbert::heads {

struct Crf {
  int num_tags = 0;
  std::vector<float> transitions;  // [L, L]
  std::vector<float> start;        // [L]
  std::vector<float> end;          // [L]
};

std::optional<Crf> read_crf(const formats::Checkpoint& ck, int num_tags, const ModelConfig& config);

// emissions: [length, num_tags] row-major.
std::vector<int> viterbi(const Crf& crf, const float* emissions, size_t length);

}  // namespace lightbert::heads
