// runtime/thread_pool.h: the one parallelism abstraction the ops use.
// Contract: ThreadPool(threads) runs parallel_for(count, fn) by calling fn(index, worker) exactly
// once for every index in [0, count), spread over at most size() workers, and returns when all
// calls are done. `worker` is in [0, size()) and no two concurrent calls share a worker id, so it
// can index per-worker scratch. fn must not throw. Runs inline when size() == 1 or count <= 1.
// OpenMP is the current engine underneath; callers only see this interface.
#pragma once

#include <cstdint>

#include "runtime/function_ref.h"

namespace lightbert::runtime {

// Number of logical CPUs this process may use (>= 1).
int available_cores();

class ThreadPool {
 public:
  // threads: >= 1, or 0 for available_cores(). Negative: lightbert::Error (kInvalidArgument).
  explicit ThreadPool(int threads = 0);

  int size() const { return threads_; }
  void parallel_for(int64_t count, FunctionRef<void(int64_t index, int worker)> fn) const;

 private:
  int threads_ = 1;
};

}  // namespace lightbert::runtime
