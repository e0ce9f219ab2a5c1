// python/lightbert_module.cpp: the compiled module lightbert._lightbert (pybind11), re-exported by
// the `lightbert` package (python/lightbert/__init__.py, which wraps Model.encode in the
// sentence-transformers signature).
// Contract: lightbert.Model(path, threads=None, dtype="fp32") loads a model folder, a .lbt model
// file, or ORG/NAME from the Hugging Face cache, with the dense layers in fp32, bf16 or int8;
// encode() returns float32 numpy embeddings ([dim] for one string, [n, dim] for a list), tokenize()
// returns dicts like the CLI's; classify / ner / qa / fill_mask / replaced_tokens run the task
// heads (lightbert/tasks.h) and return what Hugging Face's pipelines return (replaced_tokens: the
// CLI's replaced-tokens lines). The GIL is released while tokenizing and computing. Every
// lightbert::Error becomes lightbert.Error (a RuntimeError subclass) carrying the engine's
// message; wrong Python types raise TypeError naming the argument (also any conversion pybind11
// fails on); threads outside 0..lightbert::kMaxThreads raise ValueError, and so does a method
// called on a Model made by Model.__new__ without __init__ (never a crash). lightbert.Tokenizer
// and Model.tokenizer: tokenizer_binding.h; lightbert.convert: convert_binding.h.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/hub.h"
#include "lightbert/model.h"
#include "lightbert/tasks.h"
#include "lightbert/version.h"
#include "convert_binding.h"
#include "tokenizer_binding.h"

namespace py = pybind11;

namespace {

using lightbert::TextInput;

// `v` as a str, or TypeError naming the argument (`what`) and the type it got.
std::string as_str(const py::handle& v, const std::string& what) {
  if (!py::isinstance<py::str>(v)) {
    throw py::type_error(what + " must be a str, got " +
                         std::string(py::str(py::type::handle_of(v).attr("__name__"))));
  }
  return v.cast<std::string>();
}

// str -> one input; list/tuple of str (or of (text, pair) tuples) -> many.
std::vector<TextInput> to_inputs(const py::handle& texts, bool* single) {
  std::vector<TextInput> out;
  auto from_dict = [](const py::dict& d, const std::string& what) -> TextInput {
    if (!d.contains("text")) throw py::type_error("a dict input needs a 'text' key");
    TextInput t{as_str(d["text"], what + "['text']"), std::nullopt};
    if (d.contains("text_pair") && !d["text_pair"].is_none()) {
      t.text_pair = as_str(d["text_pair"], what + "['text_pair']");
    }
    return t;
  };
  *single = py::isinstance<py::str>(texts) || py::isinstance<py::dict>(texts);
  if (py::isinstance<py::str>(texts)) {
    out.push_back({texts.cast<std::string>(), std::nullopt});
    return out;
  }
  if (py::isinstance<py::dict>(texts)) {
    out.push_back(from_dict(texts.cast<py::dict>(), "texts"));
    return out;
  }
  if (!py::isinstance<py::sequence>(texts)) {
    throw py::type_error(
        "texts must be a str, a {text, text_pair} dict, or a list of str / (text, text_pair) "
        "tuples / dicts");
  }
  size_t i = 0;
  for (const py::handle& item : texts) {
    const std::string what = "texts[" + std::to_string(i++) + "]";
    if (py::isinstance<py::str>(item)) {
      out.push_back({item.cast<std::string>(), std::nullopt});
    } else if (py::isinstance<py::dict>(item)) {
      out.push_back(from_dict(item.cast<py::dict>(), what));
    } else if (py::isinstance<py::tuple>(item) && py::len(item) == 2) {
      auto t = item.cast<py::tuple>();
      out.push_back({as_str(t[0], what + "[0]"), as_str(t[1], what + "[1]")});
    } else {
      throw py::type_error(
          "each text must be a str, a (text, text_pair) tuple or a {text, text_pair} dict");
    }
  }
  return out;
}

class PyModel {
 public:
  PyModel(const std::string& path, std::optional<int> threads, const std::string& dtype) {
    lightbert::ModelOptions o;
    o.threads = threads.value_or(0);
    o.dtype = dtype;
    if (o.threads < 0 || o.threads > lightbert::kMaxThreads) {
      throw py::value_error("threads must be between 0 (all cores) and " +
                            std::to_string(lightbert::kMaxThreads) + ", got " +
                            std::to_string(o.threads));
    }
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
    const size_t dim = static_cast<size_t>(model_->embedding_size());
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
          model_->pool(out, i, eo, dst);
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
    for (const auto& e : enc) out.append(lightbert_python::encoding_dict(e));
    return single ? out[0] : py::object(out);
  }

  // Task heads, created on first use (an error names the missing tensor or the architectures).
  py::object classify(const py::handle& texts, std::optional<int> top_k, bool truncate) {
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    std::vector<lightbert::Classification> res;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!classifier_) classifier_ = std::make_unique<lightbert::SequenceClassifier>(*model_);
      res = classifier_->classify(inputs, truncate);
    }
    py::list out;
    for (const auto& r : res) {
      auto label = [](const lightbert::LabelScore& l) {
        py::dict d;
        d["label"] = l.label;
        d["score"] = l.score;
        return d;
      };
      if (!top_k) {
        out.append(label(r.labels.at(0)));
        continue;
      }
      py::list top;
      for (size_t i = 0; i < r.labels.size() && i < static_cast<size_t>(std::max(*top_k, 0)); ++i) {
        top.append(label(r.labels[i]));
      }
      out.append(top);
    }
    return single ? out[0] : py::object(out);
  }

  py::object ner(const py::handle& texts, const std::string& aggregation, bool truncate) {
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    std::vector<std::string> plain;
    for (const auto& t : inputs) {
      if (t.text_pair) throw py::type_error("ner takes str inputs, not pairs");
      plain.push_back(t.text);
    }
    const lightbert::Aggregation agg = lightbert::parse_aggregation(aggregation);
    std::vector<lightbert::TokenClassification> res;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!tagger_) tagger_ = std::make_unique<lightbert::TokenClassifier>(*model_);
      res = tagger_->classify(plain, agg, truncate);
    }
    py::list out;
    for (const auto& r : res) {
      py::list ents;
      for (const auto& e : r.entities) {
        py::dict d;
        d[agg == lightbert::Aggregation::kNone ? "entity" : "entity_group"] = e.entity;
        d["score"] = e.score;
        if (agg == lightbert::Aggregation::kNone) d["index"] = e.index;
        d["word"] = e.word;
        d["start"] = e.start;
        d["end"] = e.end;
        ents.append(d);
      }
      out.append(ents);
    }
    return single ? out[0] : py::object(out);
  }

  py::object qa(const std::string& question, const std::string& context, int top_k,
                int max_answer_len, int doc_stride, int max_seq_len) {
    lightbert::QaOptions o;
    o.max_seq_len = max_seq_len;
    o.top_k = top_k;
    o.max_answer_len = max_answer_len;
    o.doc_stride = doc_stride;
    lightbert::QaResult r;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!reader_) reader_ = std::make_unique<lightbert::QuestionAnswerer>(*model_);
      r = reader_->answer(question, context, o);
    }
    py::list out;
    for (const auto& a : r.answers) {
      py::dict d;
      d["answer"] = a.answer;
      d["score"] = a.score;
      d["start"] = a.start;
      d["end"] = a.end;
      out.append(d);
    }
    if (top_k == 1) return out.empty() ? py::object(py::none()) : py::object(out[0]);
    return py::object(out);
  }

  py::object fill_mask(const py::handle& texts, int top_k, bool truncate) {
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    std::vector<std::string> plain;
    for (const auto& t : inputs) {
      if (t.text_pair) throw py::type_error("fill_mask takes str inputs, not pairs");
      plain.push_back(t.text);
    }
    std::vector<lightbert::FillMaskResult> res;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!filler_) filler_ = std::make_unique<lightbert::MaskFiller>(*model_);
      res = filler_->fill(plain, top_k, truncate);
    }
    py::list out;
    for (const auto& r : res) {
      py::list per_mask;
      for (const auto& preds : r.predictions) {
        py::list l;
        for (const auto& p : preds) {
          py::dict d;
          d["score"] = p.score;
          d["token"] = p.token;
          d["token_str"] = p.token_str;
          d["sequence"] = p.sequence;
          l.append(d);
        }
        per_mask.append(l);
      }
      // One [MASK]: its list of predictions; several: a list of such lists (as Hugging Face).
      out.append(per_mask.size() == 1 ? py::object(per_mask[0]) : py::object(per_mask));
    }
    return single ? out[0] : py::object(out);
  }

  // ELECTRA discriminator: per input a list of {token, score, index, start, end} (the CLI's
  // replaced-tokens lines), one per token of the text.
  py::object replaced_tokens(const py::handle& texts, bool truncate) {
    bool single = false;
    const std::vector<TextInput> inputs = to_inputs(texts, &single);
    std::vector<std::string> plain;
    for (const auto& t : inputs) {
      if (t.text_pair) throw py::type_error("replaced_tokens takes str inputs, not pairs");
      plain.push_back(t.text);
    }
    std::vector<lightbert::ReplacedTokens> res;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (!detector_) detector_ = std::make_unique<lightbert::ReplacedTokenDetector>(*model_);
      res = detector_->detect(plain, truncate);
    }
    py::list out;
    for (const auto& r : res) {
      py::list l;
      for (const auto& t : r.tokens) {
        py::dict d;
        d["token"] = t.token;
        d["score"] = t.score;
        d["index"] = t.index;
        d["start"] = t.start;
        d["end"] = t.end;
        l.append(d);
      }
      out.append(l);
    }
    return single ? out[0] : py::object(out);
  }

  int dim() const { return model_->embedding_size(); }  // after any Dense module
  int max_length() const { return model_->max_length(); }
  std::string path() const { return model_->path(); }
  const lightbert::Tokenizer& tokenizer() const { return model_->tokenizer(); }

 private:
  std::unique_ptr<lightbert::Model> model_;
  std::unique_ptr<lightbert::SequenceClassifier> classifier_;
  std::unique_ptr<lightbert::TokenClassifier> tagger_;
  std::unique_ptr<lightbert::QuestionAnswerer> reader_;
  std::unique_ptr<lightbert::MaskFiller> filler_;
  std::unique_ptr<lightbert::ReplacedTokenDetector> detector_;
  std::mutex mutex_;
};

// The PyModel behind `self`. An object made by Model.__new__ without __init__ has no
// constructed PyModel, and pybind11 would call the method on that memory; its holder flag says
// so, and that raises ValueError instead.
PyModel& initialised(const py::handle& self) {
  if (!py::isinstance<PyModel>(self)) throw py::type_error("self must be a lightbert.Model");
  auto* inst = reinterpret_cast<py::detail::instance*>(self.ptr());
  auto vh = inst->get_value_and_holder(py::detail::get_type_info(typeid(PyModel)));
  if (!vh || !vh.holder_constructed() || vh.value_ptr() == nullptr) {
    throw py::value_error(
        "lightbert.Model object is not initialised; create it with lightbert.Model(path)");
  }
  return *static_cast<PyModel*>(vh.value_ptr());
}

template <typename R, typename... A>
auto method(R (PyModel::*f)(A...)) {
  return [f](const py::handle& self, A... a) -> R { return (initialised(self).*f)(a...); };
}
template <typename R, typename... A>
auto method(R (PyModel::*f)(A...) const) {
  return [f](const py::handle& self, A... a) -> R { return (initialised(self).*f)(a...); };
}

}  // namespace

PYBIND11_MODULE(_lightbert, m) {  // re-exported by python/lightbert/__init__.py
  m.doc() = "lightbert: fast, lightweight BERT inference on the CPU";
  static py::exception<lightbert::Error> error(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lightbert::Error& e) {
      error(e.what());
    } catch (const py::cast_error& e) {  // a value pybind11 could not convert: a type error
      PyErr_SetString(PyExc_TypeError, e.what());
    }
  });
  m.attr("__version__") = lightbert::version();
  m.def("version", &lightbert::version_string, "version, kernel ISA and cores");
  lightbert_python::bind_tokenizer(m);
  lightbert_python::bind_convert(m);
  py::class_<PyModel>(m, "Model")
      .def(py::init<const std::string&, std::optional<int>, const std::string&>(), py::arg("path"),
           py::arg("threads") = py::none(), py::arg("dtype") = "fp32")
      .def("encode", method(&PyModel::encode), py::arg("texts"), py::arg("batch_size") = 32,
           py::arg("normalize") = py::none(), py::arg("pooling") = py::none(),
           py::arg("truncate") = true,
           "Sentence embeddings: float32 [dim] for a str, [n, dim] for a list. Pooling and "
           "normalisation default to the folder's sentence-transformers settings.")
      .def("tokenize", method(&PyModel::tokenize), py::arg("texts"),
           py::arg("max_length") = py::none())
      .def("classify", method(&PyModel::classify), py::arg("texts"),
           py::arg("top_k") = py::none(),
           py::arg("truncate") = true,
           "Sequence classification: {label, score} per input (a list of top_k with top_k)")
      .def("ner", method(&PyModel::ner), py::arg("texts"), py::arg("aggregation") = "simple",
           py::arg("truncate") = true, "Token classification: entities per input")
      .def("qa", method(&PyModel::qa), py::arg("question"), py::arg("context"),
           py::arg("top_k") = 1,
           py::arg("max_answer_len") = 15, py::arg("doc_stride") = -1, py::arg("max_seq_len") = -1,
           "Extractive QA: {answer, score, start, end} (a list with top_k > 1)")
      .def("fill_mask", method(&PyModel::fill_mask), py::arg("texts"), py::arg("top_k") = 5,
           py::arg("truncate") = true, "Fill-mask: top_k {score, token, token_str, sequence}")
      .def("replaced_tokens", method(&PyModel::replaced_tokens), py::arg("texts"),
           py::arg("truncate") = true,
           "ELECTRA discriminator: per token {token, score (probability it was replaced), index, "
           "start, end}")
      .def_property_readonly("dim", method(&PyModel::dim))
      .def_property_readonly("max_length", method(&PyModel::max_length))
      .def_property_readonly("path", method(&PyModel::path))
      .def_property_readonly(
          "tokenizer",
          [](py::object self) {
            const lightbert::Tokenizer& tok = initialised(self).tokenizer();
            return lightbert_python::PyTokenizer::view(tok, std::move(self));
          },
          "The model's tokenizer (lightbert.Tokenizer)");
}
