// models/pooling.h: sentence-embedding pooling over an encoder output (padding-free layout).
// Contract: pool() writes hidden_size floats for one sequence: the mean of its token rows
// (all real tokens, specials included, as sentence-transformers does), the [CLS] row, or the
// element-wise max. l2_normalize() divides by max(norm, 1e-12) like torch.nn.functional.normalize.
#pragma once

#include <cstddef>

#include "lightbert/types.h"

namespace lightbert::models {

void pool(const EncoderOutput& out, size_t sequence, Pooling pooling, float* dst);
void l2_normalize(float* v, size_t n);

}  // namespace lightbert::models
