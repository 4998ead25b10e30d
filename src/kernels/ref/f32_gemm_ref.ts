/**
 * Scalar reference for the fp32 GEMM: `C = act(A·B + bias + rowBias)`, accumulated in float64 and
 * stored as float32. The living spec for `f32-gemm-*` kernels (their budget: max abs error ≤ 1e-5·max|C|).
 * @module
 */
import type { Activation } from "../activation.ts";
import { applyActivationRef } from "./activation_ref.ts";

/** Shapes and extras of {@link f32GemmRef}. */
export interface F32GemmRefOptions {
  /** Rows of A and C. */
  m: number;
  /** Columns of B and C. */
  n: number;
  /** Reduction length. */
  k: number;
  /** Layout of B: `"kn"` (`B[k][n]`, ONNX MatMul) or `"nk"` (`B[n][k]`, Gemm transB / conv weights).
   * @default "kn" */
  bLayout?: "kn" | "nk";
  /** Per-column bias (`n`). */
  bias?: Float32Array;
  /** Per-row bias (`m`). */
  rowBias?: Float32Array;
  /** Fused activation. @default "none" */
  activation?: Activation;
}

/**
 * Computes the GEMM in float64 and returns a new `m × n` Float32Array.
 *
 * @example
 * ```ts
 * const c = f32GemmRef(new Float32Array([1, 2]), new Float32Array([3, 4]), { m: 1, n: 1, k: 2 });
 * if (c[0] !== 11) throw new Error("1·3 + 2·4");
 * ```
 */
export function f32GemmRef(a: Float32Array, b: Float32Array, options: F32GemmRefOptions): Float32Array {
  const { m, n, k } = options;
  const nk = options.bLayout === "nk";
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const rb = options.rowBias?.[i] ?? 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[nk ? j * k + t : t * n + j]!;
      c[i * n + j] = applyActivationRef(Math.fround(s + (options.bias?.[j] ?? 0) + rb), options.activation);
    }
  }
  return c;
}
