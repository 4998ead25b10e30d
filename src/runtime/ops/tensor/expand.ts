/**
 * Expand: broadcasts the input against a shape, in both directions (NumPy rules: the output shape is the
 * broadcast of the input's shape and the given one, so a 1 in the given shape keeps the input's size).
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { broadcastShapes } from "../shape_util.ts";
import { stridedCopy } from "./_copy.ts";
import { intList } from "./_int_list.ts";

/** A dense copy of `x` broadcast to `dims` (which must be a valid broadcast target of `x.dims`). */
export function broadcastTo(x: Tensor, dims: readonly number[]): Tensor {
  const offset = dims.length - x.dims.length;
  const strides = stridesOf(x.dims);
  const view = dims.map((_, i) => (i < offset || x.dims[i - offset] === 1 ? 0 : strides[i - offset]!));
  const out = allocateForOverwrite(x.type, shapeSize(dims));
  stridedCopy(x.data, 0, dims, view, out);
  return new Tensor(x.type, out, [...dims]);
}

/** ONNX Expand (opset 8+). */
export const expand: OpDefinition = {
  op: "Expand",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: {},
  run([x, shapeInput]) {
    const target = intList(shapeInput, "Expand shape");
    return [broadcastTo(x!, broadcastShapes(x!.dims, target))];
  },
};
