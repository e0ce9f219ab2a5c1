// api/task_encode.cpp: see task_encode.h.
#include "api/task_encode.h"

#include <string>

#include "lightbert/error.h"

namespace lightbert::detail {

std::vector<Encoding> encode_for_task(Model& model, const std::vector<TextInput>& inputs,
                                      bool truncate, EncoderOutput& out) {
  if (inputs.empty()) throw Error(ErrorCode::kInvalidArgument, "no inputs");
  EncodeOptions opts;
  opts.max_length = model.max_length();
  opts.truncation = truncate;
  std::vector<Encoding> encodings;
  encodings.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string where = "input " + std::to_string(i) + ": ";
    try {
      encodings.push_back(inputs[i].text_pair ? model.tokenizer().encode_pair(
                                                    inputs[i].text, *inputs[i].text_pair, opts)
                                              : model.tokenizer().encode(inputs[i].text, opts));
    } catch (const Error& e) {
      throw Error(e.code(), where + e.what());
    }
    if (static_cast<int>(encodings.back().size()) > model.max_length()) {
      throw Error(ErrorCode::kOutOfRange, where + std::to_string(encodings.back().size()) +
                                              " tokens, more than the model's maximum of " +
                                              std::to_string(model.max_length()) +
                                              " (ask for truncation)");
    }
  }
  forward_encodings(model, encodings, out);
  return encodings;
}

void forward_encodings(Model& model, const std::vector<Encoding>& encodings, EncoderOutput& out) {
  SequenceBatch batch;
  for (const Encoding& e : encodings) batch.add(e.input_ids, e.token_type_ids);
  model.encoder().forward(batch, out);
}

}  // namespace lightbert::detail
