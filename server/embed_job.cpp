// server/embed_job.cpp: see embed_job.h.
#include "server/embed_job.h"

namespace lightbert::server {

EmbedJob::EmbedJob(std::vector<Sequence> sequences, const Model& model, Pooling pooling,
                   bool normalize)
    : BatchJob(std::move(sequences)),
      model_(model),
      size_(model.embedding_size()),
      options_{pooling, normalize},
      values_(this->sequences().size() * static_cast<size_t>(size_)) {}

void EmbedJob::consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    model_.pool(out, out_first + k, options_, values_.data() + (begin + k) * size_);
  }
}

}  // namespace lightbert::server
