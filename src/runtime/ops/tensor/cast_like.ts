/**
 * CastLike: converts the first input to the element type of the second (whose values are ignored).
 * @module
 */
import type { OpDefinition } from "../../op.ts";
import { castTensor } from "./cast_tensor.ts";

/** ONNX CastLike (opset 15; `saturate` from 19, which only matters for float8 and has no effect here). */
export const castLike: OpDefinition = {
  op: "CastLike",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { saturate: { kind: "int", values: [0, 1] } },
  run: ([x, like]) => [castTensor(x!, like!.type)],
};
