// Threading support shared by the kernels (see include/cext/parallel.hpp). Compiled for the baseline
// instruction set only.
#include "cext/parallel.hpp"

#include <algorithm>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace cext {

bool CancelToken::polls_here() const noexcept { return poll_ != nullptr && std::this_thread::get_id() == owner_; }

bool CancelToken::check() noexcept {
    if (cancelled()) {
        return true;
    }
    if (!polls_here()) {
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!clock_started_) {  // the first chunk has just ended: the interval starts here
        clock_started_ = true;
        last_poll_ = now;
        return false;
    }
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

int thread_count(int requested, double work, double min_work_per_thread) noexcept {
#ifdef _OPENMP
    const int wanted = requested > 0 ? requested : omp_get_max_threads();
#else
    const int wanted = 1;
    (void)requested;
#endif
    const double useful = work / min_work_per_thread;
    return useful < 2.0 ? 1 : static_cast<int>(std::min<double>(wanted, useful));
}

void TeamProgress::arrive_and_wait(int team, long long phase) noexcept {
    const long long everyone = static_cast<long long>(team) * (phase + 1);
    arrivals_.fetch_add(1, std::memory_order_acq_rel);
    if (!cancel_.polls_here()) {
        return;  // only the calling thread answers Ctrl-C; the others go straight to OpenMP's barrier
    }
    const auto since = std::chrono::steady_clock::now();
    // Poll at least once per phase, even when everyone has already arrived.
    while (!cancel_.check() && arrivals_.load(std::memory_order_acquire) < everyone) {
        if (std::chrono::steady_clock::now() - since < std::chrono::milliseconds(2)) {
            std::this_thread::yield();  // the usual wait: the others are about to finish
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a long chunk: poll, don't spin
        }
    }
}

int team_member() noexcept {
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int team_size() noexcept {
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

}  // namespace cext
