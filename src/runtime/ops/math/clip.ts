/**
 * Clip: clamps every element into [min, max]. Before opset 11 the bounds are float attributes; from
 * opset 11 they are optional scalar inputs of the input's type (int types from opset 12). When
 * min > max the result is max everywhere, as onnxruntime computes `min(max(x, lo), hi)`.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { type BigArray, type NumArray, NUMERIC, required, requireDType, requireSameDType } from "./_dtypes.ts";

const FLOAT_MAX = 3.4028234663852886e38;

/** ONNX Clip (opsets 6–13+). */
export const clip: OpDefinition = {
  op: "Clip",
  inputs: [1, 3],
  outputs: [1, 1],
  attributes: { min: { kind: "float" }, max: { kind: "float" } },
  check: (node, opset) => {
    if (opset < 11 && node.inputs.length > 1) return `min/max inputs need opset 11 or later (model: ${opset})`;
    if (opset >= 11 && ("min" in node.attributes || "max" in node.attributes)) {
      return `min/max are inputs from opset 11 on, not attributes (model: ${opset})`;
    }
    return undefined;
  },
  run: ([input, lo, hi], attrs, ctx) => {
    const x = required("Clip", input, 0);
    requireDType("Clip", "input", x, NUMERIC);
    const out = allocateForOverwrite(x.type, x.size);
    if (ctx.opset < 11) {
      clamp(x.data as NumArray, out as NumArray, attrs.float("min", -FLOAT_MAX), attrs.float("max", FLOAT_MAX));
      return [new Tensor(x.type, out, x.dims)];
    }
    const bounds = [lo, hi].filter((t): t is Tensor => t !== undefined);
    requireSameDType("Clip", [x, ...bounds]);
    for (const t of bounds) {
      if (t.size !== 1) throw new RangeError(`Clip: min and max must be scalars, got shape [${t.dims.join(", ")}]`);
    }
    if (x.type === "int64") {
      const min = lo ? (lo.data as BigArray)[0]! : -(2n ** 63n);
      const max = hi ? (hi.data as BigArray)[0]! : 2n ** 63n - 1n;
      const src = x.data as BigArray, dst = out as BigArray;
      for (let i = 0; i < src.length; i++) {
        const v = src[i]! < min ? min : src[i]!;
        dst[i] = v > max ? max : v;
      }
    } else {
      const min = lo ? (lo.data as NumArray)[0]! : -Infinity;
      const max = hi ? (hi.data as NumArray)[0]! : Infinity;
      clamp(x.data as NumArray, out as NumArray, min, max);
    }
    return [new Tensor(x.type, out, x.dims)];
  },
};

function clamp(x: NumArray, o: NumArray, min: number, max: number): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! < min ? min : x[i]!;
    o[i] = v > max ? max : v;
  }
}
