// cli/jsonl.h: JSON-lines input and output for the CLI commands.
// Contract: read_input() parses one stdin line into text(+pair) or input_ids(+token types),
// throwing lightbert::Error that names the line number and the field at fault. The writers
// append JSON (floats as the shortest decimal that round-trips float32, via server/json_writer).
// check_output() turns a failed write on stdout into an error.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

#include "lightbert/model.h"
#include "server/json_writer.h"

namespace lightbert::cli {

struct InputLine {
  size_t line_no = 0;  // 1-based
  std::optional<TextInput> text;
  std::vector<int32_t> input_ids;  // when given as ids
  std::vector<int32_t> token_type_ids;
};

// Reads the next non-empty line; false at end of input.
bool next_line(std::istream& in, std::string& line, size_t& line_no);
// `allow_ids`: accept {"input_ids": [...]} lines as well as {"text": ...}.
InputLine parse_input(const std::string& line, size_t line_no, bool allow_ids);

// Float and string writers are the server's (one implementation for both front ends).
using server::append_float;
using server::append_floats;
inline void append_string(std::string& out, const std::string& s) {  // quoted, escaped
  server::append_json_string(out, s);
}
void append_ints(std::string& out, const int32_t* v, size_t n);

// Throws lightbert::Error(kIo) "stdout: cannot write: REASON" once `out` has failed (a full disk,
// a closed pipe), so a command stops at the first lost line instead of exiting 0 with a cut
// output. Call right after writing (errno still holds the failed write's reason).
void check_output(const std::ostream& out, const char* name = "stdout");

}  // namespace lightbert::cli
