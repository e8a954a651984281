// Scratch memory for the schedules (see include/cext/scratch.hpp). Compiled for the baseline instruction set only.
#include "cext/scratch.hpp"

#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cext/kernels.hpp"
#include "cext/tuning.hpp"

namespace cext {

// Buffers of 4 MiB and more are 2 MiB-aligned and advised to use transparent huge pages, as NumPy does for its
// own arrays: faulting a fresh scratch grid in 4 KiB pages took longer than several steps of computation on it
// (32 MiB: 16 ms, against 4 ms with huge pages, on a 2-core cloud VM).
AlignedBuffer allocate_doubles(std::size_t count) {
    const std::size_t bytes = count * sizeof(double);
    const bool large = bytes >= (std::size_t{4} << 20);
    const std::align_val_t alignment{large ? std::size_t{2} << 20 : 64};
    AlignedBuffer buffer(static_cast<double*>(::operator new[](bytes, alignment)), AlignedDelete{alignment});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (large) {
        madvise(buffer.get(), bytes, MADV_HUGEPAGE);  // advice only: ignoring failure is correct
    }
#endif
    return buffer;
}

namespace {

// The scratch grid of a multi-round call, kept for the next one. A fresh grid costs the kernel a page fault and a
// zeroed page for every page of it: 30 to 440 ms for 512 MiB on the development VM (the slow ones compacting
// memory for huge pages), against about 300 ms for the 20 steps on 8192^2 that use it. Repeated calls on grids of
// one size fault it in once. One buffer is kept, the one the latest call used, and it is reused only for a grid
// at least half its size, so what stays allocated follows the grids the caller is working on;
// CEXT_KEEP_SCRATCH=0 (or set_keep_scratch(false) at run time) frees it after every call, and release_scratch()
// at module teardown.
class ScratchStore {
public:
    ScratchStore() : keep_(diffusion_tuning().keep_scratch) {}

    AlignedBuffer take(std::size_t count) {
        AlignedBuffer kept;
        std::size_t kept_count = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            kept = std::move(kept_);
            std::swap(kept_count, kept_count_);
        }
        if (kept && kept_count >= count && kept_count / 2 <= count) {
            return kept;
        }
        kept.reset();  // the wrong size for this grid: free it before allocating
        return allocate_doubles(count);
    }

    // Takes back a buffer of `count` doubles from take(); a buffer kept by a concurrent call is freed instead.
    // The setting is read under the lock that set_keep() takes, so a buffer given back after keeping was turned
    // off is freed, never kept.
    void give_back(AlignedBuffer buffer, std::size_t count) noexcept {
        if (!buffer) {
            return;
        }
        AlignedBuffer previous;
        std::lock_guard<std::mutex> lock(mutex_);
        if (!keep_) {
            previous = std::move(buffer);
            return;
        }
        previous = std::move(kept_);  // freed after the lock is released (declared before the guard)
        kept_ = std::move(buffer);
        kept_count_ = count;
    }

    void release() noexcept {
        AlignedBuffer previous;
        std::lock_guard<std::mutex> lock(mutex_);
        previous = drop_kept();
    }

    KeepScratch set_keep(bool keep) noexcept {
        AlignedBuffer previous;
        std::lock_guard<std::mutex> lock(mutex_);
        const KeepScratch before = state();
        keep_ = keep;
        set_at_run_time_ = true;
        if (!keep) {
            previous = drop_kept();
        }
        return before;
    }

    KeepScratch keep() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return state();
    }

private:
    // Both with the lock held. kept_count_ is 0 whenever no buffer is kept (take() and drop_kept() zero it).
    AlignedBuffer drop_kept() noexcept {
        kept_count_ = 0;
        return std::move(kept_);
    }
    KeepScratch state() const noexcept { return {keep_, set_at_run_time_, kept_count_ * sizeof(double)}; }

    std::mutex mutex_;
    AlignedBuffer kept_;
    std::size_t kept_count_ = 0;
    bool keep_;
    bool set_at_run_time_ = false;
};

ScratchStore& scratch_store() {
    static ScratchStore store;  // never destroyed before the module's teardown releases it
    return store;
}

}  // namespace

AlignedBuffer take_scratch(std::size_t count) { return scratch_store().take(count); }

void give_back_scratch(AlignedBuffer buffer, std::size_t count) noexcept {
    scratch_store().give_back(std::move(buffer), count);
}

void release_scratch() noexcept { scratch_store().release(); }

KeepScratch set_keep_scratch(bool keep) noexcept { return scratch_store().set_keep(keep); }

KeepScratch keep_scratch() noexcept { return scratch_store().keep(); }

}  // namespace cext
