// ops/op_context.h: what every op needs to run: the kernel table and the thread pool.
// Contract: both pointers are non-null and outlive the call; ops never choose an ISA themselves.
#pragma once

#include "kernels/kernels.h"
#include "runtime/thread_pool.h"

namespace lightbert::ops {

struct OpContext {
  const kernels::KernelTable* kernels = nullptr;
  const runtime::ThreadPool* pool = nullptr;
};

}  // namespace lightbert::ops
