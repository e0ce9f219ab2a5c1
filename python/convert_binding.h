// python/convert_binding.h: lightbert.convert, the Python face of lightbert::convert
// (lightbert/convert.h; included once, by lightbert_module.cpp).
// Contract: convert(model, out, dtype="fp32", prune_heads=None, prune_heads_ratio=None,
// keep_layers=None, calibration=None, threads=None, runs=5, keep_float=None) -> dict. `model` is
// a folder or ORG/NAME in the Hugging Face cache; prune_heads is "L:H,H;L:H" or {layer: [heads]};
// keep_layers a list of layer numbers; calibration a file path (str or os.PathLike) or a list of
// texts (str, or (text, text_pair) tuples); keep_float a list of Linear names kept fp32 in a
// bf16 / int8 file (ConvertOptions::keep_float). The dict is the report `lightbert convert
// --json` prints (output, dtype, layout, layers, heads, pruned_heads, kept_float, calibration,
// cosine, max_abs_diff, size_bytes, forward_ms, speedup, task). The GIL is released while
// converting. Engine errors raise lightbert.Error; wrong types TypeError naming the argument;
// threads outside 0..kMaxThreads ValueError.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "lightbert/convert.h"
#include "lightbert/hub.h"
#include "lightbert/types.h"

namespace lightbert_python {

namespace py = pybind11;

inline std::string head_spec(const py::object& prune_heads) {
  if (prune_heads.is_none()) return "";
  if (py::isinstance<py::str>(prune_heads)) return prune_heads.cast<std::string>();
  if (!py::isinstance<py::dict>(prune_heads)) {
    throw py::type_error("prune_heads must be a str \"L:H,H;L:H\" or a dict {layer: [heads]}");
  }
  std::string spec;
  for (const auto& item : prune_heads.cast<py::dict>()) {
    if (!py::isinstance<py::int_>(item.first) || py::isinstance<py::bool_>(item.first)) {
      throw py::type_error("prune_heads: layer numbers must be int");
    }
    std::vector<int> heads;
    try {
      heads = item.second.cast<std::vector<int>>();
    } catch (const py::cast_error&) {
      throw py::type_error("prune_heads: the heads of layer " + py::str(item.first).cast<std::string>() +
                           " must be a list of int");
    }
    if (heads.empty()) continue;
    if (!spec.empty()) spec += ";";
    spec += std::to_string(item.first.cast<long>()) + ":";
    for (size_t i = 0; i < heads.size(); ++i) spec += (i ? "," : "") + std::to_string(heads[i]);
  }
  if (spec.empty()) throw py::value_error("prune_heads names no head");
  return spec;
}

inline void set_calibration(const py::object& calibration, lightbert::ConvertOptions& o) {
  if (calibration.is_none()) return;
  py::module_ os = py::module_::import("os");
  if (py::isinstance<py::str>(calibration) ||
      py::isinstance(calibration, os.attr("PathLike"))) {
    o.calibration_file = os.attr("fspath")(calibration).cast<std::string>();
    if (o.calibration_file.empty()) throw py::value_error("calibration: the path is empty");
    return;
  }
  if (!py::isinstance<py::sequence>(calibration)) {
    throw py::type_error("calibration must be a file path or a list of texts");
  }
  for (const auto& item : calibration.cast<py::sequence>()) {
    lightbert::TextInput t;
    if (py::isinstance<py::str>(item)) {
      t.text = item.cast<std::string>();
    } else if (py::isinstance<py::tuple>(item) && py::len(item) == 2 &&
               py::isinstance<py::str>(item.cast<py::tuple>()[0]) &&
               py::isinstance<py::str>(item.cast<py::tuple>()[1])) {
      t.text = item.cast<py::tuple>()[0].cast<std::string>();
      t.text_pair = item.cast<py::tuple>()[1].cast<std::string>();
    } else {
      throw py::type_error("calibration: every text must be a str or a (text, text_pair) tuple");
    }
    o.calibration_texts.push_back(std::move(t));
  }
  if (o.calibration_texts.empty()) throw py::value_error("calibration: the list is empty");
}

// keep_float: None, or a list / tuple of str (a bare str is refused: it is not a list of names).
inline std::vector<std::string> keep_float_names(const py::object& keep_float) {
  std::vector<std::string> names;
  if (keep_float.is_none()) return names;
  if (!py::isinstance<py::list>(keep_float) && !py::isinstance<py::tuple>(keep_float)) {
    throw py::type_error("keep_float must be a list of Linear names (str)");
  }
  for (const auto& item : keep_float.cast<py::sequence>()) {
    if (!py::isinstance<py::str>(item)) {
      throw py::type_error("keep_float: every Linear name must be a str");
    }
    names.push_back(item.cast<std::string>());
  }
  return names;
}

inline py::object convert(const std::string& model, const py::object& out,
                          const std::string& dtype, const py::object& prune_heads,
                          std::optional<double> prune_heads_ratio,
                          std::optional<std::vector<int>> keep_layers,
                          const py::object& calibration, std::optional<int> threads, int runs,
                          const py::object& keep_float) {
  lightbert::ConvertOptions o;
  o.dtype = dtype;
  o.prune_heads = head_spec(prune_heads);
  o.prune_heads_ratio = prune_heads_ratio;
  if (keep_layers) {
    if (keep_layers->empty()) throw py::value_error("keep_layers: the list is empty");
    o.keep_layers = *keep_layers;
  }
  set_calibration(calibration, o);
  o.keep_float = keep_float_names(keep_float);
  o.threads = threads.value_or(0);
  if (o.threads < 0 || o.threads > lightbert::kMaxThreads) {
    throw py::value_error("threads must be between 0 (all cores) and " +
                          std::to_string(lightbert::kMaxThreads) + ", got " +
                          std::to_string(o.threads));
  }
  o.runs = runs;
  const std::string out_path =
      py::module_::import("os").attr("fspath")(out).cast<std::string>();
  std::string report;
  {
    py::gil_scoped_release release;
    const std::string dir = lightbert::hub::resolve_model_path(model);
    report = lightbert::convert(dir, out_path, o).to_json();
  }
  return py::module_::import("json").attr("loads")(report);
}

inline void bind_convert(py::module_& m) {
  m.def("convert", &convert, py::arg("model"), py::arg("out"), py::kw_only(),
        py::arg("dtype") = "fp32", py::arg("prune_heads") = py::none(),
        py::arg("prune_heads_ratio") = py::none(), py::arg("keep_layers") = py::none(),
        py::arg("calibration") = py::none(), py::arg("threads") = py::none(),
        py::arg("runs") = 5, py::arg("keep_float") = py::none(),
        "Writes the model folder (or ORG/NAME from the cache) as one .lbt model file, packed as "
        "fp32, bf16 or int8 (keep_float: Linears kept fp32 in a bf16 / int8 file), optionally "
        "with heads pruned and layers dropped; returns the report "
        "of `lightbert convert --json` as a dict (accuracy vs the original on the calibration "
        "texts, sizes, forward times, and the task accuracy for a labelled calibration file).");
}

}  // namespace lightbert_python
