// The OpenMP constructs the schedules share: a team skipped when one thread is all it gets, and two ways to hand
// out items to it.
//
// Templates, so that each schedule's loop body is inlined into its own parallel region. Included only by the
// schedules (src/schedule.cpp), which are compiled for the baseline instruction set; the thread counts and the
// team's bookkeeping they use are in include/cext/parallel.hpp.
#pragma once

#include <cstddef>

#include "cext/parallel.hpp"

namespace cext {

// Runs `body(in_team)` on a team of `threads` OpenMP threads, or straight on the calling thread when one is all it
// gets: even a one-thread parallel region costs libgomp a microsecond or two to set up, more than a small call's
// whole work. Outside a team `body` must not meet an OpenMP construct (LLVM's runtime aborts on some orphaned
// ones), so it shares its work through share_items() and synchronises through team_barrier().
template <class Body>
void run_team(int threads, Body&& body) {
    if (threads <= 1) {
        body(false);
        return;
    }
#pragma omp parallel num_threads(threads)
    body(true);
}

// Calls item(i) for i in [0, count): handed out one at a time to whichever team member is free, or in order on
// the calling thread alone.
template <class Item>
void share_items(bool in_team, std::ptrdiff_t count, Item&& item) {
    if (!in_team) {
        for (std::ptrdiff_t i = 0; i < count; ++i) {
            item(i);
        }
        return;
    }
#pragma omp for schedule(dynamic, 1) nowait
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        item(i);
    }
}

// Calls item(i) for i in [0, count), each team member taking one contiguous run of about count / team size
// items, the same run on every call of the same shape: for work whose items cost alike, where staying in a
// thread's own cache from one call to the next is worth more than balancing on the fly.
template <class Item>
void share_items_in_runs(bool in_team, std::ptrdiff_t count, Item&& item) {
    if (!in_team) {
        for (std::ptrdiff_t i = 0; i < count; ++i) {
            item(i);
        }
        return;
    }
#pragma omp for schedule(static) nowait
    for (std::ptrdiff_t i = 0; i < count; ++i) {
        item(i);
    }
}

inline void team_barrier(bool in_team) {
    if (in_team) {
#pragma omp barrier
    }
}

}  // namespace cext
