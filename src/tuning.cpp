// Cache sizes as the machine reports them, and the diffusion kernel's decisions (see include/cext/tuning.hpp).
#include "cext/tuning.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__linux__) || defined(__APPLE__)
#include <unistd.h>
#endif
#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#endif

namespace cext {

namespace {

// Assumed when the machine says nothing: a modest desktop core (32 KiB L1, 512 KiB L2, 8 MiB L3).
constexpr CacheSizes kAssumedCaches{std::size_t{32} << 10, std::size_t{512} << 10, std::size_t{8} << 20, "assumed"};

#if defined(__linux__)
// A sysfs size such as "32K", "1024K" or "32M".
std::size_t parse_size(const std::string& text) {
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (end == text.c_str()) {
        return 0;
    }
    const char unit = *end;
    const std::size_t scale = unit == 'K' ? 1u << 10 : unit == 'M' ? 1u << 20 : unit == 'G' ? 1u << 30 : 1u;
    return static_cast<std::size_t>(value) * scale;
}

std::string read_line(const std::string& path) {
    std::string line;
    if (std::FILE* f = std::fopen(path.c_str(), "r")) {
        char buffer[64];
        if (std::fgets(buffer, sizeof buffer, f) != nullptr) {
            line = buffer;
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
                line.pop_back();
            }
        }
        std::fclose(f);
    }
    return line;
}

// /sys/devices/system/cpu/cpu0/cache/index*/: level, type and size of each cache the first CPU sees.
bool read_sysfs(CacheSizes& sizes) {
    bool found = false;
    for (int index = 0; index < 16; ++index) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        const std::string level = read_line(dir + "level");
        if (level.empty()) {
            break;
        }
        const std::string type = read_line(dir + "type");
        const std::size_t size = parse_size(read_line(dir + "size"));
        if (type == "Instruction" || size == 0) {
            continue;
        }
        found = true;
        if (level == "1") {
            sizes.l1d = size;
        } else if (level == "2") {
            sizes.l2 = size;
        } else if (level == "3") {
            sizes.l3 = size;
        }
    }
    return found && sizes.l2 != 0;
}

bool read_sysconf(CacheSizes& sizes) {
#if defined(_SC_LEVEL2_CACHE_SIZE) && defined(_SC_LEVEL3_CACHE_SIZE) && defined(_SC_LEVEL1_DCACHE_SIZE)
    const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (l2 <= 0) {
        return false;
    }
    sizes.l1d = l1 > 0 ? static_cast<std::size_t>(l1) : sizes.l1d;
    sizes.l2 = static_cast<std::size_t>(l2);
    sizes.l3 = l3 > 0 ? static_cast<std::size_t>(l3) : 0;
    return true;
#else
    (void)sizes;
    return false;
#endif
}
#endif

#if defined(__APPLE__)
bool read_sysctl(CacheSizes& sizes) {
    const auto query = [](const char* name) -> std::size_t {
        std::int64_t value = 0;
        std::size_t length = sizeof value;
        return sysctlbyname(name, &value, &length, nullptr, 0) == 0 && value > 0 ? static_cast<std::size_t>(value) : 0;
    };
    const std::size_t l2 = query("hw.l2cachesize");
    if (l2 == 0) {
        return false;
    }
    sizes.l1d = query("hw.l1dcachesize") ? query("hw.l1dcachesize") : sizes.l1d;
    sizes.l2 = l2;
    sizes.l3 = query("hw.l3cachesize");
    return true;
}
#endif

CacheSizes detect_caches() {
    CacheSizes sizes = kAssumedCaches;
#if defined(__linux__)
    // sysfs first: glibc's sysconf derives L3 from CPUID and can report the whole package's L3 to a VM that
    // sees only part of it (320 MiB against sysfs's 32 MiB on one cloud machine).
    if (read_sysfs(sizes)) {
        sizes.source = "sysfs";
        return sizes;
    }
    sizes = kAssumedCaches;
    if (read_sysconf(sizes)) {
        sizes.source = "sysconf";
        return sizes;
    }
#elif defined(__APPLE__)
    if (read_sysctl(sizes)) {
        sizes.source = "sysctl";
        return sizes;
    }
#endif
    return kAssumedCaches;
}

// Reads a byte count from the environment into `bytes`: decimal digits only, from 1 to kMaxTuningBytes. Anything
// else ("64M", "-1", " 64", "1e6", a number too large) is copied into `rejected` instead of being read as far as
// it makes sense: strtoull would take "64M" for 64 bytes and "-1" for the largest number there is. Unset or empty
// leaves both alone.
void bytes_from_env(const char* name, std::size_t& bytes, bool& from_env, std::string& rejected) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return;
    }
    unsigned long long value = 0;
    for (const char* digit = text; *digit != '\0'; ++digit) {
        const unsigned d = static_cast<unsigned>(*digit - '0');
        if (*digit < '0' || *digit > '9' || value > (kMaxTuningBytes - d) / 10) {
            rejected = text;
            return;
        }
        value = value * 10 + d;
    }
    if (value == 0) {
        rejected = text;
        return;
    }
    bytes = static_cast<std::size_t>(value);
    from_env = true;
}

DiffusionTuning decide_tuning(const CacheSizes& caches) {
    DiffusionTuning tuning{};
    // Non-temporal stores skip the read-for-ownership of the output, a third of a step's memory traffic, but
    // evict what they write. They pay once the grid is at least 3/4 of the last-level cache: input and output
    // together then exceed it by half, so the output would be evicted before the next step reads it anyway.
    // Below that, ordinary stores keep the next step's input in cache. (No L3: the L2 plays its part.)
    const std::size_t last_level = caches.l3 != 0 ? caches.l3 : caches.l2;
    tuning.stream_bytes = last_level / 4 * 3;
    // Temporal blocking keeps a thread's ring of rows in its L2 at most, with a quarter left for the rows of the
    // grid streaming through and the stack.
    tuning.tile_bytes = caches.l2 / 4 * 3;
    // A single step walks down columns of vectors while the grid and its output both fit in the L1 data cache.
    tuning.column_bytes = caches.l1d / 2;
    bytes_from_env("CEXT_STREAM_BYTES", tuning.stream_bytes, tuning.stream_from_env, tuning.stream_rejected);
    bytes_from_env("CEXT_TILE_BYTES", tuning.tile_bytes, tuning.tile_from_env, tuning.tile_rejected);
    bytes_from_env("CEXT_COLUMN_BYTES", tuning.column_bytes, tuning.column_from_env, tuning.column_rejected);
    // Exactly "0" or "1": "no", "false" or "off" would otherwise keep the scratch grid, the opposite of what they say.
    tuning.keep_scratch = true;
    if (const char* keep = std::getenv("CEXT_KEEP_SCRATCH"); keep != nullptr && *keep != '\0') {
        if (std::strcmp(keep, "0") == 0 || std::strcmp(keep, "1") == 0) {
            tuning.keep_scratch = keep[0] == '1';
            tuning.keep_from_env = true;
        } else {
            tuning.keep_rejected = keep;
        }
    }
    return tuning;
}

}  // namespace

const CacheSizes& cache_sizes() noexcept {
    static const CacheSizes sizes = detect_caches();
    return sizes;
}

const DiffusionTuning& diffusion_tuning() noexcept {
    static const DiffusionTuning tuning = decide_tuning(cache_sizes());
    return tuning;
}

}  // namespace cext
