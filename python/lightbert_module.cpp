// python/lightbert_module.cpp: the `lightbert` Python module (pybind11).
// Contract: lightbert.Model(path, threads=None) loads a model folder (or ORG/NAME from the
// Hugging Face cache); encode() returns float32 numpy embeddings ([dim] for one string,
// [n, dim] for a list), tokenize() returns dicts like the CLI's. The GIL is released while
// tokenizing and computing. Every lightbert::Error becomes lightbert.Error (a RuntimeError
// subclass) carrying the engine's message; wrong Python types raise TypeError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "heads/pooling.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "lightbert/version.h"

namespace py = pybind11;

namespace {

using lightbert::TextInput;

// str -> one input; list/tuple of str (or of (text, pair) tuples) -> many.
std::vector<TextInput> to_inputs(const py::handle& texts, bool* single) {
  std::vector<TextInput> out;
  *single = py::isinstance<py::str>(texts);
  if (*single) {
    out.push_back({texts.cast<std::string>(), std::nullopt});
    return out;
  }
  if (!py::isinstance<py::sequence>(texts)) {
    throw py::type_error("texts must be a str or a list of str / (text, text_pair) tuples");
  }
  for (const py::handle& item : texts) {
    if (py::isinstance<py::str>(item)) {
      out.push_back({item.cast<std::string>(), std::nullopt});
    } else if (py::isinstance<py::tuple>(item) && py::len(item) == 2) {
      auto t = item.cast<py::tuple>();
      out.push_back({t[0].cast<std::string>(), t[1].cast<std::string>()});
    } else {
      throw py::type_error("each text must be a str or a (text, text_pair) tuple");
    }
  }
  return out;
}

class PyModel {
 public:
  PyModel(const std::string& path, std::optional<int> threads) {
    lightbert::ModelOptions o;
    o.threads = threads.value_or(0);
    if (o.threads < 0)
      throw lightbert::Error(lightbert::ErrorCode::kInvalidArgument, "threads must be >= 0");
    const std::string resolved = lightbert::hub::resolve_model_path(path);
    py::gil_scoped_release release;
    model_ = lightbert::Model::load(resolved, o);
  }

  py::array_t<float> encode(const py::handle& texts, int batch_size, std::optional<bool> normalize,
                            std::optional<std::string> pooling, bool truncate) {
    if (batch_size < 1)
      throw lightbert::Error(lightbert::ErrorCode::kInvalidArgument, "batch_size must be >= 1");
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    lightbert::EmbeddingOptions eo = model_->default_embedding();
    if (normalize) eo.normalize = *normalize;
    if (pooling) eo.pooling = lightbert::parse_pooling(*pooling);
    const size_t dim = static_cast<size_t>(model_->config().hidden_size);
    std::vector<float> result(inputs.size() * dim);
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);  // one forward at a time per model
      lightbert::EncoderOutput out;
      for (size_t b = 0; b < inputs.size(); b += static_cast<size_t>(batch_size)) {
        const size_t e = std::min(inputs.size(), b + static_cast<size_t>(batch_size));
        std::vector<TextInput> chunk(inputs.begin() + b, inputs.begin() + e);
        model_->encode(chunk, truncate, out);
        for (size_t i = 0; i < chunk.size(); ++i) {
          float* dst = result.data() + (b + i) * dim;
          lightbert::heads::pool(out, i, eo.pooling, dst);
          if (eo.normalize) lightbert::heads::l2_normalize(dst, dim);
        }
      }
    }
    if (single) {
      py::array_t<float> a(static_cast<py::ssize_t>(dim));
      std::copy(result.begin(), result.end(), a.mutable_data());
      return a;
    }
    py::array_t<float> a({static_cast<py::ssize_t>(inputs.size()), static_cast<py::ssize_t>(dim)});
    std::copy(result.begin(), result.end(), a.mutable_data());
    return a;
  }

  py::object tokenize(const py::handle& texts, std::optional<int> max_length) {
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    lightbert::EncodeOptions opts;
    opts.max_length = max_length.value_or(model_->max_length());
    std::vector<lightbert::Encoding> enc(inputs.size());
    {
      py::gil_scoped_release release;
      const lightbert::Tokenizer& tok = model_->tokenizer();
      for (size_t i = 0; i < inputs.size(); ++i) {
        enc[i] = inputs[i].text_pair ? tok.encode_pair(inputs[i].text, *inputs[i].text_pair, opts)
                                     : tok.encode(inputs[i].text, opts);
      }
    }
    py::list out;
    for (const auto& e : enc) {
      py::dict d;
      d["input_ids"] = e.input_ids;
      d["token_type_ids"] = e.token_type_ids;
      d["attention_mask"] = e.attention_mask;
      d["tokens"] = e.tokens;
      d["offsets"] = e.offsets;
      out.append(d);
    }
    return single ? out[0] : py::object(out);
  }

  int dim() const { return model_->config().hidden_size; }
  int max_length() const { return model_->max_length(); }
  std::string path() const { return model_->path(); }

 private:
  std::unique_ptr<lightbert::Model> model_;
  std::mutex mutex_;
};

}  // namespace

PYBIND11_MODULE(lightbert, m) {
  m.doc() = "lightbert: fast, lightweight BERT inference on the CPU";
  static py::exception<lightbert::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lightbert::Error& e) {
      error(e.what());
    }
  });
  m.attr("__version__") = lightbert::version();
  m.def("version", &lightbert::version_string, "version, kernel ISA and cores");
  py::class_<PyModel>(m, "Model")
      .def(py::init<const std::string&, std::optional<int>>(), py::arg("path"),
           py::arg("threads") = py::none())
      .def("encode", &PyModel::encode, py::arg("texts"), py::arg("batch_size") = 32,
           py::arg("normalize") = py::none(), py::arg("pooling") = py::none(),
           py::arg("truncate") = true,
           "Sentence embeddings: float32 [dim] for a str, [n, dim] for a list. Pooling and "
           "normalisation default to the folder's sentence-transformers settings.")
      .def("tokenize", &PyModel::tokenize, py::arg("texts"), py::arg("max_length") = py::none())
      .def_property_readonly("dim", &PyModel::dim)
      .def_property_readonly("max_length", &PyModel::max_length)
      .def_property_readonly("path", &PyModel::path);
}
