/**
 * Identity: returns its input unchanged (the tensor is shared; tensors are never mutated in place).
 * @module
 */
import type { OpDefinition } from "../../op.ts";

/** ONNX Identity. */
export const identity: OpDefinition = {
  op: "Identity",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: {},
  run: ([x]) => [x!],
};
