#!/usr/bin/env bash
# cext on a CPython built from source: the release's upstream tarball from Debian's mirror (the orig.tar.xz of
# Debian's pythonX.Y source package), configured without PGO or LTO, then .ci/python_suite.sh on it (the whole
# suite, every compiler warning an error). A version ending in "t" is the free-threaded build (--disable-gil).
#
#     bash .ci/cpython.sh 3.14t        bash .ci/cpython.sh 3.13
#
# The interpreter is cached under ~/.cache/cext-cpython, keyed by the release and the configure flags, so a machine
# that built it once reuses it (a build takes about 6 minutes on 2 cores). Runs as root (it installs build
# dependencies with apt-get). Environment: CEXT_CPYTHON_CACHE moves the cache; KEEP=1 keeps the work dir; the
# suite's own variables pass through (.ci/python_suite.sh).
set -euo pipefail

if [[ $# -ne 1 || ! $1 =~ ^3\.[0-9]+t?$ ]]; then
    echo "usage: bash .ci/cpython.sh 3.X or 3.Xt (free-threaded), e.g. 3.14t" >&2
    exit 2
fi
minor=${1%t}
free_threaded=$([[ $1 == *t ]] && echo 1 || echo 0)
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' "$((SECONDS - started))" "$*"; }

# -- the interpreter, from the cache or built -----------------------------------------------------------------------
# Debian's mirror serves these upstream tarballs (the orig.tar.xz of Debian's pythonX.Y source package; the
# newest releases' tarballs are not all served, so each version is pinned to one that is, with its checksum).
declare -A release=([3.13]=3.13.15 [3.14]=3.14.7)
declare -A sha256=(
    [3.13.15]=1e66a7945a48390ee4c2a4268a0e4185884059a13c4aab6d148aa208deea4a76
    [3.14.7]=3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81
)
upstream=${release[$minor]:-}
if [ -z "$upstream" ]; then
    pinned="${!release[*]}"
    echo "no source release is pinned for CPython $minor, only for $pinned;" \
        "Debian's own build of it runs with: bash .ci/debian_python.sh $minor" >&2
    exit 2
fi
configure_flags=(--with-ensurepip=install)
if [ "$free_threaded" = 1 ]; then configure_flags+=(--disable-gil); fi
key=$upstream$([ "$free_threaded" = 1 ] && echo t)-$(printf '%s\n' "${configure_flags[@]}" | sha256sum | cut -c1-12)
cache=${CEXT_CPYTHON_CACHE:-$HOME/.cache/cext-cpython}
prefix=$cache/$key
python=$prefix/bin/python3

if [ -x "$python" ]; then
    step "CPython $upstream$([ "$free_threaded" = 1 ] && echo ' free-threaded') from the cache: $prefix"
else
    step "CPython $upstream from Debian's mirror (python${minor}_$upstream.orig.tar.xz); build dependencies"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq build-essential pkg-config curl libssl-dev zlib1g-dev \
        libffi-dev liblzma-dev libbz2-dev libsqlite3-dev > /dev/null
    tarball=$work/python${minor}_$upstream.orig.tar.xz
    curl --fail --silent --show-error --retry 3 -o "$tarball" \
        "http://deb.debian.org/debian/pool/main/p/python$minor/python${minor}_$upstream.orig.tar.xz"
    echo "${sha256[$upstream]}  $tarball" | sha256sum --check --quiet
    tar -C "$work" -xJf "$tarball"
    cpython=$work/Python-$upstream

    step "configure ${configure_flags[*]} (no PGO/LTO), make -j$(nproc), install into the cache"
    build_start=$SECONDS
    (cd "$cpython" && ./configure --quiet --prefix="$prefix" "${configure_flags[@]}" > "$work/configure.txt" 2>&1) \
        || { tail -50 "$work/configure.txt"; exit 1; }
    (cd "$cpython" && nice make -j"$(nproc)" -s > "$work/make.txt" 2>&1) || { tail -50 "$work/make.txt"; exit 1; }
    # Installed beside the cache entry first, then moved in whole: an interrupted build leaves no entry that looks
    # complete. (The files land at the configured prefix once moved.)
    stage=$cache/.stage-$key-$$
    rm -rf "$stage"
    (cd "$cpython" && make -s install DESTDIR="$stage" > "$work/install.txt" 2>&1) \
        || { tail -50 "$work/install.txt"; rm -rf "$stage"; exit 1; }
    mkdir -p "$cache"
    rm -rf "$prefix"
    mv "$stage$prefix" "$prefix"
    rm -rf "$stage"
    echo "built and installed in $((SECONDS - build_start)) s"
fi
"$python" - "$free_threaded" << 'EOF'
import sys, sysconfig
want_free_threaded = sys.argv[1] == "1"
assert bool(sysconfig.get_config_var("Py_GIL_DISABLED")) == want_free_threaded, "wrong build in the cache"
print("interpreter:", sys.version.replace("\n", " "))
EOF

step "cext on it: bash .ci/python_suite.sh $python"
bash "$repo/.ci/python_suite.sh" "$python"

echo
echo "CPython $1 passed in $((SECONDS - started)) s"
