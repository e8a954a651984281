#!/usr/bin/env bash
# The documentation site: built the way the README says, with every warning an error and every cross-reference
# checked (-W -n), its examples run as doctests, and the built pages opened in a real browser (headless
# Chromium) to check that each shows what it must: the title on the index, the real signature on the API page,
# a results table naming its CPU on the benchmark page. Screenshots of those pages are saved for a person to
# look at; the script prints where.
#
# Run from the repository root inside an activated virtualenv (it installs the `docs` extra, which builds cext
# in place). As root it installs Chromium from Debian when `chromium` is missing (apt-get update first);
# otherwise Chromium must already be there. The benchmark pages need the committed bench/results/full.json.
# Environment: CEXT_DOCS_SCREENSHOTS=dir saves the screenshots there (default docs/_build/screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n=== [%4ds] %s\n' $((SECONDS - started)) "$*"; }
html=docs/_build/html
shots=${CEXT_DOCS_SCREENSHOTS:-docs/_build/screenshots}

step "install: pip install -e \".[docs]\""
python -m pip install --quiet -e ".[docs]"

step "Chromium"
if ! command -v chromium > /dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium is missing and not root: apt-get install chromium" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
fi
chromium --version

step "README headline table matches bench/results/full.json"
python tools/render_readme.py --check

step "HTML: python -m sphinx -W -n --keep-going -b html docs $html"
rm -rf docs/_build docs/_generated  # figures are redrawn from the JSON too
python -m sphinx -W -n --keep-going -q -b html docs "$html"

step "doctest: the pages' examples"
python -m sphinx -W -n --keep-going -q -b doctest docs docs/_build/doctest
tail -n 6 docs/_build/doctest/output.txt

step "the built pages in headless Chromium"
mkdir -p "$shots"
# page | what its text must contain (a literal string; CPU: the CPU named in bench/results/full.json)
checks=(
    "index.html|A hand-written C++ extension for CPython"
    "reference/cext.html|calculate_z(maxiter, zs, cs, *, out=None, num_threads=None)"
    "reference/cext.html|evolve(grid, out, dt, D=1.0, *, boundary='fixed', steps=1, num_threads=None)"
    "benchmarks/results.html|TABLE:CPU"
    "benchmarks/sweep.html|TABLE:CPU"
)
cpu=$(python -c "import json; print(json.load(open('bench/results/full.json'))['machine']['cpu'])")
failed=0
for check in "${checks[@]}"; do
    page=${check%%|*}
    expected=${check#*|}
    url="file://$PWD/$html/$page"
    dom="$shots/$(echo "$page" | tr / _).dom.html"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom "$url" \
        > "$dom" 2> /dev/null
    # The page's visible text, tags stripped, whitespace collapsed; TABLE:x asks for a <table> whose text holds x.
    if python - "$dom" "$expected" "$cpu" <<'PYTHON'; then
import html
import re
import sys

dom, expected, cpu = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]


def text(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", fragment)).split())


if expected.startswith("TABLE:"):
    wanted = cpu if expected == "TABLE:CPU" else expected[len("TABLE:"):]
    tables = re.findall(r"<table\b.*?</table>", dom, flags=re.S)
    found = any(wanted in text(table) for table in tables)
    print(f"  {len(tables)} tables; one naming {wanted!r}: {'yes' if found else 'NO'}")
else:
    found = expected in text(dom)
    print(f"  {expected!r}: {'found' if found else 'NOT FOUND'}")
sys.exit(0 if found else 1)
PYTHON
        echo "ok      $page"
    else
        echo "MISSING $page: $expected"
        failed=1
    fi
done
for page in index.html reference/cext.html benchmarks/results.html user/kernels.html; do
    png="$shots/$(echo "${page%.html}" | tr / _).png"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=5000 \
        --window-size=1280,2000 --screenshot="$PWD/$png" "file://$PWD/$html/$page" > /dev/null 2>&1
    [ -s "$png" ] || { echo "no screenshot of $page"; failed=1; }
done
echo "screenshots: $PWD/$shots"
[ "$failed" -eq 0 ] || { echo "a page lacks its expected content (DOMs saved beside the screenshots)"; exit 1; }

echo
echo "docs passed in $SECONDS s"
