#!/bin/sh
# Every peer (oneDNN, PyTorch, XNNPACK) against simdpool's scalar reference on
# oneDNN's benchdnn shape files: all three algorithms, both directions, both
# layouts, batch 2. Exit 77 (skipped) when the corpus folder is missing.
# usage: check_corpus.sh SIMDPOOL_BENCH CORPUS_DIR [SHAPE_FILE...]
bin=$1
dir=$2
shift 2
[ -d "$dir" ] || { echo "skipping: no benchdnn corpus at $dir"; exit 77; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in "$@"; do
    [ -f "$dir/$f" ] || { echo "missing $dir/$f"; exit 1; }
    # One problem per line; prefix the options that expand it into every case.
    grep -v '^[[:space:]]*#' "$dir/$f" | grep -v '^[[:space:]]*$' |
        sed 's/^/--alg max,avg_p,avg_np --dir fwd,bwd /' >>"$tmp"
done
exec "$bin" --check --problems="$tmp" --mb=2
