// server/embed_job.cpp: see embed_job.h.
#include "server/embed_job.h"

#include "heads/pooling.h"

namespace lightbert::server {

EmbedJob::EmbedJob(std::vector<Sequence> sequences, int hidden_size, Pooling pooling,
                   bool normalize)
    : BatchJob(std::move(sequences)),
      hidden_size_(hidden_size),
      pooling_(pooling),
      normalize_(normalize),
      values_(this->sequences().size() * static_cast<size_t>(hidden_size)) {}

void EmbedJob::consume(const EncoderOutput& out, size_t out_first, size_t begin, size_t count) {
  for (size_t k = 0; k < count; ++k) {
    float* dst = values_.data() + (begin + k) * hidden_size_;
    heads::pool(out, out_first + k, pooling_, dst);
    if (normalize_) heads::l2_normalize(dst, static_cast<size_t>(hidden_size_));
  }
}

}  // namespace lightbert::server
