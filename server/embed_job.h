// server/embed_job.h: the batcher job of the embedding endpoints.
// Contract: an EmbedJob holds tokenized inputs; consume() pools each sequence's rows
// (mean/cls/max, heads/pooling.h) and L2-normalises them when asked, so once the job is done,
// embedding(i) is input i's vector of hidden_size floats, in input order.
#pragma once

#include <vector>

#include "lightbert/model.h"
#include "server/batcher.h"

namespace lightbert::server {

class EmbedJob : public BatchJob {
 public:
  EmbedJob(std::vector<Sequence> sequences, int hidden_size, Pooling pooling, bool normalize);

  void consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) override;
  const float* embedding(size_t i) const { return values_.data() + i * hidden_size_; }
  int hidden_size() const { return hidden_size_; }

 private:
  int hidden_size_;
  Pooling pooling_;
  bool normalize_;
  std::vector<float> values_;  // [num_sequences, hidden_size]
};

}  // namespace lightbert::server
