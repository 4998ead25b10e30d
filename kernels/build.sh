#!/usr/bin/env bash
# Rebuilds the committed kernels/dist/*.wasm from kernels/src with Debian's rustc-web toolchain, offline,
# reproducibly (DESIGN.md §3). Needs: apt-get install -y --no-install-recommends rustc-web cargo-web
# rust-web-src lld-22, and `npm install` (binaryen's wasm-opt). Usage: kernels/build.sh [variant...]
# where variant is scalar, simd128 or relaxed (default: all three).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
wasm_opt="$root/node_modules/.bin/wasm-opt"

# Debian's toolchain only: a rustup install in ~/.cargo must stay off PATH.
export PATH=/usr/bin:/bin
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22
export SOURCE_DATE_EPOCH=0
for tool in rustc cargo wasm-ld-22; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found; apt-get install rustc-web cargo-web rust-web-src lld-22" >&2; exit 1; }
done
[ -x "$wasm_opt" ] || { echo "build.sh: $wasm_opt not found; run npm install" >&2; exit 1; }

# build-std's own dependencies come from the vendored sources shipped with rust-web-src.
sysroot="$(rustc --print sysroot)"
vendor="$sysroot/lib/rustlib/src/rust/library/vendor"
[ -d "$vendor" ] || { echo "build.sh: $vendor missing; apt-get install rust-web-src" >&2; exit 1; }
export CARGO_HOME="$here/target/cargo-home"
mkdir -p "$CARGO_HOME"
cat >"$CARGO_HOME/config.toml" <<TOML
[source.crates-io]
replace-with = "vendored-std"
[source.vendored-std]
directory = "$vendor"
TOML

features_of() {
  case "$1" in
    scalar) echo "-simd128" ;;
    simd128) echo "+simd128" ;;
    relaxed) echo "+simd128,+relaxed-simd" ;;
    *) echo "build.sh: unknown variant $1 (scalar, simd128, relaxed)" >&2; exit 1 ;;
  esac
}
opt_flags_of() {
  case "$1" in
    scalar) echo "" ;;
    simd128) echo "--enable-simd" ;;
    relaxed) echo "--enable-simd --enable-relaxed-simd" ;;
  esac
}

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(scalar simd128 relaxed)
mkdir -p "$here/dist"
for v in "${variants[@]}"; do
  feats="$(features_of "$v")"
  start=$(date +%s)
  # Paths are remapped so the output does not depend on where the checkout lives.
  RUSTFLAGS="-C target-feature=$feats -C link-arg=-zstack-size=262144 --remap-path-prefix=$here=kernels --remap-path-prefix=$sysroot=/rust" \
    cargo build --offline --release --quiet --manifest-path "$here/Cargo.toml" \
    --target wasm32-unknown-unknown -Zbuild-std=core,alloc --target-dir "$here/target/$v"
  raw="$here/target/$v/wasm32-unknown-unknown/release/bitloop_kernels.wasm"
  # -ocimfs 200: functions with one caller are inlined only up to 200 bytes. Without it -O3 merged every
  # int8 GEMM tile into one 65 KB export, and JavaScriptCore's optimizing tier held ~10 MiB while compiling
  # it during Bun's first low-mode run (the run peak of BENCHMARKS.md's memory section); GEMM and conv
  # speed measured the same within 2-3 % under Deno.
  # shellcheck disable=SC2046
  "$wasm_opt" -O3 -ocimfs 200 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-multivalue $(opt_flags_of "$v") --strip-debug --strip-producers \
    "$raw" -o "$here/dist/bitloop_kernels_$v.wasm"
  echo "kernels/dist/bitloop_kernels_$v.wasm $(wc -c <"$here/dist/bitloop_kernels_$v.wasm") bytes ($(( $(date +%s) - start )) s)"
done
