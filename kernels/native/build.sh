#!/usr/bin/env bash
# Rebuilds the committed kernels/native/dist/libbitloop_native_arm64.so (native aarch64 int8 GEMM:
# portable, dotprod `sdot` and i8mm `smmla` variants in one library, per-function target attributes)
# with Debian's cross toolchain, reproducibly (DESIGN.md §3).
# Needs: apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cc=aarch64-linux-gnu-gcc
command -v "$cc" >/dev/null || {
  echo "native/build.sh: $cc not found; apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross" >&2
  exit 1
}
export SOURCE_DATE_EPOCH=0 LC_ALL=C
mkdir -p "$here/dist"
out="$here/dist/libbitloop_native_arm64.so"
# The baseline is plain armv8-a so the library loads (and its portable variant runs) on any aarch64.
# -ffp-contract=off: no fused multiply-add, so the epilogue rounds like the TypeScript reference;
# -fwrapv: the int32 zero-point corrections wrap (only their final sum must fit, which k limits).
# Paths are remapped and the build id dropped so the bytes do not depend on the checkout's location.
(cd "$here" && "$cc" -O2 -fPIC -shared -march=armv8-a -ffp-contract=off -fwrapv -fno-ident \
  -ffile-prefix-map="$here"=kernels/native -Wall -Wextra -Werror -Wno-unused-parameter \
  -Wl,--build-id=none -Wl,--hash-style=gnu -s \
  -o "$out" qd8_f32_qcw_gemm.c)
echo "kernels/native/dist/libbitloop_native_arm64.so $(wc -c <"$out") bytes"
