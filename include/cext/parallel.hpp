// Threading support shared by the kernels: how many OpenMP threads to use, and cooperative cancellation.
//
// A kernel splits its work into chunks of roughly 10-100 microseconds. Between chunks every thread reads the
// cancellation flag (a relaxed atomic load); the thread that called the kernel additionally runs the caller's
// `poll` callback at most every `poll_interval`. The Python glue passes a callback that briefly re-acquires the
// GIL to run PyErr_CheckSignals(), which is how Ctrl-C interrupts a long call. Kernels never see Python.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cext {

// Outcome of a kernel call. `cancelled` means the poll callback asked to stop; outputs are then unspecified.
enum class Status { ok, cancelled, no_memory };

class CancelToken {
public:
    using PollFn = bool (*)(void* context);  // returns true to cancel

    CancelToken() = default;
    CancelToken(PollFn poll, void* context) : poll_(poll), context_(context) {}
    CancelToken(const CancelToken&) = delete;
    CancelToken& operator=(const CancelToken&) = delete;

    bool cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }

    // True on the thread that created the token, the only one that runs the poll callback.
    bool polls_here() const noexcept { return poll_ != nullptr && std::this_thread::get_id() == owner_; }

    // Called by any thread between chunks of work. Returns true once the work should stop.
    bool check() noexcept {
        if (cancelled()) {
            return true;
        }
        if (poll_ == nullptr || std::this_thread::get_id() != owner_) {
            return false;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - last_poll_ < poll_interval) {
            return false;
        }
        last_poll_ = now;
        if (poll_(context_)) {
            cancelled_.store(true, std::memory_order_relaxed);
            return true;
        }
        return false;
    }

    static constexpr std::chrono::milliseconds poll_interval{20};

private:
    PollFn poll_ = nullptr;
    void* context_ = nullptr;
    std::thread::id owner_ = std::this_thread::get_id();
    std::chrono::steady_clock::time_point last_poll_ = std::chrono::steady_clock::now();
    std::atomic<bool> cancelled_{false};
};

// Threads for a parallel region over `work` units, at least `min_work_per_thread` units each. `requested` is the
// caller's num_threads (0: the OpenMP default, which honours OMP_NUM_THREADS and omp_set_num_threads()).
// Small calls run on the calling thread alone: waking a team costs microseconds, and far more when the machine
// is oversubscribed and a team member must wait for a core.
inline int thread_count(int requested, double work, double min_work_per_thread) noexcept {
#ifdef _OPENMP
    const int wanted = requested > 0 ? requested : omp_get_max_threads();
#else
    const int wanted = 1;
    (void)requested;
#endif
    const double useful = work / min_work_per_thread;
    return useful < 2.0 ? 1 : static_cast<int>(std::min<double>(wanted, useful));
}

}  // namespace cext
