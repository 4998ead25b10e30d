/**
 * Reading index tensors (Gather, GatherElements, GatherND, ScatterND, OneHot) with ONNX's negative
 * index rule and a bounds check that names the op.
 * @module
 */
import type { Tensor } from "../../../graph/tensor.ts";

/** The elements of an int32/int64 index tensor as numbers. */
export function indexValues(t: Tensor | undefined, what: string): Float64Array {
  if (t === undefined) throw new TypeError(`${what} is missing`);
  const out = new Float64Array(t.size);
  if (t.type === "int64") {
    const data = t.data as BigInt64Array;
    for (let i = 0; i < out.length; i++) out[i] = Number(data[i]!);
  } else if (t.type === "int32") {
    out.set(t.data as Int32Array);
  } else {
    throw new TypeError(`${what} must be int32 or int64, got ${t.type}`);
  }
  return out;
}

/** `index` wrapped into `0..dim-1` (negative counts from the end); throws RangeError when out of range. */
export function wrapIndex(index: number, dim: number, what: string): number {
  const i = index < 0 ? index + dim : index;
  if (!(i >= 0 && i < dim)) throw new RangeError(`${what}: index ${index} is out of range for a dimension of ${dim}`);
  return i;
}
