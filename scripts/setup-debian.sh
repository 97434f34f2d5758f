#!/usr/bin/env bash
# Installs the Debian packages simdpool's build, tests and benchmark use,
# skipping what is already there. Usage: scripts/setup-debian.sh [build|test|bench|all]
set -euo pipefail

build_pkgs=(gcc meson ninja-build pkg-config libsleef-dev)
# The driver tests compare against PyTorch through Debian's python3; the
# AArch64 build runs its tests under qemu-user.
test_pkgs=(python3-numpy python3-torch gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
# Google Benchmark and the peers measured beside simdpool.
bench_pkgs=(g++ libbenchmark-dev libdnnl-dev libtorch-dev libxnnpack-dev libpthreadpool-dev)

case "${1:-all}" in
  build) wanted=("${build_pkgs[@]}") ;;
  test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  bench) wanted=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
  all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup-debian: installing ${missing[*]}"
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
