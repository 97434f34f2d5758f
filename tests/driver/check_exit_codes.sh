#!/bin/sh
# Exit codes and one-line reasons of `simdpool run` for bad input.
# usage: check_exit_codes.sh SIMDPOOL_EXE
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
with_env=

expect() { # expect STATUS DESCRIPTION ARGS...
    want=$1
    what=$2
    shift 2
    env $with_env "$exe" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $what: exit $got, expected $want: $exe $*"
        cat "$tmp/err"
        fail=$((fail + 1))
    elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
        echo "FAIL $what: expected one line on stderr, got $lines"
        cat "$tmp/err"
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
}

# .npy files written by hand (format 1.0, data at byte 128), so no numpy is needed.
npy() { # npy FILE DESCR SHAPE COUNT ELEMSIZE
    header="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
    printf '\223NUMPY\001\000\166\000' >"$1" # version 1.0, header 118 bytes
    printf '%-117s\n' "$header" >>"$1"
    head -c $(($4 * $5)) /dev/zero >>"$1"
}
npy "$tmp/x.npy" '<f4' '(1, 2, 4, 4)' 32 4
npy "$tmp/x64.npy" '<i8' '(1, 2, 4, 4)' 32 8
npy "$tmp/bad.npy" '<f4' '(1, 2, 4, 5)' 40 4

expect 0 "valid run" run --shape 1,2,4,4 --kernel 2
expect 0 "valid run from a file" run --shape 1,2,4,4 --kernel 2 --input "$tmp/x.npy" --output "$tmp/y.npy"
expect 0 "shape taken from the input file" run --kernel 2 --input "$tmp/x.npy"
expect 0 "nhwc reads (N,H,W,C)" run --layout nhwc --shape 1,4,2,4 --kernel 2 --input "$tmp/x.npy"
expect 0 "benchdnn descriptor" run mb2ic16_ih32oh16_kh3sh2ph1 --alg avg_np
expect 0 "help" run --help
expect 2 "unknown option" run --shape 1,2,4,4 --kernel 2 --bogus
expect 2 "unknown alg" run --alg median --shape 1,2,4,4 --kernel 2
expect 2 "missing value" run --shape 1,2,4,4 --kernel
expect 2 "no problem" run --alg max
expect 2 "no kernel" run --shape 1,2,4,4
expect 2 "bad shape list" run --shape 1,2 --kernel 2
expect 2 "kernel list length" run --shape 1,2,4,4 --kernel 2,2,2
expect 2 "empty output" run --shape 1,2,4,4 --kernel 5
expect 2 "bad padding" run --shape 1,2,4,4 --kernel 2 --pad -1
expect 2 "divisor with max" run --alg max --shape 1,2,4,4 --kernel 2 --divisor 3
expect 2 "bad descriptor" run mb2ic16_ih32oh16_kh3sh2ph1zz3
expect 2 "descriptor without ic" run mb2_ih32oh16_kh3
expect 2 "unknown isa" run --isa sse9 --shape 1,2,4,4 --kernel 2
expect 2 "shape mismatch in .npy" run --shape 1,2,4,4 --kernel 2 --input "$tmp/bad.npy"
expect 2 "nchw file for nhwc" run --layout nhwc --shape 1,2,4,4 --kernel 2 --input "$tmp/x.npy"
expect 2 "diff-dst shape mismatch" run --dir bwd --alg avg --shape 1,2,4,4 --kernel 2 --diff-dst "$tmp/x.npy"
expect 2 "indices dtype" run --dir bwd --shape 1,2,8,8 --kernel 2 --indices "$tmp/x.npy"
expect 2 "input dtype" run --shape 1,2,4,4 --kernel 2 --input "$tmp/x64.npy"
expect 2 "missing file" run --shape 1,2,4,4 --kernel 2 --input "$tmp/none.npy"
expect 2 "not an npy file" run --shape 1,2,4,4 --kernel 2 --input "$0"
expect 2 "indices out of their window" run --dir bwd --shape 1,2,8,8 --kernel 2 --indices "$tmp/x64.npy"
with_env=SIMDPOOL_ISA=bogus
expect 2 "SIMDPOOL_ISA unknown" run --shape 1,2,4,4 --kernel 2
expect 0 "--isa overrides SIMDPOOL_ISA" run --isa scalar --shape 1,2,4,4 --kernel 2
with_env=
expect 2 "unknown command" frobnicate
SIMDPOOL_ISA=bogus "$exe" run --shape 1,2,4,4 --kernel 2 2>&1 | grep -q SIMDPOOL_ISA ||
    { echo "FAIL: the SIMDPOOL_ISA error does not name the variable"; fail=$((fail + 1)); }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
