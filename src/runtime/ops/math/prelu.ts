/**
 * PRelu: `x < 0 ? slope·x : x`, with `slope` broadcast to the shape of `x` (unidirectional
 * broadcasting; a per-channel slope is usually stored as `[C, 1, 1]`).
 * @module
 */
import type { OpDefinition } from "../../op.ts";
import { NUMERIC, required, requireDType, requireSameDType } from "./_dtypes.ts";
import { type BinaryRow, broadcastBinary } from "./broadcast_binary.ts";
import { broadcastShapes } from "../shape_util.ts";

const preluRow: BinaryRow = (o, x, xi, xs, s, si, ss, oi, n) => {
  for (let i = 0; i < n; i++, xi += xs, si += ss) {
    // Branch-free and exact (one half is 0); NaN only for ±inf or NaN inputs, fixed up by the rare branch.
    const v = x[xi]!, a = Math.abs(v), k = s[si]!;
    const r = (v + a) * 0.5 + k * ((v - a) * 0.5);
    o[oi + i] = r === r ? r : v > 0 ? v : k * v;
  }
};

/** ONNX PRelu. */
export const prelu: OpDefinition = {
  op: "PRelu",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: {},
  run: ([input, slope]) => {
    const x = required("PRelu", input, 0), s = required("PRelu", slope, 1);
    requireDType("PRelu", "input X", x, NUMERIC);
    requireSameDType("PRelu", [x, s]);
    const dims = broadcastShapes(x.dims, s.dims);
    if (dims.length !== x.dims.length || dims.some((d, i) => d !== x.dims[i])) {
      throw new RangeError(
        `PRelu: slope of shape [${s.dims.join(", ")}] does not broadcast to X [${x.dims.join(", ")}]`,
      );
    }
    return [broadcastBinary("PRelu", x, s, { row: preluRow, big: (v, k) => (v < 0n ? v * k : v) })];
  },
};
