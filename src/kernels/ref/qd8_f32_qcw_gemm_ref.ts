/**
 * Scalar reference for the `qd8-f32-qc{8,4,2}w` GEMM, on plain (unpacked) codes. Integer sums are exact;
 * the float epilogue replays the kernels' float32 steps in order, so every variant must match exactly:
 *
 * ```text
 * per block b of column j (real k range K_b, len_b):
 *   T = Σ (qa - za)·u,  R = Σ (qa - za)                     (integers)
 *   acc = f32(acc + f32(scale·f32(T)));  acc = f32(acc + f32(offset·f32(R)))
 * out = act(f32(f32(sa·acc) + bias))
 * ```
 * @module
 */
import type { Activation } from "../activation.ts";
import { applyActivationRef } from "./activation_ref.ts";
import type { QuantizedRows } from "./quantize_rows_ref.ts";

/** Quantized weights in plain form: what the packer takes. */
export interface QcwWeights {
  /** Output columns. */
  n: number;
  /** Reduction length. */
  k: number;
  /** Bit width of the codes. */
  bits: 2 | 4 | 8;
  /** Unsigned codes `u` in `0..2^bits`, `[n][k]` row-major (one output column's codes contiguous). */
  codes: Uint8Array;
  /** Scales, `[n][blocks]`. */
  scales: Float32Array;
  /** Offsets, `[n][blocks]`: weight = `u·scale + offset`. @default `-2^(bits-1)·scale` (symmetric) */
  offsets?: Float32Array;
  /** Codes per block along k (a positive multiple of 8), or 0 for one block per column. @default 0 */
  blockSize?: number;
  /** Per-column bias (`n`). */
  bias?: Float32Array;
}

/** Number of blocks per column: `ceil(k / blockSize)`, 1 when per channel. */
export function qcwBlocks(k: number, blockSize = 0): number {
  const kp = Math.ceil(k / 8) * 8;
  return blockSize === 0 || blockSize >= kp ? 1 : Math.ceil(k / blockSize);
}

/** The block length actually used (the padded k when per channel). */
export function qcwBlockLength(k: number, blockSize = 0): number {
  const kp = Math.ceil(k / 8) * 8;
  return blockSize === 0 || blockSize >= kp ? kp : blockSize;
}

/** The offsets `w` uses: its own, or the symmetric default `-2^(bits-1)·scale`. */
export function qcwOffsets(w: QcwWeights): Float32Array {
  if (w.offsets !== undefined) return w.offsets;
  const half = 2 ** (w.bits - 1);
  return w.scales.map((s) => -half * s);
}

/**
 * Computes `act(dequant(a)·dequant(w)ᵀ + bias)` as the kernels define it; returns `m × n` floats.
 *
 * @example
 * ```ts
 * const a = { m: 1, k: 2, q: new Int8Array([2, 3]), scale: new Float32Array([0.5]), zeroPoint: new Int32Array([0]) };
 * const w = { n: 1, k: 2, bits: 4 as const, codes: new Uint8Array([9, 10]), scales: new Float32Array([1]) };
 * // weights (9-8, 10-8) = (1, 2); 0.5·(2·1 + 3·2) = 4
 * if (qd8F32QcwGemmRef(a, w)[0] !== 4) throw new Error("ref");
 * ```
 */
export function qd8F32QcwGemmRef(a: QuantizedRows, w: QcwWeights, activation: Activation = "none"): Float32Array {
  const f = Math.fround;
  const { m, k } = a;
  const { n } = w;
  const nb = qcwBlocks(k, w.blockSize);
  const bl = qcwBlockLength(k, w.blockSize);
  const offsets = qcwOffsets(w);
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const za = a.zeroPoint[i]!;
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        const k0 = b * bl;
        const k1 = Math.min(k, k0 + bl);
        let t = 0;
        let r = 0;
        for (let kk = k0; kk < k1; kk++) {
          const qa = a.q[i * k + kk]! - za;
          t += qa * w.codes[j * k + kk]!;
          r += qa;
        }
        acc = f(acc + f(w.scales[j * nb + b]! * f(t)));
        acc = f(acc + f(offsets[j * nb + b]! * f(r)));
      }
      const y = f(f(a.scale[i]! * acc) + (w.bias?.[j] ?? 0));
      out[i * n + j] = applyActivationRef(y, activation);
    }
  }
  return out;
}
