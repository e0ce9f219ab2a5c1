// runtime/thread_pool.h: the one parallelism abstraction the ops use: a persistent pool.
// Contract: ThreadPool(threads) starts size() - 1 worker threads once; parallel_for(count, fn)
// calls fn(index, worker) exactly once for every index in [0, count), spread dynamically over the
// calling thread (worker 0) and the pool's workers, and returns when all calls are done. `worker`
// is in [0, size()) and no two concurrent calls share a worker id, so it can index per-worker
// scratch. fn must not throw. Runs inline when size() == 1, count <= 1, or when called from
// inside a parallel_for of the same pool (no nesting, no oversubscription). Idle workers spin for
// a short bounded time (about 100 us, so back-to-back parallel steps of a forward pass do not pay
// a wake-up) and then sleep on a futex: an idle pool uses no CPU. parallel_for never allocates.
// One parallel_for at a time per pool (callers serialise, as BertModel::forward does).
#pragma once

#include <cstdint>
#include <memory>

#include "runtime/function_ref.h"

namespace lightbert::runtime {

// Number of logical CPUs this process may use (>= 1).
int available_cores();

class ThreadPool {
 public:
  // threads: >= 1, or 0 for available_cores(). Negative: lightbert::Error (kInvalidArgument).
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }
  void parallel_for(int64_t count, FunctionRef<void(int64_t index, int worker)> fn) const;

  struct Shared;  // the job slot and the workers (thread_pool.cpp)

 private:
  int threads_ = 1;
  std::unique_ptr<Shared> shared_;
};

}  // namespace lightbert::runtime
