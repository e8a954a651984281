"""The mutants tools/mutate.py plants: realistic one-line bugs in every part of cext, one at a time.

Each is a Mutant(file, original, replacement, description, tests): `original` must occur exactly once in `file`
(tools/mutate.py refuses to run otherwise, so a mutant cannot silently go stale when the code moves on), and
`tests` is the pytest selection (or the C++ kernel tests) expected to catch it. `equivalent` says why a mutant
cannot be told apart from the original by any test (it is then run but left out of the score); `debug_python`
marks mutants that only a debug build of CPython can see (total reference counts).

The list covers the kernels on every SIMD path (the backends in simd.hpp are per path; escape_counts.hpp and
diffusion.hpp are shared templates), the schedules and cancellation, the Python glue, the dispatch, the tuning
variables read from the environment, the import-time contraction check and show_config()'s fields, and the Python
layers on top: the argument checks cext.dask and cext.mpi share, cext.mpi's agreement between ranks, its
decomposition, halo exchange and diffusion, and the Julia image's coordinates in both.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    file: str
    original: str
    replacement: str
    description: str
    tests: tuple
    equivalent: str = ""
    debug_python: bool = False


CZ = ("tests/test_calculate_z.py",)
EV = ("tests/test_evolve.py",)
INTERRUPT = ("tests/test_interrupt.py",)
REFLEAKS = ("tests/test_refleaks.py",)
MODULE = ("tests/test_module.py",)
TOTAL_REFCOUNT = ("tests/test_total_refcount.py",)
FUZZ_CZ = ("tests/test_fuzz.py", "-k", "calculate_z_returns")
FUZZ_EV = ("tests/test_fuzz.py", "-k", "evolve_returns")
# Not a pytest selection: the C++ kernel tests (tests/cpp), for what Python cannot see without timing it.
KERNEL_TESTS = "tests/cpp/build.py"
KERNELS = (KERNEL_TESTS,)

ESCAPE = "include/cext/escape_counts.hpp"
DIFFUSION = "include/cext/diffusion.hpp"
SIMD = "include/cext/simd.hpp"
SCHEDULE = "src/schedule.cpp"
PLAN = "src/diffusion_plan.cpp"
PLAN_HEADER = "include/cext/diffusion_plan.hpp"
SCRATCH = "src/scratch.cpp"
PARALLEL = "src/parallel.cpp"
CONVERT = "cext/py_convert.hpp"
HANDLES = "cext/py_handles.hpp"
CORE = "cext/_core.cpp"
DISPATCH = "src/dispatch.cpp"
TUNING = "src/tuning.cpp"
SELF_CHECK = "src/self_check.cpp"
CONFIG = "cext/_config.py"
TUNING_ENV = ("tests/test_tuning.py", "-k", "byte_count or keep_scratch or empty_variable or warnings_are_errors")
SHOW_CONFIG = ("tests/test_show_config.py",)
SELF_CHECK_TESTS = ("tests/test_self_check.py",)
ARGUMENTS = "cext/_arguments.py"
JULIA_COORDINATES = "cext/_julia.py"
DASK = "cext/dask.py"
AGREEMENT = "cext/mpi/agreement.py"
DECOMPOSITION = "cext/mpi/decomposition.py"
HALO = "cext/mpi/halo.py"
MPI_DIFFUSION = "cext/mpi/diffusion.py"
MPI_JULIA = "cext/mpi/julia.py"
ARGUMENT_TESTS = ("tests/test_arguments.py",)
DASK_JULIA = ("tests/test_dask.py", "-k", "julia_image_equals")
DASK_DIFFUSE = ("tests/test_dask.py", "-k", "diffuse_equals_one_evolve_call")
# One launch of mpiexec each, a few seconds to half a minute; an MPI test that hangs is cut short by its own
# timeout (tests/test_mpi.py), so these never reach mutate.py's.
MPI_CASES = ("tests/test_mpi.py::test_gathered_results_equal_the_single_process_kernels[2]",)
MPI_BLOCKS = ("tests/test_mpi.py::test_blocks_are_shared_evenly_and_scatter_gather_round_trip",)
MPI_HALO = ("tests/test_mpi.py", "-k", "halo_exchange")
MPI_ERRORS_1 = ("tests/test_mpi.py::test_a_bad_call_on_one_rank_raises_the_same_error_on_every_rank[1]",)
MPI_ERRORS_3 = ("tests/test_mpi.py::test_a_bad_call_on_one_rank_raises_the_same_error_on_every_rank[3]",)
MPI_SIGNATURES = ("tests/test_mpi.py::test_signatures",)

MUTANTS = [
    # -- escape counts: the shared kernel template (every SIMD path) -----------------------------------------------
    Mutant(ESCAPE, "end - next), std::numeric_limits<double>::quiet_NaN(),", "end - next), 0.0,",
           "pad a partial last vector with z = c = 0, which never escapes (right counts, maxiter iterations)", CZ),
    Mutant(ESCAPE, "constexpr std::int64_t kIterationsPerCheck = std::int64_t{1} << 14;",
           "constexpr std::int64_t kIterationsPerCheck = std::int64_t{1} << 27;",
           # With 1 << 24 (a thousand times) the slowest chunk still answered Ctrl-C within 10-70 ms on the
           # development machine, inside the 100 ms the product promises: no longer a bug there.
           "poll for Ctrl-C 8192 times more rarely inside a chunk", INTERRUPT),
    Mutant(ESCAPE, "until_check -= iterations;\n        if (until_check <= 0) {\n"
                   "            until_check = kIterationsPerCheck;\n            if (cancel.check()) {",
           "until_check -= iterations;\n        if (until_check <= 0) {\n"
           "            until_check = kIterationsPerCheck;\n            if (cancel.cancelled()) {",
           "between the groups of a round only read the cancellation flag, never poll for signals", INTERRUPT),
    Mutant(ESCAPE, "until_check -= kBlock;\n        if (until_check <= 0) {\n"
                   "            until_check = kIterationsPerCheck;\n            if (cancel.check()) {",
           "until_check -= kBlock;\n        if (until_check <= 0) {\n"
           "            until_check = kIterationsPerCheck;\n            if (cancel.cancelled()) {",
           "inside a chunk of 2-lane vectors only read the cancellation flag, never poll for signals", INTERRUPT),
    Mutant(ESCAPE, "S::less_where(v.live, S::add(zr2, zi2), four)",
           "S::less_where(v.live, S::add(zr2, zr2), four)",
           "escape test on zr*zr + zr*zr (typo for zi2)", CZ),
    Mutant(ESCAPE, "v.zi = S::add(S::add(t, t), v.ci);", "v.zi = S::add(S::add(t, t), v.cr);",
           "imaginary part adds cr instead of ci", CZ),
    Mutant(ESCAPE, "const unsigned going = last_round ? 0U : S::lane_bits(v.live) & v.valid;",
           "const unsigned going = last_round ? 0U : S::lane_bits(v.live);",
           "rounds: lanes that hold no point go on to the next round as if they were points", CZ,
           equivalent="a lane without a point starts the round not live (its mask is made from the valid lanes) "
                      "and never becomes live, so the live lanes are always valid ones"),
    Mutant(ESCAPE, "v.n = S::counter_splat(counted);", "v.n = S::counter_zero();",
           "rounds: a later round counts its points from zero instead of from the iterations they already ran", CZ),
    Mutant(ESCAPE, "done += lane_count(finished);", "done += lane_count(going);",
           "rounds: advance the list of done points by the number still going", CZ),
    Mutant(ESCAPE, "S::storeu(s.ci + to, S::compress(v.ci, going));", "S::storeu(s.ci + to, S::compress(v.cr, going));",
           "rounds: pack the real part of c where the imaginary part belongs", CZ),
    Mutant(ESCAPE, "iterate<S>(v2, four);\n            }\n            break;\n        default:",
           "}\n            break;\n        default:",
           "rounds: a group of three vectors leaves its third one where it was", CZ),
    Mutant(ESCAPE, "S::storeu(s.zi + to, v.zi);", "S::storeu(s.zi + to, v.zr);",
           "rounds: a vector whose points all go on keeps the real part of z as its imaginary part", CZ),
    Mutant(ESCAPE, "    } else if (going != 0) {\n", "    } else if (going == 0) {\n",
           "rounds: the survivors of a vector that keeps some of its points are never packed", CZ),
    Mutant(ESCAPE, "ci(cr + scratch.capacity),", "ci(cr),",
           "rounds: the packed real and imaginary parts of c share one array of the scratch", CZ),
    Mutant(ESCAPE, "std::fill(s.ci, s.ci + s.count, s.c_im);", "",
           "rounds: an array c found to vary leaves the imaginary part of c of the points packed so far unset", CZ),
    Mutant(ESCAPE, "has_c(v2, re, im) && has_c(v3, re, im)", "has_c(v2, re, im) && has_c(v2, re, im)",
           "rounds: the check that an array c holds one value looks at a group's third vector twice, its fourth "
           "never", CZ),
    Mutant(ESCAPE, "v.ci = S::splat(s.c_im);", "v.ci = S::splat(s.c_re);",
           "rounds: a c that is the same for every point is given its real part as its imaginary part", CZ),
    Mutant(ESCAPE, "const bool last_round = counted + iterations >= a.maxiter;",
           "const bool last_round = counted + iterations > a.maxiter;",
           "rounds: a round that reaches maxiter is not the last (the next one runs no iterations, for ever)", CZ),
    Mutant(ESCAPE, "count == L && slot.iterations <= a.maxiter", "count == L",
           "store a full vector's counts unclamped after a block that ran past maxiter (points that never escape "
           "count up to maxiter + 3)", CZ),
    Mutant(ESCAPE, "std::min<std::int64_t>(counters[k], a.maxiter)", "counters[k]",
           "store a partial or overrunning vector's counts unclamped", CZ),
    Mutant(ESCAPE, "for (std::ptrdiff_t k = 0; k < count; ++k) {", "for (std::ptrdiff_t k = 0; k < L; ++k) {",
           "store a whole vector of counts for a partial last vector (writes past the end of the result)", CZ),
    Mutant(ESCAPE, "if (!(busy0 || busy1 || busy2 || busy3)) {", "if (!(busy0 || busy1 || busy2)) {",
           "leave the chunk while the fourth vector in flight is still iterating", CZ),
    Mutant(ESCAPE, "const double* c = a.c_is_scalar ? a.c : a.c + 2 * first;",
           "const double* c = a.c_is_scalar ? a.c : a.c + first;",
           "index the interleaved cs by point instead of by double", CZ),
    # -- SIMD backends, per path -----------------------------------------------------------------------------------
    Mutant(SIMD, "return _mm_and_pd(m, _mm_cmplt_pd(a, b));", "return _mm_and_pd(m, _mm_cmple_pd(a, b));",
           "baseline (SSE2): escape test <= 4 instead of < 4", CZ),
    Mutant(SIMD, "_mm_sub_epi64(n, _mm_castpd_si128(m))", "_mm_add_epi64(n, _mm_castpd_si128(m))",
           "baseline (SSE2): count a live lane by adding its all-ones mask (-1) instead of subtracting it", CZ),
    Mutant(SIMD, "dst[1] = static_cast<std::int32_t>(v[1]);", "dst[1] = static_cast<std::int32_t>(v[0]);",
           "baseline (SSE2): store the first lane's count twice", CZ),
    Mutant(SIMD, "im = _mm_unpackhi_pd(a, b);", "im = _mm_unpacklo_pd(a, b);",
           "baseline (SSE2): de-interleave the imaginary parts from the real ones", CZ),
    Mutant(SIMD, "static constexpr std::size_t align = 16;", "static constexpr std::size_t align = 8;",
           "baseline (SSE2): peel only to 8-byte alignment before 16-byte non-temporal stores", EV),
    Mutant(SIMD, "_mm256_cmp_pd(a, b, _CMP_LT_OQ)", "_mm256_cmp_pd(a, b, _CMP_LE_OQ)",
           "AVX2: escape test <= 4 instead of < 4", CZ),
    Mutant(SIMD, "_mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0)", "_mm256_setr_epi32(0, 2, 6, 4, 0, 0, 0, 0)",
           "AVX2: store the counts of the last two lanes swapped", CZ),
    Mutant(SIMD, "re = _mm256_permute4x64_pd(lo, _MM_SHUFFLE(3, 1, 2, 0));",
           "re = _mm256_permute4x64_pd(lo, _MM_SHUFFLE(3, 2, 1, 0));",
           "AVX2: de-interleave the real parts in the wrong lane order", CZ),
    Mutant(SIMD, "t.order[bits][2 * to] = 2 * lane;", "t.order[bits][2 * to] = 2 * to;",
           "AVX2: compress moves the high halves of the lanes but leaves the low halves where they were", CZ),
    Mutant(SIMD, "return _mm256_add_epi64(_mm256_set1_epi64x(first), _mm256_setr_epi64x(0, 1, 2, 3));",
           "return _mm256_add_epi64(_mm256_set1_epi64x(first), _mm256_setr_epi64x(0, 1, 3, 2));",
           "AVX2: the first round's points of the last two lanes swapped", CZ),
    Mutant(SIMD, "static void stream(double* p, vec v) { _mm256_stream_pd(p, v); }",
           "static void stream(double* p, vec v) { _mm256_storeu_pd(p, v); }",
           "AVX2: ordinary stores where non-temporal stores were meant", EV,
           equivalent="a non-temporal store writes the same values to the same place; it only bypasses the cache, "
                      "which changes speed, never results"),
    Mutant(SIMD, "_mm512_mask_cmp_pd_mask(m, a, b, _CMP_LT_OQ)", "_mm512_mask_cmp_pd_mask(m, a, b, _CMP_NGE_UQ)",
           "AVX-512: unordered escape test, true on NaN (NaN points never escape)", CZ),
    Mutant(SIMD, "_mm512_mask_add_epi64(n, m, n, _mm512_set1_epi64(1))", "_mm512_add_epi64(n, _mm512_set1_epi64(1))",
           "AVX-512: count every lane, escaped or not", CZ),
    Mutant(SIMD, "_mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1)", "_mm512_set_epi64(15, 13, 11, 9, 7, 5, 1, 3)",
           "AVX-512: de-interleave two imaginary parts swapped", CZ),
    Mutant(SIMD, "_mm512_maskz_cvtepi64_epi32(0xFF, n)", "_mm512_maskz_cvtepi64_epi32(0x7F, n)",
           "AVX-512: store zero for the last lane's count", CZ),
    Mutant(SIMD, "return _mm512_maskz_compress_epi64(static_cast<mask>(bits), n);",
           "return _mm512_maskz_mov_epi64(static_cast<mask>(bits), n);",
           "AVX-512: the points' indices are zeroed in the lanes not going on instead of packed", CZ),
    Mutant(SIMD, "static vec loadu(const double* p) { return _mm512_loadu_pd(p); }",
           "static vec loadu(const double* p) { return _mm512_load_pd(p); }",
           "AVX-512: aligned loads where the stencil's neighbours are unaligned", EV),
    Mutant(SIMD, "_mm512_castpd_si512(prev), 7));", "_mm512_castpd_si512(prev), 6));",
           "AVX-512: the left neighbours of the diffusion stencil shifted in by two lanes, not one", EV),
    # -- diffusion: the shared compute template (every SIMD path) --------------------------------------------------
    Mutant(DIFFUSION, "return mid + D_dt * ((((down + up) + right) + left) - 4.0 * mid);",
           "return mid + D_dt * ((((down + up) + left) + right) - 4.0 * mid);",
           "scalar cells add left and right in the other order (rounds differently)", EV),
    Mutant(DIFFUSION, "S::sub(sum, S::mul(four, centre))", "S::sub(S::mul(four, centre), sum)",
           "vector cells subtract the wrong way round", EV),
    Mutant(DIFFUSION, "mid[last > 0 ? 1 : 0], mid[last], mid[0], g.D_dt);", "mid[1], mid[last], mid[0], g.D_dt);",
           "periodic first cell reads mid[1] even in a one-column grid", EV),
    Mutant(DIFFUSION, "                row_edges(g, src, dst, i);\n", "",
           "one step in runs of rows leaves the cells at the row ends as the run computed them", EV),
    Mutant(DIFFUSION, "std::min(run_last, i + piece_rows)", "i + piece_rows",
           "one step's last run of rows goes on past the last row whose neighbours are next to it", EV),
    Mutant(DIFFUSION, "{ return ((i % n) + n) % n; }", "{ return (i + n) % n; }",
           "wrap indices only one grid length (halos deeper than a small periodic grid)", EV),
    Mutant(DIFFUSION, "const std::ptrdiff_t n = std::min(c1 - j, g.cols - from);",
           "const std::ptrdiff_t n = c1 - j;",
           "gather a periodic halo without splitting it at the grid's right edge", EV),
    Mutant(DIFFUSION, "std::min(w.r1, g.rows)", "std::min(w.r1, g.rows - 1)",
           "cut a fixed grid's widened tile one row short", EV),
    Mutant(DIFFUSION, "if (b == g.cols && b > a) {", "if (b == g.cols - 1 && b > a) {",
           "fixed boundary: the right border cell is computed instead of held", EV),
    Mutant(DIFFUSION, "const double* aligned = stream ? out : mid;", "const double* aligned = mid;",
           "align the loads, not the non-temporal stores, when streaming", EV),
    Mutant(DIFFUSION, "                if (k == depth) {", "                if (k >= depth - 1) {",
           "write the second-to-last step of a tile into the grid", EV),
    Mutant(DIFFUSION, "above = at == 0 ? 2 : at - 1;", "above = at;",
           "a tile's wavefront reads a level's row above from the row itself", EV),
    Mutant(DIFFUSION, "(valid.c1 - col_base + L - 1) / L * L;", "(valid.c1 - col_base) / L * L;",
           "a ring row's vectors stop short of its last valid cells", EV),
    Mutant(DIFFUSION, "                    if (g.boundary == Boundary::fixed) {  // then the border takes back",
           "                    if (g.boundary == Boundary::periodic) {  // then the border takes back",
           "a tile's wavefront leaves a fixed grid's border as the formula wrote it in the ring", EV),
    Mutant(DIFFUSION, "            if (cancel.check()) {\n                cancelled = true;",
           "            if (cancel.cancelled()) {\n                cancelled = true;",
           "evolve: a tile only reads the cancellation flag between its rows, never polls", KERNELS),
    Mutant(DIFFUSION, "walk(b - L, load, store);  // overlaps", "walk(j, load, store);  // overlaps",
           "column walk: the last column of vectors runs past the cells of the formula instead of overlapping", EV),
    Mutant(DIFFUSION, "            up = centre;\n            centre = down;",
           "            up = down;\n            centre = down;",
           "column walk: the row below, not the centre, carried down as the next row's row above", EV),
    Mutant(DIFFUSION, "? std::max<std::ptrdiff_t>(first_row, 1) : first_row;", "? first_row : first_row;",
           "column walk: a fixed grid's first row computed instead of held", EV),
    Mutant(SIMD, "return _mm512_maskz_loadu_pd(static_cast<mask>((1u << n) - 1u), p);",
           "return _mm512_maskz_loadu_pd(static_cast<mask>((1u << n) - 2u), p);",
           "AVX-512: a partial vector's first lane read as zero", EV),
    # -- schedules and cancellation --------------------------------------------------------------------------------
    Mutant(SCRATCH, "if (kept && kept_count >= count && kept_count / 2 <= count) {",
           "if (kept && kept_count / 2 <= count) {",
           "reuse a kept scratch grid smaller than the grid (writes past its end)", EV),
    Mutant(SCHEDULE, "            if (!cancel.check()) {", "            if (!cancel.cancelled()) {",
           "calculate_z: between chunks only read the cancellation flag, never poll for signals", INTERRUPT),
    Mutant(SCHEDULE, "        progress.arrive_and_wait(team_size(), 0);", "        (void)progress;",
           "calculate_z: the calling thread waits at OpenMP's barrier, deaf to Ctrl-C, behind a long chunk",
           INTERRUPT),
    Mutant(SCHEDULE, "                if (cancel.check()) {\n                    return;",
           "                if (cancel.cancelled()) {\n                    return;",
           "evolve: bands and tiles only read the cancellation flag before they start, never poll", KERNELS),
    Mutant(SCHEDULE, "double* dst = (a.steps - 1 - s) % 2 == 0 ? a.out : other.get();",
           "double* dst = (a.steps - s) % 2 == 0 ? a.out : other.get();",
           "evolve: several steps of a grid in L1 end in the buffer, not in out", EV),
    Mutant(SCHEDULE, "            until_check = steps_per_check;\n            if (cancel.check()) {",
           "            until_check = steps_per_check;\n            if (cancel.cancelled()) {",
           "evolve: several steps of a grid in L1 only read the cancellation flag, never poll", KERNELS),
    Mutant(SCHEDULE, "stop[r & 1] = cancel.cancelled();", "stop[r & 1] = false;",
           "evolve: once cancelled, still meet every remaining round's barrier", INTERRUPT),
    Mutant(PLAN, "p.last_depth = static_cast<int>(steps - (p.rounds - 1) * p.depth);",
           "p.last_depth = p.depth;",
           "evolve: the last round advances a full depth even when fewer steps remain", EV),
    Mutant(SCHEDULE, "double* dst = (rounds - 1 - r) % 2 == 0 ? a.out : scratch.get();",
           "double* dst = (rounds - r) % 2 == 0 ? a.out : scratch.get();",
           "evolve: rounds alternate so that the last one lands in the scratch grid", EV),
    Mutant(PLAN, "p.rounds = steps / max_depth + (steps % max_depth != 0);",
           "p.rounds = (steps + max_depth - 1) / max_depth;",
           "evolve: round the round count up with an addition that overflows at steps = 2**63 - 1", INTERRUPT),
    Mutant(PLAN, "p.buffer_stride = (p.tile_width + 7) / 8 * 8 + 2 * ring_margin(p.depth);",
           "p.buffer_stride = p.tile_width / 8 * 8 + 2 * ring_margin(p.depth);",
           "evolve: round the tile buffer's row stride down instead of up", EV),
    Mutant(PLAN_HEADER, "c0 = t % tiles_across * tile_width;", "c0 = t % tiles_down * tile_width;",
           "evolve: a tile's column from the wrong tile count", EV),
    Mutant(SCHEDULE, "        if (rounds > 1) {\n            scratch", "        if (rounds > 2) {\n            scratch",
           "evolve: no scratch grid for exactly two rounds (9 to 16 steps)", EV),
    Mutant(SCHEDULE, "buffers.get() + me * size + plan.buffer_stride", "buffers.get() + plan.buffer_stride",
           "evolve: every thread advances its tiles through the same ring", EV),
    Mutant(SCHEDULE, "const int threads = static_cast<int>(std::min<std::ptrdiff_t>(max_threads, plan.tiles()));",
           "const int threads = max_threads;",
           "evolve: a team larger than the number of tiles", EV,
           equivalent="the extra threads find no tile in the worksharing loop and only meet the barriers; each has "
                      "buffers of its own, so results and cancellation are unchanged"),
    Mutant(PARALLEL, "if (now - last_poll_ < poll_interval) {", "if (now - last_poll_ < poll_interval * 10) {",
           "poll for signals every 200 ms instead of every 20 ms", INTERRUPT),
    Mutant(PARALLEL, "cancelled_.store(true, std::memory_order_relaxed);",
           "cancelled_.store(false, std::memory_order_relaxed);",
           "a poll that raised does not mark the token cancelled", INTERRUPT),
    Mutant(PARALLEL, "return poll_ != nullptr && std::this_thread::get_id() == owner_;", "return poll_ != nullptr;",
           "every team thread runs the poll callback, taking the GIL with the caller's thread state", INTERRUPT),
    Mutant(PARALLEL, "const int wanted = requested > 0 ? requested : omp_get_max_threads();",
           "const int wanted = omp_get_max_threads();", "num_threads is ignored",
           ("tests/test_threadpool.py",)),
    Mutant(PARALLEL, "const long long everyone = static_cast<long long>(team) * (phase + 1);",
           "const long long everyone = static_cast<long long>(team) * phase;",
           "the calling thread stops waiting for its team one phase early", INTERRUPT),
    # -- Python glue -----------------------------------------------------------------------------------------------
    # The first two plant their bug in the fetch/normalize path, which only Python < 3.12 compiles.
    Mutant(CONVERT, "    Py_XDECREF(type);\n    Py_XDECREF(traceback);", "    Py_XDECREF(traceback);",
           "leak a reference to the exception type on every renamed conversion error", TOTAL_REFCOUNT,
           debug_python=True),
    Mutant(CONVERT, "    Py_XDECREF(type);\n    Py_XDECREF(traceback);", "    Py_XDECREF(type);",
           "leak the traceback of every renamed conversion error", REFLEAKS),
    Mutant(CONVERT, "PyException_SetCause(renamed, original);", "PyException_SetCause(renamed, Py_NewRef(original));",
           "leak the original exception kept as __cause__", REFLEAKS),
    Mutant(HANDLES, "        Py_XINCREF(p);\n        return Ref(p);", "        return Ref(p);",
           "Ref::new_ref takes no reference (out= loses one per call)", REFLEAKS),
    Mutant(CORE, "    return Py_NewRef(out_obj);", "    return out_obj;",
           "evolve returns out without a new reference", REFLEAKS),
    Mutant(CONVERT, "if (overflow > 0 || value > hi) {", "if (overflow > 0 || value >= hi) {",
           "integer arguments refuse their largest allowed value (maxiter 2**31 - 1)", CZ),
    Mutant(CONVERT, "if (overflow < 0 || (overflow == 0 && value < lo)) {", "if (overflow == 0 && value < lo) {",
           "a hugely negative integer passes the range check as -1", EV + CZ),
    Mutant(CONVERT, "if (overflow != 0 || value < 1 || value > kMaxThreads) {",
           "if (overflow != 0 || value < 0 || value > kMaxThreads) {", "num_threads=0 is accepted", CZ),
    Mutant(CONVERT, "    if (!PyArray_ISWRITEABLE(arr)) {", "    if (false) {",
           "a read-only out is written", CZ),
    Mutant(CONVERT, "if (!same_type || !PyArray_ISNOTSWAPPED(arr)) {",
           "if (!same_type) {", "a byte-swapped out is accepted", CZ),
    Mutant(CONVERT, "if (PyArray_TYPE(arr) == typenum && PyArray_ISCARRAY_RO(arr) && (ndim",
           "if (PyArray_TYPE(arr) == typenum && (ndim",
           "a strided, unaligned or byte-swapped input array is read as if it were native and C-contiguous", EV),
    Mutant(CONVERT, "if (PyArray_NDIM(arr) != ndim || !PyArray_CompareLists(PyArray_DIMS(arr), dims, ndim)) {",
           "if (PyArray_NDIM(arr) != ndim) {", "an out of the wrong shape is accepted", CZ),
    Mutant(CONVERT, "&& alo < bhi && blo < ahi;", "&& alo <= bhi && blo <= ahi;",
           "arrays that merely touch count as overlapping", EV + FUZZ_EV),
    Mutant(CONVERT, "*hi = end + PyArray_ITEMSIZE(arr);", "*hi = end;",
           "the overlap test forgets the last element's own bytes", CZ + EV),
    Mutant(CONVERT, "(kind == 'c' && typenum == NPY_CDOUBLE)", "kind == 'c'",
           "a complex grid is accepted by evolve", EV),
    Mutant(CORE, "const bool c_is_scalar = PyArray_NDIM(cs.array()) == 0;",
           "const bool c_is_scalar = PyArray_SIZE(cs.array()) == 1;",
           "a one-element cs array is taken as the scalar c", CZ + FUZZ_CZ),
    Mutant(CORE, " ||\n            !check_no_overlap(out, cs_obj, cs.array(), out_arg, \"cs\")) {", ") {",
           "out may overlap cs", CZ),
    Mutant(CORE, "        D * dt,", "        dt * D,", "evolve multiplies dt by D instead of D by dt", EV,
           equivalent="IEEE-754 multiplication is commutative: both orders round to the same double"),
    Mutant(CORE, "if (overflow < 0 || n < 0) {", "if (n < 0) {", "fib drops the negative-overflow test",
           ("tests/test_fib.py",),
           equivalent="PyLong_AsLongAndOverflow returns -1 whenever it reports an overflow, so n < 0 already holds"),
    Mutant(CONVERT, "            PyErr_NoMemory();\n            return false;", "            return false;",
           "a kernel's allocation failure returns NULL without an exception", ("tests/test_huge_inputs.py",)),
    Mutant(HANDLES, "const bool raised = PyErr_CheckSignals() != 0;", "const bool raised = false;",
           "a signal handler that raised does not cancel the kernel", INTERRUPT),
    Mutant(CORE, "cext::CancelToken token(main_thread ? &ReleaseGil::poll : nullptr, &nogil);",
           "cext::CancelToken token(nullptr, &nogil);", "kernels never poll for signals", INTERRUPT),
    # -- dispatch --------------------------------------------------------------------------------------------------
    Mutant(DISPATCH, "return (cpu_features() & table.required_features) == table.required_features;",
           "return (cpu_features() & table.required_features) != 0;",
           "a table counts as supported if the CPU has any one of its features (baseline: none)", MODULE),
    Mutant(DISPATCH, "if (std::strcmp(table->name, name) == 0) {", "if (std::strncmp(table->name, name, 3) == 0) {",
           "paths are found by their first three letters ('avx2' finds avx512)", MODULE),
    Mutant(DISPATCH, "use(problem == nullptr ? *table : best());", "use(best());", "CEXT_SIMD is ignored", MODULE),
    Mutant(DISPATCH, "active_table.exchange(&table, std::memory_order_acq_rel);",
           "active_table.load(std::memory_order_acquire);",
           "_set_simd() reports the switch but never makes it (every per-path test runs the best path)", CZ + EV),
    # -- tuning variables read from the environment ---------------------------------------------------------------
    Mutant(TUNING, "if (*digit < '0' || *digit > '9' || value > (kMaxTuningBytes - d) / 10) {",
           "if (*digit < '0' || *digit > '9') {\n            break;\n        }\n"
           "        if (value > (kMaxTuningBytes - d) / 10) {",
           "a byte count is read up to its first non-digit (CEXT_STREAM_BYTES=64M is 64 bytes)", TUNING_ENV),
    Mutant(TUNING, "if (*digit < '0' || *digit > '9' || value > (kMaxTuningBytes - d) / 10) {",
           "if (*digit < '0' || *digit > '9') {",
           "a byte count too large for Py_ssize_t wraps around instead of being rejected", TUNING_ENV),
    Mutant(TUNING, "    if (value == 0) {", "    if (false) {",
           "a byte count of 0 is accepted (every grid streams; tiles of no bytes)", TUNING_ENV),
    Mutant(TUNING, 'if (std::strcmp(keep, "0") == 0 || std::strcmp(keep, "1") == 0) {', "if (true) {",
           "CEXT_KEEP_SCRATCH takes any value without a warning ('yes' frees the scratch grid)", TUNING_ENV),
    Mutant(CORE, "        if (variable.value.empty()) {", "        if (true) {",
           "a rejected tuning variable is ignored without a warning", TUNING_ENV),
    Mutant(CORE, '"tile_rejected", tile_rejected.get(),', '"tile_rejected", stream_rejected.get(),',
           "_build_info() reports CEXT_STREAM_BYTES's rejected value as CEXT_TILE_BYTES's", TUNING_ENV),
    # -- the import-time contraction check -------------------------------------------------------------------------
    Mutant(SELF_CHECK, "            return false;", "            return true;",
           "the contraction check passes at the first difference it finds (a fused build imports)",
           SELF_CHECK_TESTS),
    Mutant(SELF_CHECK, "    volatile double change = D_dt * lap;", "    double change = D_dt * lap;",
           "the check's reference may fuse its last multiply-add, just like a fused kernel", SELF_CHECK_TESTS),
    Mutant(SELF_CHECK, "grid[i] = 1.0 / (i + 3) + 0.1 * (i % 7);", "grid[i] = 1.0;",
           "the check probes a uniform grid, whose Laplacian is 0: fused and unfused steps agree", SELF_CHECK_TESTS),
    # -- show_config() and _build_info() ---------------------------------------------------------------------------
    Mutant(CORE, '"max_threads", max_threads, "num_procs", num_procs,',
           '"max_threads", num_procs, "num_procs", num_procs,',
           "_build_info() reports the processor count as the default thread count", SHOW_CONFIG),
    Mutant(CONFIG, '"l3_bytes": info["caches"]["l3"]', '"l3_bytes": info["caches"]["l2"]',
           "show_config() reports the L2 cache's size as the L3's", SHOW_CONFIG),
    Mutant(CONFIG, 'openmp["processors"] = info["num_procs"] if', 'openmp["processors"] = info["max_threads"] if',
           "show_config() reports the default thread count as the processor count", SHOW_CONFIG),
    Mutant(CONFIG, '"stream_bytes": tuning["stream_bytes"],', '"stream_bytes": tuning["tile_bytes"],',
           "show_config() reports the tile budget as the streaming threshold", SHOW_CONFIG),
    # -- argument checks shared by cext.dask and cext.mpi ----------------------------------------------------------
    Mutant(ARGUMENTS, "DEFAULT_NUM_THREADS = 1", "DEFAULT_NUM_THREADS = None",
           "cext.dask and cext.mpi default to a full OpenMP team per block, oversubscribing the cores",
           MPI_SIGNATURES),
    Mutant(ARGUMENTS, "return max(1, min(8, narrowest // 16))", "return max(1, min(16, narrowest // 16))",
           "the default steps_per_exchange goes up to 16 steps, past one round of evolve's temporal blocking",
           ARGUMENT_TESTS),
    Mutant(ARGUMENTS, "    if count < 1:", "    if count < 0:",
           "steps_per_exchange=0 is accepted (cext.dask.diffuse would then loop for ever)", ARGUMENT_TESTS),
    # -- the Julia image's coordinates (cext.dask and cext.mpi) -----------------------------------------------------
    Mutant(JULIA_COORDINATES, "y_step = (y_range[0] - y_range[1]) / height",
           "y_step = (y_range[1] - y_range[0]) / height",
           "the imaginary step has the wrong sign: rows climb above y_max instead of descending", DASK_JULIA),
    Mutant(JULIA_COORDINATES, "x_step = (x_range[1] - x_range[0]) / width if width else 0.0",
           "x_step = (x_range[1] - x_range[0]) / height if height else 0.0",
           "the real step is taken from the image's height (right only for square images)", DASK_JULIA),
    # -- cext.dask --------------------------------------------------------------------------------------------------
    Mutant(DASK, "            depth=k,", "            depth=k - 1,",
           "diffuse: the chunks' overlap is one cell shallower than the steps between exchanges", DASK_DIFFUSE),
    Mutant(DASK, 'boundary="periodic" if boundary == "periodic" else "none",',
           'boundary="none" if boundary == "periodic" else "periodic",',
           "diffuse: Dask's halo at the grid's edges swapped (a fixed grid wraps, a periodic one does not)",
           DASK_DIFFUSE),
    # -- cext.mpi: the agreement every call makes -----------------------------------------------------------------
    Mutant(AGREEMENT, "for rank, report in enumerate(reports) if report[1] is not None]",
           "for rank, report in enumerate(reports[:1]) if report[1] is not None]",
           "only rank 0's verdict counts: another rank's bad argument surfaces as a disagreement, not as itself",
           MPI_ERRORS_3),
    Mutant(AGREEMENT, "raise _ERROR_TYPES.get(kind, RuntimeError)(message + suffix)",
           "raise ValueError(message + suffix)",
           "a refused argument is raised as ValueError whatever its type (a TypeError becomes a ValueError)",
           MPI_ERRORS_1),
    # -- cext.mpi: the decomposition ------------------------------------------------------------------------------
    Mutant(DECOMPOSITION, "return (start, start + base + (part < extra))",
           "return (start, start + base + (part <= extra))",
           "block split off by one: one block too many gets the extra cell, so blocks overlap", MPI_BLOCKS),
    Mutant(DECOMPOSITION, "periods=[periodic, periodic]", "periods=[periodic, False]",
           "a periodic grid of ranks wraps its rows only, not its columns", MPI_BLOCKS),
    Mutant(DECOMPOSITION, "row, column = self.comm.Get_coords(rank)", "column, row = self.comm.Get_coords(rank)",
           "a rank's block is found from its coordinates swapped (the grid of ranks transposed)", MPI_BLOCKS),
    Mutant(DECOMPOSITION, 'if self.boundary == "periodic" or self.dims[axis] > 1]', "if self.dims[axis] > 1]",
           "a periodic axis of one rank is taken to exchange no halo: a halo deeper than its block is not refused",
           MPI_ERRORS_3),
    Mutant(DECOMPOSITION, 'return np.array(array[self.block_slices], dtype=dtype, order="C")',
           "return array[self.block_slices].astype(dtype, copy=False)",
           "scatter gives rank 0 a view of its grid, not a C-contiguous block of its own", MPI_BLOCKS),
    # -- cext.mpi: the halo exchange ------------------------------------------------------------------------------
    Mutant(HALO, "neighbours = [comm.Shift(axis, 1) for axis in (0, 1)]",
           "neighbours = [comm.Shift(axis, -1) for axis in (0, 1)]",
           "the neighbours' direction flipped: the halo above comes from the rank below", MPI_HALO),
    Mutant(HALO, "after = [0 if higher == MPI.PROC_NULL else depth for", "after = [0 if higher == MPI.PROC_NULL else "
           "depth + 1 for", "the halo below and to the right is one cell wider than the cells received into it",
           MPI_HALO),
    Mutant(HALO, "other = self.block[1] if axis == 0 else slice(0, self.shape[0])",
           "other = self.block[1] if axis == 0 else self.block[0]",
           "columns travel only the block's height, so the corners never arrive from the diagonal neighbours",
           MPI_HALO),
    Mutant(HALO, "slice(start + extent - depth, start + extent), _tag(axis, _TOWARDS_HIGHER)",
           "slice(start + extent - depth - 1, start + extent - 1), _tag(axis, _TOWARDS_HIGHER)",
           "the cells sent to the higher neighbour are taken one cell too far inside the block", MPI_HALO),
    Mutant(HALO, "regions.append((lower, slice(0, start), _tag(axis, _TOWARDS_HIGHER),",
           "regions.append((lower, slice(0, start), _tag(axis, _TOWARDS_LOWER),",
           "the halo from the lower neighbour is awaited under the wrong tag: the exchange never completes", MPI_HALO),
    # -- cext.mpi: diffusion and the Julia image ------------------------------------------------------------------
    Mutant(MPI_DIFFUSION, "advance = min(depth, remaining)", "advance = depth",
           "diffuse: the last exchange advances a full steps_per_exchange even when fewer steps remain", MPI_CASES),
    Mutant(MPI_DIFFUSION, "return current[halo.block].copy()", "return current[halo.block]",
           "diffuse returns a view of the halo's buffer, which the next call on the decomposition overwrites",
           MPI_CASES),
    Mutant(MPI_JULIA, 'Decomposition._agreed(comm, (height, width), "fixed", grid_of_ranks)',
           'Decomposition._agreed(comm, (width, height), "fixed", grid_of_ranks)',
           "julia_image cuts a width x height grid instead of height x width (wrong for non-square images)",
           MPI_CASES),
]
