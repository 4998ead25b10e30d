// Numeric comparison helpers shared by the test suites. The metrics themselves (cosine, SQNR, max abs
// error) are the product's, in src/eval/metrics.ts; this file only adapts them to the suites' shape.
import { compareArrays } from "../src/eval/metrics.ts";
import type { Tensor } from "../src/graph/tensor.ts";

/** Elements of a numeric tensor as float64 (bigints converted, float16 raw bits are NOT decoded). */
export function asFloat64(t: Tensor): Float64Array {
  const out = new Float64Array(t.size);
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < out.length; i++) out[i] = Number(data[i]!);
  return out;
}

/** Agreement figures between a result and its reference. */
export interface Agreement {
  cosine: number;
  maxAbsError: number;
  maxAbsRef: number;
  /** True when shapes and dtypes are equal. */
  sameShape: boolean;
}

/**
 * Compares two tensors element-wise with {@link compareArrays} (an all-zero pair has cosine 1; NaN in
 * both places is equal, NaN in one is an infinite error). Tensors of different sizes are compared over
 * their common prefix and reported as not the same shape. float16 tensors are compared by raw bits.
 */
export function agreement(ours: Tensor, ref: Tensor): Agreement {
  const a = asFloat64(ours);
  const b = asFloat64(ref);
  const sameShape = ours.type === ref.type && ours.dims.length === ref.dims.length &&
    ours.dims.every((d, i) => d === ref.dims[i]);
  const n = Math.min(a.length, b.length);
  const c = compareArrays(b.subarray(0, n), a.subarray(0, n));
  return {
    cosine: c.cosine,
    maxAbsError: c.maxAbsError,
    maxAbsRef: c.maxAbsRef,
    sameShape: sameShape && a.length === b.length,
  };
}
