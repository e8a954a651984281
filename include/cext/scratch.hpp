// Scratch memory for the schedules: aligned buffers of doubles, and the one scratch grid kept between calls.
//
// Compiled once, for the baseline instruction set (src/scratch.cpp); only the schedules allocate.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace cext {

struct AlignedDelete {
    std::align_val_t alignment{64};
    void operator()(double* p) const { ::operator delete[](p, alignment); }
};
using AlignedBuffer = std::unique_ptr<double[], AlignedDelete>;

// `count` doubles, 64-byte aligned (large buffers on huge pages: see src/scratch.cpp). Throws std::bad_alloc.
AlignedBuffer allocate_doubles(std::size_t count);

// The scratch grid of a multi-round call: the buffer the latest call gave back when it fits `count` doubles,
// otherwise a new one (throws std::bad_alloc). Giving it back keeps it for the next call, unless
// CEXT_KEEP_SCRATCH=0; release_scratch() (include/cext/kernels.hpp) frees it. Safe from any thread.
AlignedBuffer take_scratch(std::size_t count);
void give_back_scratch(AlignedBuffer buffer, std::size_t count) noexcept;

}  // namespace cext
