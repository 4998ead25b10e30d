/**
 * Softmax, LogSoftmax and Hardmax. From opset 13 they normalize along one `axis` (default -1); before
 * opset 13 the input is viewed as a 2-D matrix [prod(dims[:axis]), prod(dims[axis:])] (default axis 1)
 * and each row is normalized as a whole. The maximum is subtracted before exponentiating, so large
 * logits do not overflow; sums are accumulated in double.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { FLOATS, required, requireDType } from "./_dtypes.ts";
import type { FloatArray } from "./multiply_matrices.ts";

type Kind = "Softmax" | "LogSoftmax" | "Hardmax";

function definition(op: Kind): OpDefinition {
  return {
    op,
    inputs: [1, 1],
    outputs: [1, 1],
    attributes: { axis: { kind: "int" } },
    run: ([input], attrs, ctx) => {
      const x = required(op, input, 0);
      requireDType(op, "input", x, FLOATS);
      const dims = x.dims;
      const legacy = ctx.opset < 13;
      let axis: number;
      try {
        axis = normalizeAxis(attrs.int("axis", legacy ? 1 : -1), dims.length);
      } catch (cause) {
        throw new RangeError(
          `${op}: axis ${attrs.int("axis", legacy ? 1 : -1)} is out of range for rank ${dims.length}`,
          {
            cause,
          },
        );
      }
      let outer = 1, n = 1, inner = 1;
      for (let d = 0; d < dims.length; d++) {
        if (d < axis) outer *= dims[d]!;
        else if (d === axis || legacy) n *= dims[d]!;
        else inner *= dims[d]!;
      }
      const out = allocateForOverwrite(x.type, x.size) as FloatArray;
      const src = x.data as FloatArray;
      const scratch = new Float64Array(n);
      for (let o = 0; o < outer; o++) {
        for (let s = 0; s < inner; s++) normalize(op, src, out, o * n * inner + s, inner, n, scratch);
      }
      return [new Tensor(x.type, out, dims)];
    },
  };
}

/** Normalizes the `n` elements at `base`, `base + stride`, … of `x` into `y`. */
function normalize(op: Kind, x: FloatArray, y: FloatArray, base: number, stride: number, n: number, e: Float64Array) {
  let max = -Infinity, argmax = 0;
  for (let i = 0, p = base; i < n; i++, p += stride) {
    if (x[p]! > max) {
      max = x[p]!;
      argmax = i;
    }
  }
  if (op === "Hardmax") {
    for (let i = 0, p = base; i < n; i++, p += stride) y[p] = i === argmax ? 1 : 0;
    return;
  }
  let sum = 0;
  for (let i = 0, p = base; i < n; i++, p += stride) {
    const v = Math.exp(x[p]! - max);
    e[i] = v;
    sum += v;
  }
  if (op === "Softmax") {
    const inv = 1 / sum;
    for (let i = 0, p = base; i < n; i++, p += stride) y[p] = e[i]! * inv;
  } else {
    const shift = max + Math.log(sum);
    for (let i = 0, p = base; i < n; i++, p += stride) y[p] = x[p]! - shift;
  }
}

/** Definitions of Softmax, LogSoftmax and Hardmax. */
export const SOFTMAX_OPS: readonly OpDefinition[] = [
  definition("Softmax"),
  definition("LogSoftmax"),
  definition("Hardmax"),
];
