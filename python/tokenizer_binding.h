// python/tokenizer_binding.h: lightbert.Tokenizer, the Python face of lightbert::Tokenizer
// (included once, by lightbert_module.cpp).
// Contract: lightbert.Tokenizer(path) loads a model folder's tokenizer (Tokenizer::from_folder);
// Model.tokenizer gives the loaded model's own (it keeps the Model alive). The methods follow
// Hugging Face's PreTrainedTokenizerFast: encode(text, text_pair=None, max_length=None,
// truncation=True, add_special_tokens=True) -> dict of input_ids, token_type_ids,
// attention_mask, tokens, offsets (code points); decode(ids, skip_special_tokens=False,
// clean_up_tokenization_spaces=None) -> str; batch_decode(sequences, ...) -> list of str;
// convert_ids_to_tokens(int | ids, skip_special_tokens=False) -> str | list of str;
// convert_tokens_to_string(tokens) -> str; token_to_id(str) -> int or None; id_to_token(int) ->
// str or None; vocab_size and len(). ids may be any sequence of ints (lists, numpy arrays); an
// id outside the vocabulary raises lightbert.Error naming its position (Hugging Face drops it
// silently), a non-integer raises TypeError.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/error.h"
#include "lightbert/tokenizer.h"

namespace lightbert_python {

namespace py = pybind11;

// An Encoding as the dict encode() / Model.tokenize() return.
inline py::dict encoding_dict(const lightbert::Encoding& e) {
  py::dict d;
  d["input_ids"] = e.input_ids;
  d["token_type_ids"] = e.token_type_ids;
  d["attention_mask"] = e.attention_mask;
  d["tokens"] = e.tokens;
  d["offsets"] = e.offsets;
  return d;
}

class PyTokenizer {
 public:
  explicit PyTokenizer(const std::string& path) {
    py::gil_scoped_release release;
    owned_ = std::make_shared<const lightbert::Tokenizer>(lightbert::Tokenizer::from_folder(path));
    tok_ = owned_.get();
  }
  // A view of a tokenizer that Python object `owner` (the Model) holds alive.
  static PyTokenizer view(const lightbert::Tokenizer& tok, py::object owner) {
    PyTokenizer t(&tok);
    t.owner_ = std::move(owner);
    return t;
  }

  py::dict encode(const std::string& text, std::optional<std::string> text_pair,
                  std::optional<int> max_length, bool truncation, bool add_special_tokens) const {
    lightbert::EncodeOptions o;
    o.max_length = max_length.value_or(-1);
    o.truncation = truncation;
    o.add_special_tokens = add_special_tokens;
    lightbert::Encoding e;
    {
      py::gil_scoped_release release;
      e = text_pair ? tok_->encode_pair(text, *text_pair, o) : tok_->encode(text, o);
    }
    return encoding_dict(e);
  }

  std::string decode(const py::handle& ids, bool skip, std::optional<bool> clean_up) const {
    return tok_->decode(to_ids(ids), skip, clean_up);
  }

  std::vector<std::string> batch_decode(const py::handle& sequences, bool skip,
                                        std::optional<bool> clean_up) const {
    if (!py::isinstance<py::sequence>(sequences) && !py::hasattr(sequences, "__iter__")) {
      throw py::type_error("sequences must be a sequence of id sequences");
    }
    std::vector<std::string> out;
    for (const py::handle& s : sequences) out.push_back(decode(s, skip, clean_up));
    return out;
  }

  py::object convert_ids_to_tokens(const py::handle& ids, bool skip) const {
    if (is_int(ids)) return py::str(tok_->id_to_token(checked_id(ids, 0)));
    return py::cast(tok_->convert_ids_to_tokens(to_ids(ids), skip));
  }

  std::string convert_tokens_to_string(const std::vector<std::string>& tokens) const {
    return tok_->convert_tokens_to_string(tokens);
  }

  std::optional<int32_t> token_to_id(const std::string& token) const {
    const int32_t id = tok_->token_to_id(token);
    return id < 0 ? std::nullopt : std::optional<int32_t>(id);
  }

  std::optional<std::string> id_to_token(int64_t id) const {
    if (id < 0 || static_cast<uint64_t>(id) >= tok_->vocab_size()) return std::nullopt;
    return tok_->id_to_token(static_cast<int32_t>(id));
  }

  size_t vocab_size() const { return tok_->vocab_size(); }

 private:
  explicit PyTokenizer(const lightbert::Tokenizer* tok) : tok_(tok) {}

  static bool is_int(const py::handle& h) {
    return py::isinstance<py::int_>(h) || (py::hasattr(h, "__index__") && !py::isinstance<py::str>(h) &&
                                           !py::isinstance<py::sequence>(h) &&
                                           !py::hasattr(h, "__len__"));
  }

  int32_t checked_id(const py::handle& h, size_t i) const {
    if (!is_int(h)) {
      throw py::type_error("ids[" + std::to_string(i) + "] must be an int, not " +
                           std::string(py::str(py::type::of(h).attr("__name__"))));
    }
    const long long v = py::int_(h.attr("__index__")()).cast<long long>();
    if (v < 0 || static_cast<unsigned long long>(v) >= tok_->vocab_size()) {
      throw lightbert::Error(lightbert::ErrorCode::kInvalidArgument,
                             "ids[" + std::to_string(i) + "] = " + std::to_string(v) +
                                 " is outside the vocabulary [0, " +
                                 std::to_string(tok_->vocab_size()) + ")");
    }
    return static_cast<int32_t>(v);
  }

  std::vector<int32_t> to_ids(const py::handle& ids) const {
    if (is_int(ids)) return {checked_id(ids, 0)};  // transformers accepts a single id too
    if (py::isinstance<py::str>(ids) || !py::hasattr(ids, "__iter__")) {
      throw py::type_error("ids must be an int or a sequence of ints");
    }
    std::vector<int32_t> out;
    size_t i = 0;
    for (const py::handle& h : ids) out.push_back(checked_id(h, i++));
    return out;
  }

  std::shared_ptr<const lightbert::Tokenizer> owned_;
  py::object owner_;  // keeps the owner of *tok_ alive when not owned_
  const lightbert::Tokenizer* tok_ = nullptr;
};

inline void bind_tokenizer(py::module_& m) {
  py::class_<PyTokenizer>(m, "Tokenizer",
                          "A model folder's tokenizer (WordPiece, byte-level BPE or SentencePiece), "
                          "to the id as Hugging Face's fast tokenizers")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def("encode", &PyTokenizer::encode, py::arg("text"), py::arg("text_pair") = py::none(),
           py::arg("max_length") = py::none(), py::arg("truncation") = true,
           py::arg("add_special_tokens") = true,
           "input_ids, token_type_ids, attention_mask, tokens and offsets (code points)")
      .def("decode", &PyTokenizer::decode, py::arg("ids"), py::arg("skip_special_tokens") = false,
           py::arg("clean_up_tokenization_spaces") = py::none(),
           "Text of the ids, as tokenizer.decode in transformers")
      .def("batch_decode", &PyTokenizer::batch_decode, py::arg("sequences"),
           py::arg("skip_special_tokens") = false,
           py::arg("clean_up_tokenization_spaces") = py::none())
      .def("convert_ids_to_tokens", &PyTokenizer::convert_ids_to_tokens, py::arg("ids"),
           py::arg("skip_special_tokens") = false)
      .def("convert_tokens_to_string", &PyTokenizer::convert_tokens_to_string, py::arg("tokens"))
      .def("token_to_id", &PyTokenizer::token_to_id, py::arg("token"))
      .def("id_to_token", &PyTokenizer::id_to_token, py::arg("id"))
      .def_property_readonly("vocab_size", &PyTokenizer::vocab_size)
      .def("__len__", &PyTokenizer::vocab_size);
}

}  // namespace lightbert_python
