// cli/cmd_convert_calibration.h: the calibration text of `lightbert convert` (head importance
// and the accuracy report).
// Contract: calibration_texts(path) reads one text per non-empty line of `path` (kIo when it
// cannot be read, kInvalidArgument when it holds no text); with an empty path it returns the
// built-in set of 50 varied English sentences.
#pragma once

#include <string>
#include <vector>

namespace lightbert::cli {

std::vector<std::string> calibration_texts(const std::string& path);

}  // namespace lightbert::cli
