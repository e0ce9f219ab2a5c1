// runtime/thread_pool.cpp: see thread_pool.h (OpenMP underneath, dynamic schedule).
#include "runtime/thread_pool.h"

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <string>

#include "lightbert/error.h"

namespace lightbert::runtime {

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1, omp_get_num_procs());
}

ThreadPool::ThreadPool(int threads) {
  if (threads < 0) {
    throw Error(ErrorCode::kInvalidArgument,
                "threads must be >= 0 (0 = all cores), got " + std::to_string(threads));
  }
  threads_ = threads == 0 ? available_cores() : threads;
}

void ThreadPool::parallel_for(int64_t count, FunctionRef<void(int64_t, int)> fn) const {
  if (count <= 0) return;
  if (threads_ == 1 || count == 1) {
    for (int64_t i = 0; i < count; ++i) fn(i, 0);
    return;
  }
  int team = static_cast<int>(std::min<int64_t>(threads_, count));
#pragma omp parallel num_threads(team)
  {
    int worker = omp_get_thread_num();
#pragma omp for schedule(dynamic, 1)
    for (int64_t i = 0; i < count; ++i) fn(i, worker);
  }
}

}  // namespace lightbert::runtime
