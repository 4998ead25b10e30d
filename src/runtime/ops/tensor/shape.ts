/**
 * Shape: the input's dimensions as a 1-D int64 tensor, optionally only `start..end` (opset 15; both
 * may be negative and clamp to the rank).
 * @module
 */
import { fromNumbers } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** ONNX Shape. */
export const shape: OpDefinition = {
  op: "Shape",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { start: { kind: "int" }, end: { kind: "int" } },
  run([x], attrs) {
    const rank = x!.dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clamp(attrs.int("start", 0));
    const end = clamp(attrs.int("end", rank));
    const dims = x!.dims.slice(start, Math.max(start, end));
    return [fromNumbers("int64", dims, [dims.length])];
  },
};
