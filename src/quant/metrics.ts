/**
 * Weight-error and size metrics of a quantization: SQNR, MSE and max abs error between original and
 * reconstructed weights, and the storage a {@link QuantizedTensor} takes, in bits per weight with its
 * scales and zero points counted.
 * @module
 */
import type { QuantizedTensor } from "../graph/quantized_tensor.ts";

/** Error of a reconstruction against the original. */
export interface ReconstructionError {
  /** Signal-to-quantization-noise ratio, `10·log10(Σw² / Σ(w − r)²)` dB; Infinity when exact. */
  sqnr: number;
  /** Mean squared error. */
  mse: number;
  /** Largest absolute error. */
  maxAbsError: number;
  /** Sum of squared errors (the quantity the algorithms minimise). */
  sse: number;
}

/**
 * Compares `reconstructed` with `original` element by element (sums in float64). Throws `RangeError`
 * when the lengths differ.
 *
 * @example
 * ```ts
 * const e = reconstructionError(new Float32Array([1, -1]), new Float32Array([0.9, -1]));
 * if (Math.abs(e.sqnr - 10 * Math.log10(2 / 0.01)) > 1e-4 || Math.abs(e.maxAbsError - 0.1) > 1e-6) throw new Error();
 * ```
 */
export function reconstructionError(
  original: ArrayLike<number>,
  reconstructed: ArrayLike<number>,
): ReconstructionError {
  if (original.length !== reconstructed.length) {
    throw new RangeError(`Cannot compare ${original.length} weights with ${reconstructed.length} reconstructed ones`);
  }
  let signal = 0;
  let sse = 0;
  let maxAbsError = 0;
  for (let i = 0; i < original.length; i++) {
    const w = original[i]!;
    const d = w - reconstructed[i]!;
    signal += w * w;
    sse += d * d;
    const a = Math.abs(d);
    if (a > maxAbsError) maxAbsError = a;
  }
  const n = original.length;
  return { sqnr: sqnrDb(signal, sse), mse: n > 0 ? sse / n : 0, maxAbsError, sse };
}

/** `10·log10(signal / noise)`; Infinity for zero noise. */
export function sqnrDb(signal: number, noise: number): number {
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** Bits a quantized tensor takes, split by what they hold. */
export interface StorageBits {
  /** Packed codes, padding included. */
  codes: number;
  /** Scales, at their storage dtype (`log8`: 8 bits each plus the tensor's 32-bit reference). */
  scales: number;
  /**
   * Zero points: `bits` each when integer-valued, 8 when fixed8, the scale dtype's width when float
   * (32 with `log8` scales), 0 when symmetric.
   */
  zeros: number;
  /** All of the above. */
  total: number;
  /** Number of weights. */
  weights: number;
  /** `total / weights`. */
  bitsPerWeight: number;
}

/**
 * The storage of `q`: packed codes (as `q.data` holds them) plus one scale per group at `q.scaleDtype`
 * (`log8`: a byte per group and one float32 reference) and, for asymmetric tensors, one zero point per
 * group — counted at `q.bits` bits when integer-valued (packed like the codes), 8 when fixed8, at the
 * float scale width when float.
 *
 * @example
 * ```ts
 * import { quantize } from "./quantize.ts";
 * import { Tensor } from "../graph/tensor.ts";
 * const w = new Tensor("float32", new Float32Array(64).map((_, i) => Math.sin(i)), [2, 32]);
 * const s = storageBits(quantize(w, { kind: "matmul_nk" }, { bits: 4, blockSize: 32, scaleDtype: "float16" }));
 * if (s.bitsPerWeight !== 4 + (16 + 4) / 32) throw new Error("4.625 bits per weight");
 * ```
 */
export function storageBits(q: QuantizedTensor): StorageBits {
  const groups = q.scales.length;
  const log8 = q.scaleDtype === "log8";
  const floatWidth = q.scaleDtype === "float16" ? 16 : 32;
  const codes = q.data.length * 8;
  const scales = log8 ? groups * 8 + 32 : groups * floatWidth;
  const zeroWidth = q.zeroPoint === "integer" ? q.bits : q.zeroPoint === "fixed8" ? 8 : floatWidth;
  const zeros = q.symmetric ? 0 : groups * zeroWidth;
  const weights = q.dims.reduce((a, b) => a * b, 1);
  const total = codes + scales + zeros;
  return { codes, scales, zeros, total, weights, bitsPerWeight: weights > 0 ? total / weights : 0 };
}
