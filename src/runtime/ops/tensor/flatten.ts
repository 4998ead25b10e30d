/**
 * Flatten: a 2-D view `[prod(dims[:axis]), prod(dims[axis:])]` of any tensor.
 * @module
 */
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** ONNX Flatten (axis default 1, in `[-rank, rank]`; negative from opset 11). The data is shared. */
export const flatten: OpDefinition = {
  op: "Flatten",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { axis: { kind: "int" } },
  run([x], attrs) {
    const rank = x!.dims.length;
    const given = attrs.int("axis", 1);
    const axis = given < 0 ? given + rank : given;
    if (axis < 0 || axis > rank) throw new RangeError(`Flatten axis ${given} is out of range for rank ${rank}`);
    const dims = [shapeSize(x!.dims.slice(0, axis)), shapeSize(x!.dims.slice(axis))];
    return [new Tensor(x!.type, x!.data, dims)];
  },
};
