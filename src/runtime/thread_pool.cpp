// runtime/thread_pool.cpp: see thread_pool.h.
// One job slot per pool. The caller publishes a job by storing `state` = (generation << 32 | 0)
// after the job's count and function; every thread (caller included) claims indices with a CAS
// on `state` that only succeeds while the generation is still the one it read, so a late worker
// can never run an index of a newer job with an older function. Before it writes the new job's
// count and function the caller moves `state` to the new generation with the index kPreparing:
// a worker still looking at the old job then fails its CAS instead of claiming an index of the old
// generation against the new count (which ran that index of the new job twice), and workers that
// see kPreparing wait the few stores until the job is published. The caller returns when `done`
// reaches count; it does not wait for workers that claimed nothing. Idle workers spin on `state`
// for kSpinNs, then sleep on the `epoch` futex (registered in `sleepers`, re-checked after
// registering, so a wake-up is never lost).
#include "runtime/thread_pool.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "lightbert/types.h"
#include "lightbert/error.h"

namespace lightbert::runtime {

namespace {

using Fn = FunctionRef<void(int64_t, int)>;

constexpr int64_t kSpinNs = 100'000;  // idle spin before sleeping
constexpr int64_t kMaxChunk = INT32_MAX;
constexpr uint64_t kPreparing = 0xffffffffu;  // index part of `state` while a job is being written

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

void futex_wake_all(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

uint32_t generation_of(uint64_t state) {
  return static_cast<uint32_t>(state >> 32);
}

}  // namespace

struct ThreadPool::Shared {
  std::atomic<uint64_t> state{0};  // generation << 32 | next index to claim
  std::atomic<int64_t> count{0};
  std::atomic<const Fn*> fn{nullptr};
  std::atomic<int64_t> done{0};
  std::atomic<uint32_t> epoch{0};  // futex word: the latest published generation
  std::atomic<int> sleepers{0};
  std::atomic<bool> stop{false};
  uint32_t generation = 0;  // caller side only
  std::vector<std::thread> threads;

  // Claims and runs indices of job `gen` until none is left (or a newer job was published).
  void run_claims(uint32_t gen, int worker) {
    uint64_t v = state.load(std::memory_order_acquire);
    for (;;) {
      if (generation_of(v) != gen) return;
      if ((v & 0xffffffffu) == kPreparing) {
        cpu_relax();
        v = state.load(std::memory_order_acquire);
        continue;
      }
      const int64_t index = static_cast<int64_t>(v & 0xffffffffu);
      if (index >= count.load(std::memory_order_acquire)) return;
      if (!state.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        continue;
      }
      (*fn.load(std::memory_order_relaxed))(index, worker);
      done.fetch_add(1, std::memory_order_release);
      v = state.load(std::memory_order_acquire);
    }
  }

  void worker_loop(int worker);
};

namespace {
thread_local const ThreadPool::Shared* t_inside = nullptr;  // the pool this thread works for
}  // namespace

void ThreadPool::Shared::worker_loop(int worker) {
  t_inside = this;
  uint32_t seen = 0;
  for (;;) {
    // Spin briefly for the next job, then sleep until one is published.
    const int64_t deadline = now_ns() + kSpinNs;
    int spins = 0;
    while (generation_of(state.load(std::memory_order_acquire)) == seen &&
           !stop.load(std::memory_order_relaxed)) {
      cpu_relax();
      if ((++spins & 63) == 0 && now_ns() > deadline) {
        sleepers.fetch_add(1, std::memory_order_seq_cst);
        if (epoch.load(std::memory_order_seq_cst) == seen && !stop.load(std::memory_order_seq_cst)) {
          futex_wait(&epoch, seen);
        }
        sleepers.fetch_sub(1, std::memory_order_seq_cst);
      }
    }
    if (stop.load(std::memory_order_acquire)) return;
    seen = generation_of(state.load(std::memory_order_acquire));
    run_claims(seen, worker);
  }
}

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) : shared_(std::make_unique<Shared>()) {
  if (threads < 0 || threads > kMaxThreads) {
    throw Error(ErrorCode::kInvalidArgument, "threads must be between 0 (all cores) and " +
                                                 std::to_string(kMaxThreads) + ", got " +
                                                 std::to_string(threads));
  }
  threads_ = threads == 0 ? std::min(available_cores(), kMaxThreads) : threads;
  Shared* s = shared_.get();
  s->threads.reserve(static_cast<size_t>(threads_ - 1));
  try {
    for (int w = 1; w < threads_; ++w) s->threads.emplace_back([s, w] { s->worker_loop(w); });
  } catch (const std::system_error& e) {
    // The destructor does not run for a constructor that throws: stop and join the workers that
    // did start (destroying a joinable std::thread would abort the process).
    const size_t started = s->threads.size();
    s->stop.store(true, std::memory_order_seq_cst);
    s->epoch.fetch_add(1, std::memory_order_seq_cst);
    futex_wake_all(&s->epoch);
    for (auto& t : s->threads) t.join();
    throw Error(ErrorCode::kIo, "cannot start " + std::to_string(threads_) + " threads (" +
                                    std::to_string(started + 1) + " started): " + e.what());
  }
}

ThreadPool::~ThreadPool() {
  Shared* s = shared_.get();
  s->stop.store(true, std::memory_order_seq_cst);
  s->epoch.fetch_add(1, std::memory_order_seq_cst);
  futex_wake_all(&s->epoch);
  for (auto& t : s->threads) t.join();
}

void ThreadPool::parallel_for(int64_t count, Fn fn) const {
  if (count <= 0) return;
  Shared* s = shared_.get();
  if (threads_ == 1 || count == 1 || t_inside == s) {
    for (int64_t i = 0; i < count; ++i) fn(i, 0);
    return;
  }
  for (int64_t base = 0; base < count; base += kMaxChunk) {
    const int64_t n = std::min(kMaxChunk, count - base);
    auto shifted = [&](int64_t i, int w) { fn(base + i, w); };
    const Fn chunk_fn = base == 0 ? fn : Fn(shifted);
    const uint32_t gen = ++s->generation;
    // Close the old job first (see the file comment), then write the new one.
    s->state.store(static_cast<uint64_t>(gen) << 32 | kPreparing, std::memory_order_seq_cst);
    s->count.store(n, std::memory_order_release);
    s->fn.store(&chunk_fn, std::memory_order_relaxed);
    s->done.store(0, std::memory_order_relaxed);
    s->state.store(static_cast<uint64_t>(gen) << 32, std::memory_order_release);
    s->epoch.store(gen, std::memory_order_seq_cst);
    if (s->sleepers.load(std::memory_order_seq_cst) > 0) futex_wake_all(&s->epoch);

    t_inside = s;
    s->run_claims(gen, 0);
    t_inside = nullptr;
    // Wait for indices other threads are still running (short: they were claimed already).
    for (int spins = 0; s->done.load(std::memory_order_acquire) < n; ++spins) {
      if (spins < 4096) {
        cpu_relax();
      } else {
        sched_yield();
      }
    }
  }
}

}  // namespace lightbert::runtime
