#!/usr/bin/env bash
# cext on Debian's own builds of the newest CPythons: a Debian unstable root (debootstrap) with Debian's
# pythonX.Y packages and that release's g++, and .ci/python_suite.sh run inside it for each version given (a new
# venv, NumPy's wheel from PyPI, cext built with every warning an error, the whole suite).
#
#     bash .ci/debian_python.sh 3.15 3.14
#
# Debian's mirror serves these releases as packages, not as sources (their orig tarballs are not served), and
# they need unstable's C library, hence the separate root rather than an install on this machine. The root is
# cached under ~/.cache/cext-debian (CEXT_DEBIAN_CACHE moves it): it takes about a minute to make, and a reused
# machine only installs what a new version asks for. Runs as root (debootstrap, chroot, bind mounts). The
# suite's own variables pass through (CEXT_STRESS_SECONDS, PARALLEL_THREADS, KEEP).
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: bash .ci/debian_python.sh 3.X [3.Y ...], e.g. 3.15 3.14" >&2
    exit 2
fi
for version in "$@"; do
    [[ $version =~ ^3\.[0-9]+$ ]] || { echo "not a CPython version: $version (e.g. 3.15)" >&2; exit 2; }
done
repo=$(cd "$(dirname "$0")/.." && pwd)
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' "$((SECONDS - started))" "$*"; }

cache=${CEXT_DEBIAN_CACHE:-$HOME/.cache/cext-debian}
root=$cache/sid
mirror=http://deb.debian.org/debian
# The mirror's snapshot of unstable may be older than its Release file's validity window.
apt_options=(-o Acquire::Check-Valid-Until=false -o APT::Install-Recommends=false)

if [ ! -x "$root/usr/bin/apt-get" ]; then
    step "a Debian unstable root in $root (debootstrap --variant=minbase)"
    command -v debootstrap > /dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap > /dev/null; }
    rm -rf "$root.new"
    mkdir -p "$cache"
    debootstrap --variant=minbase sid "$root.new" "$mirror" > "$cache/debootstrap.log" 2>&1 \
        || { tail -30 "$cache/debootstrap.log"; exit 1; }
    mv "$root.new" "$root"  # only a finished root gets the name
fi

# The root sees this machine's kernel interfaces (the suite reads cache sizes from /sys and CPU counts from
# /proc), its name server, and its certificate authorities (this machine may reach PyPI through a proxy whose
# authority only its own bundle has). Everything mounted here is unmounted on the way out.
# A run killed before its cleanup leaves its mounts behind: take them down first (deleting the cache with /dev
# still bound into it would delete this machine's device nodes).
for leftover in dev sys proc; do
    if mountpoint -q "$root/$leftover" 2> /dev/null; then umount -l "$root/$leftover"; fi
done
mounts=()
cleanup() {
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2> /dev/null || true; done
}
trap cleanup EXIT
mount_into() {  # mount_into TYPE-OR-bind SOURCE TARGET
    if [ "$1" = bind ]; then mount --rbind "$2" "$3"; else mount -t "$1" "$2" "$3"; fi
    mount --make-rslave "$3" 2> /dev/null || true
    mounts+=("$3")
}
mount_into proc proc "$root/proc"
mount_into bind /sys "$root/sys"
mount_into bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 CEXT_STRESS_SECONDS="${CEXT_STRESS_SECONDS:-5}" PARALLEL_THREADS="${PARALLEL_THREADS:-4}" \
    KEEP="${KEEP:-0}" DEBIAN_FRONTEND=noninteractive "$@"; }

packages=(g++ ca-certificates)
for version in "$@"; do packages+=("python$version-dev" "python$version-venv"); done
if ! in_root dpkg -s "${packages[@]}" > /dev/null 2>&1; then
    step "Debian's packages in the root: ${packages[*]}"
    in_root apt-get "${apt_options[@]}" update -qq
    in_root apt-get "${apt_options[@]}" install -y -qq "${packages[@]}" > /dev/null
fi
# After the packages, whose ca-certificates writes the root's own bundle: this machine's bundle replaces it on every
# run (a new root has no /etc/ssl/certs before that package is installed).
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
echo "in the root: $(in_root g++ --version | head -1); $(for v in "$@"; do in_root "python$v" --version; done | paste -sd, -)"

rm -rf "$root/cext"
mkdir -p "$root/cext"
tar -C "$repo" --exclude=./.git --exclude=./build --exclude='*.so' --exclude=./docs/_build -cf - . \
    | tar -C "$root/cext" -xf -
for version in "$@"; do
    step "Debian's python$version: bash .ci/python_suite.sh /usr/bin/python$version (in the root)"
    in_root bash /cext/.ci/python_suite.sh "/usr/bin/python$version"
done
rm -rf "$root/cext"

echo
echo "Debian's CPython $* passed in $((SECONDS - started)) s"
