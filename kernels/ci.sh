#!/usr/bin/env bash
# CI for the kernels, callable from .ci/run after `npm ci`: installs Debian's Rust→wasm toolchain,
# rebuilds kernels/dist/*.wasm from source, checks the rebuilt files are byte-identical to the committed
# ones (and the generated status table is current), does the same for the native aarch64 library
# (kernels/native), then runs the kernel suite on the rebuilt modules.
# Exit status is non-zero on any failure. Takes about 3–4 minutes on a 2-core machine (cold build of
# core for three targets); `KERNELS_CLEAN=1` forces a cold build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

step() { printf '\n== kernels: %s ==\n' "$*"; }

step "toolchain (rustc-web, cargo-web, rust-web-src, lld-22)"
if ! PATH=/usr/bin:/bin command -v wasm-ld-22 >/dev/null || ! PATH=/usr/bin:/bin command -v cargo >/dev/null \
  || [ ! -d /usr/lib/rustlib/src/rust/library/vendor ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src lld-22 >/dev/null
fi
PATH=/usr/bin:/bin rustc --version

step "build"
if [ "${KERNELS_CLEAN:-0}" = 1 ]; then rm -rf kernels/target; fi
kernels/build.sh
node_modules/.bin/bun kernels/gen_status.ts

step "rebuilt files equal the committed ones"
if git ls-files --error-unmatch kernels/dist >/dev/null 2>&1; then
  if ! git diff --exit-code --stat -- kernels/dist src/kernels/status.ts; then
    echo "kernels/dist or src/kernels/status.ts differ from the commit: run npm run build:kernels and commit"
    exit 1
  fi
else
  echo "kernels/dist is not committed yet: skipping the comparison"
fi
sha256sum kernels/dist/*.wasm

step "native aarch64 library (gcc-aarch64-linux-gnu): rebuild and compare"
if ! command -v aarch64-linux-gnu-gcc >/dev/null || [ ! -f /usr/aarch64-linux-gnu/include/stdint.h ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi
kernels/native/build.sh
if git ls-files --error-unmatch kernels/native/dist >/dev/null 2>&1; then
  if ! git diff --exit-code --stat -- kernels/native/dist; then
    echo "kernels/native/dist differs from the commit: run kernels/native/build.sh and commit"
    exit 1
  fi
else
  echo "kernels/native/dist is not committed yet: skipping the comparison"
fi
sha256sum kernels/native/dist/*.so
# Its exact-agreement tests run under qemu in `npm run test:arm64` (tests/kernels/native_arm64.test.ts).

# .ci/run sets KERNELS_SKIP_TESTS=1: its `npm test` runs tests/kernels on the rebuilt modules anyway.
if [ "${KERNELS_SKIP_TESTS:-0}" != 1 ]; then
  step "kernel suite on the rebuilt modules (bun test tests/kernels)"
  node_modules/.bin/bun test tests/kernels
fi
