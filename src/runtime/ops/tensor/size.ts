/**
 * Size: the number of elements of the input, as an int64 scalar.
 * @module
 */
import { fromNumbers } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** ONNX Size. */
export const size: OpDefinition = {
  op: "Size",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: {},
  run: ([x]) => [fromNumbers("int64", [x!.size], [])],
};
