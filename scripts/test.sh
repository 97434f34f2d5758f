#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test
# (native ISAs, then the AArch64 build under qemu-user when it can be built).
# Usage: scripts/test.sh [extra meson test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh test

[[ -d build ]] || meson setup build >/dev/null
ninja -C build >/dev/null
status=0
logs=(build/meson-logs/testlog.json)
meson test -C build --print-errorlogs "$@" || status=1

if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  [[ -d build-aarch64 ]] ||
    meson setup build-aarch64 --cross-file cross/aarch64-linux-gnu.ini \
      -Dsleef=disabled -Dbench=disabled >/dev/null
  ninja -C build-aarch64 >/dev/null
  logs+=(build-aarch64/meson-logs/testlog.json)
  meson test -C build-aarch64 --print-errorlogs "$@" || status=1
else
  echo "test.sh: no aarch64 cross compiler or qemu-aarch64: AArch64 tests skipped"
fi
python3 scripts/count-tests.py "${logs[@]}"
exit $status
