// api/task_encode.h: tokenization + one padding-free forward pass for the task heads.
// Contract: encode_for_task() tokenizes every input with the model's tokenizer (pairs when
// text_pair is set), checks its length against model.max_length() (truncating to it when
// `truncate`), runs the batch and returns the encodings. Every input-caused error is
// lightbert::Error whose message starts with "input I: " (I: the 0-based index), which the CLI
// rewrites as "stdin line N: ".
#pragma once

#include <vector>

#include "lightbert/encoder.h"
#include "lightbert/model.h"

namespace lightbert::detail {

std::vector<Encoding> encode_for_task(Model& model, const std::vector<TextInput>& inputs,
                                      bool truncate, EncoderOutput& out);
// Runs already-made encodings (each within model.max_length()).
void forward_encodings(Model& model, const std::vector<Encoding>& encodings, EncoderOutput& out);

}  // namespace lightbert::detail
