// Threading support shared by the kernels: how many OpenMP threads to use, and cooperative cancellation.
//
// A kernel splits its work into chunks of roughly 10-100 microseconds. Between chunks every thread reads the
// cancellation flag (a relaxed atomic load); the thread that called the kernel additionally runs the caller's
// `poll` callback at most every `poll_interval`. The Python glue passes a callback that briefly re-acquires the
// GIL to run PyErr_CheckSignals(), which is how Ctrl-C interrupts a long call. Kernels never see Python.
//
// A token without a callback never reads a clock, and one with a callback reads it first at its first check,
// not when it is made: a call that finishes in microseconds pays nothing for the polling long calls need.
//
// Everything here is compiled once, for the baseline instruction set (src/parallel.cpp): the per-ISA kernel
// objects only call CancelToken::check().
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

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
    bool polls_here() const noexcept;

    // Called by any thread between chunks of work. Returns true once the work should stop.
    bool check() noexcept;

    static constexpr std::chrono::milliseconds poll_interval{20};

private:
    PollFn poll_ = nullptr;
    void* context_ = nullptr;
    std::thread::id owner_ = std::this_thread::get_id();
    bool clock_started_ = false;  // last_poll_ holds a time: set at the first check on the polling thread
    std::chrono::steady_clock::time_point last_poll_{};
    std::atomic<bool> cancelled_{false};
};

// Threads for a parallel region over `work` units, at least `min_work_per_thread` units each. `requested` is the
// caller's num_threads (0: the OpenMP default, which honours OMP_NUM_THREADS and omp_set_num_threads()).
// Small calls run on the calling thread alone: waking a team costs microseconds, and far more when the machine
// is oversubscribed and a team member must wait for a core.
int thread_count(int requested, double work, double min_work_per_thread) noexcept;

// Marks the end of a share of work inside a parallel region, so that the calling thread can keep answering
// Ctrl-C while the rest of the team finishes theirs: OpenMP's own barrier would leave it waiting deaf behind a
// chunk that may run for minutes. Every team member calls `arrive_and_wait()` once per phase (a worksharing
// loop); only the thread that polls waits here, and it returns when all have arrived or the work is cancelled.
// Phases are counted, so one object serves a whole series of rounds.
class TeamProgress {
public:
    explicit TeamProgress(CancelToken& cancel) : cancel_(cancel) {}
    void arrive_and_wait(int team, long long phase) noexcept;

private:
    CancelToken& cancel_;
    std::atomic<long long> arrivals_{0};
};

// The calling thread's index in the current OpenMP team and the team's size (0 and 1 outside a region or in a
// build without OpenMP).
int team_member() noexcept;
int team_size() noexcept;

}  // namespace cext
