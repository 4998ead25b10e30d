/**
 * Where: `condition ? X : Y` elementwise, with the three inputs broadcast together (multidirectional).
 * X and Y share one type, any type (numbers, int64, bool, string); the condition is bool.
 * @module
 */
import { allocateForOverwrite, isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { planRows } from "./_broadcast.ts";
import { type NumArray, required, requireDType, requireSameDType } from "./_dtypes.ts";

type Elements = { [index: number]: number | bigint | string };

/** ONNX Where. */
export const where: OpDefinition = {
  op: "Where",
  inputs: [3, 3],
  outputs: [1, 1],
  attributes: {},
  run: ([condition, xIn, yIn]) => {
    const c = required("Where", condition, 0), x = required("Where", xIn, 1), y = required("Where", yIn, 2);
    requireDType("Where", "condition", c, ["bool"]);
    requireSameDType("Where", [x, y]);
    let plan;
    try {
      plan = planRows([c.dims, x.dims, y.dims]);
    } catch (cause) {
      const shapes = [c, x, y].map((t) => `[${t.dims.join(", ")}]`).join(", ");
      throw new RangeError(`Where: shapes ${shapes} do not broadcast`, { cause });
    }
    const { dims, inner, rows, offsets, strides } = plan;
    const out = allocateForOverwrite(x.type, rows * inner);
    const cd = c.data as Uint8Array;
    const [co, xo, yo] = offsets as [Int32Array, Int32Array, Int32Array];
    const [cs, xs, ys] = strides as [number, number, number];
    const numeric = x.type !== "string" && !isBigIntDType(x.type);
    const xd = x.data as Elements, yd = y.data as Elements, od = out as Elements;
    const xn = x.data as NumArray, yn = y.data as NumArray, on = out as NumArray;
    for (let r = 0; r < rows; r++) {
      let ci = co[r]!, xi = xo[r]!, yi = yo[r]!;
      const oi = r * inner;
      if (numeric) {
        for (let i = 0; i < inner; i++, ci += cs, xi += xs, yi += ys) on[oi + i] = cd[ci] ? xn[xi]! : yn[yi]!;
      } else {
        for (let i = 0; i < inner; i++, ci += cs, xi += xs, yi += ys) od[oi + i] = cd[ci] ? xd[xi]! : yd[yi]!;
      }
    }
    return [new Tensor(x.type, out, dims)];
  },
};
