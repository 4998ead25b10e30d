/**
 * CumSum: running sums along the axis given by the scalar second input, optionally `exclusive` (each
 * element excludes itself) and/or `reverse` (summing from the end). Sums run in double for floats and
 * in the input's integer type (bigint for int64) for integers.
 * @module
 */
import { allocate, isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { type BigArray, type NumArray, NUMERIC, required, requireDType } from "./_dtypes.ts";

/** ONNX CumSum. */
export const cumSum: OpDefinition = {
  op: "CumSum",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { exclusive: { kind: "int", values: [0, 1] }, reverse: { kind: "int", values: [0, 1] } },
  run: ([input, axisIn], attrs) => {
    const x = required("CumSum", input, 0), axisT = required("CumSum", axisIn, 1);
    requireDType("CumSum", "input", x, NUMERIC);
    requireDType("CumSum", "axis", axisT, ["int32", "int64"]);
    if (axisT.size !== 1) throw new RangeError(`CumSum: axis must be a scalar, got shape [${axisT.dims.join(", ")}]`);
    const dims = x.dims;
    const raw = toNumbers(axisT)[0]!;
    let axis: number;
    try {
      axis = normalizeAxis(raw, dims.length);
    } catch (cause) {
      throw new RangeError(`CumSum: axis ${raw} is out of range for rank ${dims.length}`, { cause });
    }
    const exclusive = attrs.int("exclusive", 0) === 1, reverse = attrs.int("reverse", 0) === 1;
    let outer = 1, inner = 1;
    for (let d = 0; d < axis; d++) outer *= dims[d]!;
    for (let d = axis + 1; d < dims.length; d++) inner *= dims[d]!;
    const n = dims[axis]!;
    const out = allocate(x.type, x.size);
    const big = isBigIntDType(x.type);
    const step = reverse ? -inner : inner;
    for (let o = 0; o < outer; o++) {
      for (let s = 0; s < inner; s++) {
        const start = o * n * inner + s + (reverse ? (n - 1) * inner : 0);
        if (big) {
          const src = x.data as BigArray, dst = out as BigArray;
          let sum = 0n;
          for (let i = 0, p = start; i < n; i++, p += step) {
            if (exclusive) dst[p] = sum;
            sum += src[p]!;
            if (!exclusive) dst[p] = sum;
          }
        } else {
          const src = x.data as NumArray, dst = out as NumArray;
          const wrap = x.type === "int32";
          let sum = 0;
          for (let i = 0, p = start; i < n; i++, p += step) {
            if (exclusive) dst[p] = sum;
            sum = wrap ? (sum + src[p]!) | 0 : sum + src[p]!;
            if (!exclusive) dst[p] = sum;
          }
        }
      }
    }
    return [new Tensor(x.type, out, dims)];
  },
};
