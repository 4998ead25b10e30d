/**
 * Scalar reference for dynamic int8 row quantization (`f32-qd8-quantize-rows-*`), step for step the
 * float32 arithmetic of `kernels/src/qd8_quantize.rs`, so every kernel variant must match it exactly:
 *
 * - symmetric: `scale = absmax/127`, `q = rne(x · (127/absmax))`, zero point 0;
 * - asymmetric: range `[min(0, min x), max(0, max x)]`, `scale = range/255`, `inv = 255/range`,
 *   `zp = -128 - rne(lo·inv)`, `q = clamp(rne(x·inv) + zp, -128, 127)`;
 * - an all-zero row gives scale 0, zero point 0, codes 0.
 *
 * Dequantization is `x ≈ (q - zp)·scale`.
 * @module
 */

/** Int8 rows with one scale and zero point per row. */
export interface QuantizedRows {
  /** Rows. */
  m: number;
  /** Codes per row. */
  k: number;
  /** Codes, `m × k` row-major. */
  q: Int8Array;
  /** Per-row scale. */
  scale: Float32Array;
  /** Per-row zero point (0 when symmetric). */
  zeroPoint: Int32Array;
}

const f = Math.fround;

/** Round half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Quantizes `m` rows of `k` floats.
 *
 * @example
 * ```ts
 * const r = quantizeRowsRef(new Float32Array([1, -0.5]), { m: 1, k: 2, asymmetric: false });
 * if (r.q[0] !== 127 || r.q[1] !== -64) throw new Error("codes");
 * ```
 */
export function quantizeRowsRef(
  x: Float32Array,
  options: { m: number; k: number; asymmetric: boolean },
): QuantizedRows {
  const { m, k, asymmetric } = options;
  const q = new Int8Array(m * k);
  const scale = new Float32Array(m);
  const zeroPoint = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < k; j++) {
      const v = x[i * k + j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    let inv = 0;
    let z = 0;
    let qmin = -127;
    if (asymmetric) {
      qmin = -128;
      const l = lo < 0 ? lo : 0;
      const range = f((hi > 0 ? hi : 0) - l);
      if (range > 0) {
        inv = f(255 / range);
        z = -128 - roundHalfEven(f(l * inv));
        scale[i] = f(range / 255);
      }
    } else {
      const absmax = -lo > hi ? -lo : hi;
      if (absmax > 0) {
        inv = f(127 / absmax);
        scale[i] = f(absmax / 127);
      }
    }
    zeroPoint[i] = z;
    for (let j = 0; j < k; j++) {
      const t = roundHalfEven(f(x[i * k + j]! * inv)) + z;
      q[i * k + j] = t < qmin ? qmin : t > 127 ? 127 : t;
    }
  }
  return { m, k, q, scale, zeroPoint };
}
