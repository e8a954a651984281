// What the machine reports about its caches, and the decisions the diffusion kernel takes from it.
//
// Nothing here is a constant tuned to one CPU: sizes are read at run time (Linux sysfs, then sysconf, then the
// platform's own query) and every decision can be overridden by an environment variable, read once at import:
//     CEXT_STREAM_BYTES   grids at least this large are written with non-temporal stores
//     CEXT_TILE_BYTES     per-thread budget for the ring of rows of multi-step diffusion (and for the grids
//                         whose steps go one at a time, without tiles)
//     CEXT_COLUMN_BYTES   single steps on grids of at most this many bytes walk down columns of vectors
//     CEXT_KEEP_SCRATCH   0: free the scratch grid of multi-round diffusion after each call instead of keeping it
// A value that does not say exactly one of these things (a unit, a sign, a space, a number too large) is rejected
// and the machine's value kept: the module warns at import and show_config() reports the rejected value.
// cext.show_config() prints the sizes, where they came from, and the decisions.
#pragma once

#include <cstddef>
#include <string>

namespace cext {

struct CacheSizes {
    std::size_t l1d;     // bytes per core
    std::size_t l2;      // bytes per core
    std::size_t l3;      // bytes, the last-level cache shared by the cores (0 if there is none)
    const char* source;  // "sysfs", "sysconf", "sysctl" or "assumed"
};

struct DiffusionTuning {
    std::size_t stream_bytes;  // grids of at least this many bytes are streamed to memory
    std::size_t tile_bytes;    // per-thread budget for the ring of rows of a tile, or for a grid stepped in bands
    std::size_t column_bytes;  // steps on a grid of at most this many bytes walk down columns, on one thread
    bool keep_scratch;         // keep the scratch grid of a multi-round call for the next one
    bool stream_from_env;      // true where the environment overrode the decision
    bool tile_from_env;
    bool column_from_env;
    bool keep_from_env;
    std::string stream_rejected;  // a malformed value of the variable, ignored; empty when none was
    std::string tile_rejected;
    std::string column_rejected;
    std::string keep_rejected;
};

// The largest byte count the environment may set: sizes are handed to Python as Py_ssize_t.
constexpr unsigned long long kMaxTuningBytes = 0x7FFFFFFFFFFFFFFFull;

// Read once; safe to call from any thread.
const CacheSizes& cache_sizes() noexcept;
const DiffusionTuning& diffusion_tuning() noexcept;

}  // namespace cext
