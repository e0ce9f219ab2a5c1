// models/keep_float.h: which of an encoder's Linears a bf16 / int8 conversion keeps in fp32
// (`lightbert convert --keep-float`, ConvertOptions::keep_float), like ONNX Runtime's
// quantize_dynamic(nodes_to_exclude=...) or NNCF's ignored_scope.
// Contract: a pattern is a Linear's checkpoint name without ".weight" and without the family's
// base-model prefix ("encoder.layer.5.output.dense"); `*` matches one dot-free name segment
// ("encoder.layer.*.output.dense"). Each packed product (LinearTensors) is kept fp32 when any
// of its names matches a pattern; Q, K and V are one stacked product, so naming any of them
// keeps all three. "embeddings.word_embeddings" (the one non-Linear name) keeps the word
// embedding table fp32 where int8 would store it as int8 rows. select_keep_float throws
// lightbert::Error(kInvalidArgument) for an empty pattern and for one that matches nothing
// (saying whether the name is a tensor of the checkpoint that is not a packed Linear, and
// listing some Linears' names), and returns the marked names in encoder order. Marks survive
// head pruning and layer dropping. pack_encoder (bert_weights.h) reads the marks.
#pragma once

#include <string>
#include <vector>

#include "formats/checkpoint.h"
#include "models/encoder_tensors.h"

namespace lightbert::models {

// True when `name` matches `pattern` (`*` = one dot-free, non-empty segment).
bool keep_float_match(const std::string& pattern, const std::string& name);

// Every packed Linear of `t`, in encoder order (embedding projection, layers, pooler).
std::vector<LinearTensors*> encoder_linears(EncoderTensors& t);

// Sets keep_float on each Linear of `t` matching a pattern (and word_embeddings_keep_float) (see the contract); `checkpoint`, when
// given, tells a non-Linear tensor name apart from an unknown one in the error.
std::vector<std::string> select_keep_float(EncoderTensors& t,
                                           const std::vector<std::string>& patterns,
                                           const formats::Checkpoint* checkpoint = nullptr);

// The names marked keep_float: the word embeddings first, then the Linears in encoder order
// (e.g. after layer dropping).
std::vector<std::string> kept_float_names(EncoderTensors& t);

}  // namespace lightbert::models
