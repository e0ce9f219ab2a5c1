// bench/tokenizer_bench.cpp: tokenizer throughput (MB/s of UTF-8 input, single thread).
// Contract: loads a vocabulary folder, warms up, then times encode() over (1) repeated English
// prose paragraphs (~2 KB each, untruncated), (2) every line of the parity corpus (pairs with
// encode_pair), (3) the corpus truncated at 128; prints MB/s, tokens/s and us per call for each
// (best of --repeat timed passes, measured in thread CPU time so that other processes on a shared
// machine disturb it less). Not part of the CMake build; build it by hand:
//   c++ -O3 -DNDEBUG -std=c++17 -Iinclude bench/tokenizer_bench.cpp build-tok/liblightbert.a \
//       -lutf8proc -fopenmp -lpthread -o build-tok/tokenizer_bench
//   build-tok/tokenizer_bench ../shared/vocab/bert-base-uncased tests/data/tokenizer/corpus.jsonl
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lightbert/tokenizer.h"

namespace {

std::vector<std::pair<std::string, std::string>> read_corpus(const std::string& path, bool& ok) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::ifstream in(path);
  ok = static_cast<bool>(in);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto row = nlohmann::json::parse(line);
    rows.emplace_back(row["text"].get<std::string>(),
                      row.contains("text_pair") ? row["text_pair"].get<std::string>() : "\x01");
  }
  return rows;
}

struct Result {
  double seconds = 1e30;
  size_t bytes = 0, tokens = 0, calls = 0;
};

// CPU time of this thread: on a shared machine it is far steadier than wall-clock time.
double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <typename F>
Result time_best(int repeat, F&& pass) {
  Result best;
  for (int r = 0; r < repeat; ++r) {
    Result cur;
    const double t0 = thread_seconds();
    pass(cur);
    cur.seconds = thread_seconds() - t0;
    if (cur.seconds < best.seconds) best = cur;
  }
  return best;
}

void print(const char* name, const Result& r) {
  std::printf("%-34s %8.2f MB/s  %10.0f tokens/s  %8.2f us/call  (%zu calls, %zu bytes)\n", name,
              r.bytes / r.seconds / 1e6, r.tokens / r.seconds, r.seconds / r.calls * 1e6, r.calls,
              r.bytes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s VOCAB_DIR CORPUS.jsonl [--repeat N]\n", argv[0]);
    return 2;
  }
  int repeat = 5;
  for (int i = 3; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
  }
  try {
    const auto tok = lightbert::Tokenizer::from_folder(argv[1]);
    bool ok = false;
    const auto corpus = read_corpus(argv[2], ok);
    if (!ok || corpus.empty()) {
      std::fprintf(stderr, "cannot read %s\n", argv[2]);
      return 2;
    }
    const std::string paragraph =
        "Natural language processing (NLP) is an interdisciplinary subfield of computer science "
        "and linguistics. It is primarily concerned with giving computers the ability to support "
        "and manipulate human language. It involves processing natural language datasets, such as "
        "text corpora or speech corpora, using either rule-based or probabilistic machine learning "
        "approaches. The goal is a computer capable of understanding the contents of documents, "
        "including the contextual nuances of the language within them. BERT, which stands for "
        "Bidirectional Encoder Representations from Transformers, was introduced in October 2018 "
        "by researchers at Google. It learns to represent text as a sequence of vectors using "
        "self-supervised learning, and it uses the encoder-only transformer architecture. ";
    std::string prose;
    for (int i = 0; i < 3; ++i) prose += paragraph;
    lightbert::EncodeOptions untruncated;
    untruncated.truncation = false;
    lightbert::EncodeOptions max128;
    max128.max_length = 128;

    const auto prose_pass = [&](Result& r) {
      for (int i = 0; i < 400; ++i) {
        r.tokens += tok.encode(prose, untruncated).size();
        r.bytes += prose.size();
        ++r.calls;
      }
    };
    const auto corpus_pass = [&](const lightbert::EncodeOptions& o) {
      return [&tok, &corpus, o](Result& r) {
        for (int k = 0; k < 20; ++k) {
          for (const auto& [text, pair] : corpus) {
            const bool is_pair = pair != "\x01";  // "\x01": no text_pair
            r.tokens += (is_pair ? tok.encode_pair(text, pair, o) : tok.encode(text, o)).size();
            r.bytes += text.size() + (is_pair ? pair.size() : 0);
            ++r.calls;
          }
        }
      };
    };
    Result warm;
    prose_pass(warm);
    std::printf("tokenizer_bench: %s, %d timed passes each, best pass (thread CPU time)\n", argv[1],
                repeat);
    print("English prose (~2 KB, untruncated)", time_best(repeat, prose_pass));
    print("parity corpus (untruncated)", time_best(repeat, corpus_pass(untruncated)));
    print("parity corpus (max_length 128)", time_best(repeat, corpus_pass(max128)));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
