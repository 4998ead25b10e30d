/**
 * Unsqueeze: inserts size-1 axes at the given positions of the output (attribute before opset 13,
 * input from 13; negative positions count from the end of the output).
 * @module
 */
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { assertDistinct, intList } from "./_int_list.ts";

/** ONNX Unsqueeze. The data is shared. */
export const unsqueeze: OpDefinition = {
  op: "Unsqueeze",
  inputs: [1, 2],
  outputs: [1, 1],
  attributes: { axes: { kind: "ints" } },
  check(node, opset) {
    if (opset >= 13 && "axes" in node.attributes) return "the axes attribute was replaced by an input in opset 13";
    if (opset < 13 && !("axes" in node.attributes)) return "the axes attribute is required before opset 13";
    if (opset >= 13 && node.inputs.length < 2) return "the axes input is required from opset 13";
    return undefined;
  },
  run([x, axesInput], attrs) {
    const given = axesInput ? intList(axesInput, "Unsqueeze axes") : attrs.ints("axes", []);
    const rank = x!.dims.length + given.length;
    const axes = given.map((a) => normalizeAxis(a, rank));
    assertDistinct(axes, "Unsqueeze axes");
    const inserted = new Set(axes);
    const dims: number[] = [];
    let next = 0;
    for (let i = 0; i < rank; i++) dims.push(inserted.has(i) ? 1 : x!.dims[next++]!);
    return [new Tensor(x!.type, x!.data, dims)];
  },
};
