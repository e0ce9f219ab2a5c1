// api/convert_calibration.h: the calibration text of lightbert::convert (head importance
// and the accuracy report).
// Contract: calibration_texts(path) reads one text per non-empty line of `path` (kIo when it
// cannot be read, kInvalidArgument when it holds no text); with an empty path it returns the
// built-in set of 50 varied English sentences.
// calibration_set(path) reads the same file as inputs, and as a labelled set when EVERY non-empty
// line has 2 or 3 tab-separated fields, "text<TAB>label" or "text<TAB>text_pair<TAB>label" (a
// file where only some lines hold a tab is plain text, as before); more than 3 fields on every
// line, or an empty label, is kInvalidArgument naming the line.
#pragma once

#include <string>
#include <vector>

#include "lightbert/model.h"

namespace lightbert::detail {

std::vector<std::string> calibration_texts(const std::string& path);

struct CalibrationSet {
  std::vector<TextInput> inputs;
  std::vector<std::string> labels;  // one per input; empty when the set is not labelled
};
CalibrationSet calibration_set(const std::string& path);

}  // namespace lightbert::detail
