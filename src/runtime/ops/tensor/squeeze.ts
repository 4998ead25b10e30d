/**
 * Squeeze: removes size-1 axes — the listed ones (attribute before opset 13, input from 13), or all of
 * them when no axes (or, as in onnxruntime, an empty list) are given.
 * @module
 */
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { intList } from "./_int_list.ts";

/** ONNX Squeeze. The data is shared. */
export const squeeze: OpDefinition = {
  op: "Squeeze",
  inputs: [1, 2],
  outputs: [1, 1],
  attributes: { axes: { kind: "ints" } },
  check(node, opset) {
    if (opset >= 13 && "axes" in node.attributes) return "the axes attribute was replaced by an input in opset 13";
    if (opset < 13 && node.inputs.length > 1) return "an axes input needs opset 13 or later";
    return undefined;
  },
  run([x, axesInput], attrs) {
    const dims = x!.dims;
    const given = axesInput ? intList(axesInput, "Squeeze axes") : attrs.ints("axes");
    if (given === undefined || given.length === 0) return [new Tensor(x!.type, x!.data, dims.filter((d) => d !== 1))];
    const drop = new Set(given.map((a) => normalizeAxis(a, dims.length)));
    for (const a of drop) {
      if (dims[a] !== 1) {
        throw new RangeError(`Squeeze axis ${a} of shape [${dims.join(", ")}] has size ${dims[a]}, not 1`);
      }
    }
    return [new Tensor(x!.type, x!.data, dims.filter((_, i) => !drop.has(i)))];
  },
};
