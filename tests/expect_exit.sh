#!/bin/sh
# expect_exit.sh CODE PATTERN COMMAND...: passes when COMMAND exits with CODE
# and its stderr has a line matching PATTERN (a grep -E expression).
code=$1 pattern=$2
shift 2
err=$("$@" 2>&1 >/dev/null)
got=$?
if [ "$got" -ne "$code" ]; then
  echo "expected exit $code, got $got from: $*" >&2
  exit 1
fi
if ! printf '%s\n' "$err" | grep -Eq "$pattern"; then
  echo "stderr lacks /$pattern/: $err" >&2
  exit 1
fi
echo "exit $got and a matching reason: $err"
