// cli/cmd_bench.cpp: `lightbert bench`: times the encoder's forward pass on a synthetic or an
// oracle batch.
// Contract: exactly one input form: --batch B --seq S (B sequences of S tokens), --lengths
// L1,L2,... (a ragged batch, padding-free), or --cases FILE --case NAME (the exact ids of one
// case of the oracle's cases.json: each row's first `lengths[i]` ids). Synthetic ids are seeded
// like the oracle's make_batch: [CLS] random ids in [1000, 30000) [SEP] (folded into the vocab
// of small models). After --warmup untimed calls, --runs timed calls; prints median / min / max
// ms, sequences/s, tokens/s, GFLOP/s (bertlib.encoder_flops summed over the real lengths) and %
// of the peak (--peak-gflops, else measured with the kernel table's FMA probe on every thread),
// with --dtype int8 also % of the int8 peak (the table's int8 probe: its multiply chains), the
// weight dtype (--dtype fp32|bf16|int8, default fp32), the ISA, the threads, the pool's fork/join
// cost, the peak RSS and the CPU share other processes used while timing. --json prints the same as
// one JSON object. Bad arguments throw lightbert::Error (one line on stderr, exit 1).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "args.h"
#include "bench_stats.h"
#include "commands.h"
#include "lightbert/encoder.h"
#include "lightbert/error.h"
#include "lightbert/hardware.h"
#include "lightbert/hub.h"
#include "lightbert/limits.h"

namespace lightbert::cli {

namespace {

Error bad(const std::string& msg) {
  return Error(ErrorCode::kInvalidArgument, msg);
}

std::vector<int32_t> parse_lengths(const std::string& text) {
  std::vector<int32_t> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    char* end = nullptr;
    long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 1 || v > 1'000'000) {
      throw bad("--lengths: '" + item + "' is not a length >= 1");
    }
    out.push_back(static_cast<int32_t>(v));
  }
  if (out.empty()) throw bad("--lengths: no lengths given");
  return out;
}

// Seeded ids like bertlib.make_batch (not the same generator: use --cases for identical ids).
SequenceBatch synthetic_batch(const std::vector<int32_t>& lengths, int vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int lo = vocab > 30000 ? 1000 : 0;
  const int hi = vocab > 30000 ? 30000 : vocab;
  std::uniform_int_distribution<int32_t> dist(lo, hi - 1);
  SequenceBatch batch;
  for (int32_t n : lengths) {
    std::vector<int32_t> ids(static_cast<size_t>(n));
    for (auto& id : ids) id = dist(rng);
    if (vocab > 102) {
      ids.front() = 101;  // [CLS]
      ids.back() = 102;   // [SEP]
    }
    batch.add(ids);
  }
  return batch;
}

SequenceBatch case_batch(const std::string& file, const std::string& name) {
  std::ifstream in(file);
  if (!in) throw bad("--cases: cannot open '" + file + "'");
  nlohmann::json cases;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    check_json_depth(text.str(), "--cases: '" + file + "'");
  } catch (const Error& e) {
    throw bad(e.what());
  }
  try {
    cases = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw bad("--cases: '" + file + "' is not JSON: " + e.what());
  }
  if (!cases.is_array()) throw bad("--cases: '" + file + "' is not a list of cases");
  for (const auto& c : cases) {
    if (!c.is_object() || c.value("name", "") != name) continue;
    try {
      const auto lengths = c.at("lengths").get<std::vector<int32_t>>();
      const auto ids = c.at("input_ids").get<std::vector<int32_t>>();
      const int64_t seq = c.at("seq_len").get<int64_t>();
      std::vector<int32_t> types;
      if (c.contains("token_type_ids")) types = c.at("token_type_ids").get<std::vector<int32_t>>();
      SequenceBatch batch;
      for (size_t i = 0; i < lengths.size(); ++i) {
        const int64_t row = static_cast<int64_t>(i) * seq;
        if (lengths[i] < 1 || lengths[i] > seq || row + seq > static_cast<int64_t>(ids.size()) ||
            (!types.empty() && types.size() != ids.size())) {
          throw bad("--cases: case '" + name + "' has inconsistent lengths / input_ids");
        }
        std::vector<int32_t> seq_ids(ids.begin() + row, ids.begin() + row + lengths[i]);
        std::vector<int32_t> seq_types;
        if (!types.empty()) seq_types.assign(types.begin() + row, types.begin() + row + lengths[i]);
        batch.add(seq_ids, seq_types);
      }
      if (batch.num_sequences() == 0) throw bad("--cases: case '" + name + "' is empty");
      return batch;
    } catch (const nlohmann::json::exception& e) {
      throw bad("--cases: case '" + name + "': " + e.what());
    }
  }
  throw bad("--cases: no case named '" + name + "' in '" + file + "'");
}

}  // namespace

int run_bench(const std::vector<std::string>& argv) {
  Args args(argv,
            {"model", "batch", "seq", "lengths", "cases", "case", "runs", "warmup", "threads",
             "peak-gflops", "seed", "dtype"},
            {"json"});
  const bool has_shape = args.get("batch") || args.get("seq");
  const bool has_lengths = args.get("lengths").has_value();
  const bool has_case = args.get("cases") || args.get("case");
  if (has_shape + has_lengths + has_case != 1) {
    throw bad(
        "give exactly one of --batch B --seq S, --lengths L1,L2,..., --cases FILE --case NAME");
  }
  const int runs = args.get_int("runs", 20, 1, 1'000'000);
  const int warmup = args.get_int("warmup", 3, 0, 1'000'000);
  const int threads_opt = args.get_int("threads", 0, 0, 1024);
  const double peak_opt = args.get_double("peak-gflops", 0.0);
  if (args.get("peak-gflops") && !(peak_opt > 0.0)) throw bad("--peak-gflops must be > 0");
  const int seed = args.get_int("seed", 2024, 0, INT32_MAX);
  std::vector<int32_t> lengths;
  if (has_shape) {
    if (!args.get("batch")) throw bad("missing required option --batch (with --seq)");
    if (!args.get("seq")) throw bad("missing required option --seq (with --batch)");
    const int b = args.get_int("batch", 1, 1, 1'000'000);
    const int s = args.get_int("seq", 1, 1, 1'000'000);
    lengths.assign(static_cast<size_t>(b), s);
  } else if (has_lengths) {
    lengths = parse_lengths(*args.get("lengths"));
  }
  const std::string case_file = has_case ? args.require("cases") : "";
  const std::string case_name = has_case ? args.require("case") : "";

  const std::string dtype = args.get_or("dtype", "fp32");
  check_weight_dtype(dtype);
  const KernelInfo hw = kernel_info();
  const int threads = threads_opt == 0 ? hw.available_cores : threads_opt;
  const double pool_cost_us = measure_fork_join_us(threads);
  const double peak = peak_opt > 0.0 ? peak_opt : measure_peak_gflops(threads);

  const std::string dir = hub::resolve_model_path(args.require("model"));
  EncoderOptions eo;
  eo.threads = threads;
  eo.dtype = dtype;
  std::unique_ptr<Encoder> enc = Encoder::load(dir, eo);
  const ModelConfig& cfg = enc->config();
  SequenceBatch batch = has_case
                            ? case_batch(case_file, case_name)
                            : synthetic_batch(lengths, cfg.vocab_size, static_cast<uint64_t>(seed));
  lengths = batch.lengths;

  EncoderOutput out;
  for (int i = 0; i < warmup; ++i) enc->forward(batch, out);
  std::vector<double> ms(static_cast<size_t>(runs));
  const CpuSample before = sample_cpu();
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    enc->forward(batch, out);
    const auto t1 = std::chrono::steady_clock::now();
    ms[static_cast<size_t>(i)] = std::chrono::duration<double, std::milli>(t1 - t0).count();
  }
  const double other_cpu = other_cpu_fraction(before, sample_cpu(), hw.available_cores);

  BenchReport r;
  r.ms = summarize(ms);
  r.sequences = static_cast<int64_t>(lengths.size());
  r.tokens = static_cast<int64_t>(batch.num_tokens());
  r.flops = encoder_flops(cfg, lengths);
  r.peak_gflops = peak;
  r.peak_measured = !(peak_opt > 0.0);
  r.isa = hw.isa;
  r.dtype = dtype;
  // An emulated variant has no peaks (they would mean nothing; its tile probe takes minutes).
  if (dtype == "int8") r.int8_peak_gops = measure_peak_int8_gops(threads).value_or(0.0);
  if (dtype == "bf16") r.bf16_peak_gflops = measure_peak_bf16_gflops(threads).value_or(0.0);
  r.emulated = hw.emulated;
  r.threads = threads;
  r.fork_join_us = pool_cost_us;
  r.other_cpu_frac = other_cpu;
  r.runs = runs;
  r.warmup = warmup;
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  r.peak_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  std::cout << (args.flag("json") ? report_json(r) : report_text(r)) << std::flush;
  return 0;
}

}  // namespace lightbert::cli
