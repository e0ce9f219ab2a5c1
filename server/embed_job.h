// server/embed_job.h: the batcher job of the embedding endpoints.
// Contract: an EmbedJob holds tokenized inputs; consume() makes each sequence's sentence
// embedding with Model::pool (mean/cls/max pooling, the folder's sentence-transformers Dense
// modules, L2 normalisation when asked), so once the job is done, embedding(i) is input i's
// vector of model.embedding_size() floats, in input order. The model must outlive the job.
#pragma once

#include <vector>

#include "lightbert/model.h"
#include "server/batcher.h"

namespace lightbert::server {

class EmbedJob : public BatchJob {
 public:
  EmbedJob(std::vector<Sequence> sequences, const Model& model, Pooling pooling, bool normalize);

  void consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) override;
  const float* embedding(size_t i) const { return values_.data() + i * size_; }
  int size() const { return size_; }  // floats per embedding

 private:
  const Model& model_;
  int size_;
  EmbeddingOptions options_;
  std::vector<float> values_;  // [num_sequences, size]
};

}  // namespace lightbert::server
