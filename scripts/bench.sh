#!/usr/bin/env bash
# The main job: installs what is missing, builds, and prints the benchmark
# table (simdpool per ISA beside the scalar reference, the streaming ceiling,
# oneDNN, PyTorch and XNNPACK) for the built-in default suite.
# Usage: scripts/bench.sh [simdpool bench options, e.g. --json out.json]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh bench
[[ -d build ]] || meson setup build >/dev/null
ninja -C build >/dev/null
exec build/tools/simdpool bench "$@"
