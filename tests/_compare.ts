// Numeric comparison helpers shared by the test suites (cosine, max abs error, SQNR).
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

/** Compares two tensors element-wise. An all-zero pair has cosine 1. */
export function agreement(ours: Tensor, ref: Tensor): Agreement {
  const a = asFloat64(ours);
  const b = asFloat64(ref);
  const sameShape = ours.type === ref.type && ours.dims.length === ref.dims.length &&
    ours.dims.every((d, i) => d === ref.dims[i]);
  let dot = 0, na = 0, nb = 0, maxAbsError = 0, maxAbsRef = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) maxAbsError = Infinity;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    dot += x * y;
    na += x * x;
    nb += y * y;
    const e = x === y ? 0 : Math.abs(x - y);
    if (e > maxAbsError) maxAbsError = e;
    if (Math.abs(y) > maxAbsRef) maxAbsRef = Math.abs(y);
  }
  const cosine = na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
  return { cosine, maxAbsError, maxAbsRef, sameShape: sameShape && a.length === b.length };
}
