/**
 * Split: cuts a tensor into consecutive pieces along one axis. Sizes come from `split` (attribute before
 * opset 13, input from 13), else from `num_outputs` (opset 18: pieces of ceil(n/num), the last one
 * smaller), else equal pieces, one per output.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { copyElements } from "./_copy.ts";
import { intList } from "./_int_list.ts";

/** The piece sizes for splitting `length` elements, per the ONNX rules above. */
function pieceSizes(length: number, outputs: number, given: number[] | undefined, numOutputs: number | undefined) {
  if (given !== undefined) {
    if (given.length !== outputs) {
      throw new RangeError(`Split sizes [${given.join(", ")}] do not match ${outputs} outputs`);
    }
    const sum = given.reduce((a, b) => a + b, 0);
    if (given.some((s) => s < 0) || sum !== length) {
      throw new RangeError(`Split sizes [${given.join(", ")}] do not add up to the axis length ${length}`);
    }
    return given;
  }
  if (numOutputs !== undefined) {
    if (numOutputs !== outputs) {
      throw new RangeError(`Split num_outputs=${numOutputs} but the node has ${outputs} outputs`);
    }
    const piece = Math.ceil(length / numOutputs);
    const last = length - piece * (numOutputs - 1);
    if (last < 0) {
      throw new RangeError(`Split of length ${length} into ${numOutputs} pieces of ${piece} leaves none for the last`);
    }
    return Array.from({ length: numOutputs }, (_, i) => (i < numOutputs - 1 ? piece : last));
  }
  if (length % outputs !== 0) {
    throw new RangeError(`Split: axis length ${length} does not divide into ${outputs} equal pieces`);
  }
  return new Array<number>(outputs).fill(length / outputs);
}

/** ONNX Split. */
export const split: OpDefinition = {
  op: "Split",
  inputs: [1, 2],
  outputs: [1, Infinity],
  attributes: { axis: { kind: "int" }, split: { kind: "ints" }, num_outputs: { kind: "int" } },
  check(node, opset) {
    if (opset >= 13 && "split" in node.attributes) return "the split attribute was replaced by an input in opset 13";
    if (opset < 13 && node.inputs.length > 1) return "a split input needs opset 13 or later";
    if (opset < 18 && "num_outputs" in node.attributes) return "num_outputs needs opset 18 or later";
    if (opset >= 18 && !("num_outputs" in node.attributes) && !node.inputs[1]) {
      return "from opset 18 either the split input or num_outputs is required";
    }
    return undefined;
  },
  run([x, splitInput], attrs, ctx) {
    const dims = x!.dims;
    const axis = normalizeAxis(attrs.int("axis", 0), dims.length);
    const given = splitInput ? intList(splitInput, "Split split") : attrs.ints("split");
    const numOutputs = attrs.has("num_outputs") ? attrs.int("num_outputs", 0) : undefined;
    const sizes = pieceSizes(dims[axis]!, ctx.node.outputs.length, given, numOutputs);
    const outer = shapeSize(dims.slice(0, axis));
    const inner = shapeSize(dims.slice(axis + 1));
    const rowIn = dims[axis]! * inner;
    let start = 0;
    return sizes.map((size) => {
      const pieceDims = dims.map((d, k) => (k === axis ? size : d));
      const out = allocateForOverwrite(x!.type, shapeSize(pieceDims));
      const row = size * inner;
      for (let o = 0; o < outer; o++) copyElements(out, o * row, x!.data, o * rowIn + start, row);
      start += row;
      return new Tensor(x!.type, out, pieceDims);
    });
  },
};
