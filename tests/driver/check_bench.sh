#!/bin/sh
# `simdpool bench` on two small cases of the default suite, and on a problem
# file: exit 0, a table, JSON with every case, an SVG chart.
# usage: check_bench.sh SIMDPOOL_EXE
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
check() { # check DESCRIPTION COMMAND...
    what=$1
    shift
    if "$@"; then pass=$((pass + 1)); else echo "FAIL $what"; fail=$((fail + 1)); fi
}

"$exe" bench --filter '^global_avg_b1/' --min-time 0.01 --json "$tmp/b.json" \
    --svg "$tmp/b.svg" >"$tmp/out" 2>"$tmp/err"
check "bench exits 0" [ $? -eq 0 ]
cat "$tmp/out"
check "table has both cases" grep -q 'global_avg_b1/avg_p/fwd/nhwc' "$tmp/out"
check "table has the ceiling" grep -q 'ceiling' "$tmp/out"
check "JSON has both cases" [ "$(grep -c '"name": "global_avg_b1/' "$tmp/b.json")" -eq 2 ]
check "JSON has the scalar reference" grep -q '"scalar": {"seconds"' "$tmp/b.json"
check "SVG chart written" grep -q '</svg>' "$tmp/b.svg"

cat >"$tmp/problems" <<'PROBLEMS'
# a PyTorch-style line and a benchdnn descriptor
--name tiny2d --alg max,avg_np --dir fwd,bwd --layout nhwc --shape 2,8,9,9 --kernel 3 --stride 2 --pad 1
mb2ic16_ih12oh6_kh3sh2ph1n"tiny:descriptor"
PROBLEMS
"$exe" bench "$tmp/problems" --no-peers --min-time 0.01 --threads 1 >"$tmp/out2" 2>"$tmp/err2"
check "problem file exits 0" [ $? -eq 0 ]
check "problem file: 4 + 2 cases" [ "$(grep -c -E '^(tiny2d|tiny_descriptor)/' "$tmp/out2")" -eq 6 ]
"$exe" bench --filter 'no-such-case' >/dev/null 2>"$tmp/err3"
check "empty filter is exit 2" [ $? -eq 2 ]
"$exe" bench --bogus >/dev/null 2>"$tmp/err4"
check "unknown option is exit 2" [ $? -eq 2 ]

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
