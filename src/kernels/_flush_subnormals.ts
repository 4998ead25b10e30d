// Subnormal float32 weights stored as zero (shared by the fp32 conv and GEMM bindings).

/** Smallest positive normal float32, 2^-126: nonzero weights smaller in magnitude are subnormal. */
export const MIN_NORMAL_F32 = 2 ** -126;

/**
 * Replaces every subnormal value of `w` (nonzero, |v| < 2^-126) by zero, in place, and returns how many
 * it replaced. For weights copied into kernel memory: a subnormal weight's products lie below float32's
 * normal range, so they can change a sum only when the sum is itself that small, while x86 cores take a
 * microcode assist (about a hundred cycles) for each multiply that makes or reads one and wasm has no
 * flush-to-zero mode. PP-OCR rec's squeeze-and-excite convs (22 % of their weights subnormal) ran about
 * 50× slower than other convs of their size. The scalar and SIMD builds all see the flushed weights, so
 * their results stay bit-identical to one another.
 *
 * @example
 * ```ts
 * const w = new Float32Array([1e-40, 0.5, -1e-39]);
 * if (flushSubnormals(w) !== 2 || w[0] !== 0 || w[1] !== 0.5) throw new Error("flush");
 * ```
 */
export function flushSubnormals(w: Float32Array): number {
  let flushed = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (v !== 0 && v < MIN_NORMAL_F32 && v > -MIN_NORMAL_F32) {
      w[i] = 0;
      flushed++;
    }
  }
  return flushed;
}
