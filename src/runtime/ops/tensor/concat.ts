/**
 * Concat: joins tensors along one axis; all other dimensions must agree. Inputs of length 0 along the
 * axis contribute nothing.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { copyElements } from "./_copy.ts";

/** ONNX Concat (`axis` required; negative from opset 11). */
export const concat: OpDefinition = {
  op: "Concat",
  inputs: [1, Infinity],
  outputs: [1, 1],
  attributes: { axis: { kind: "int" } },
  check: (node) => ("axis" in node.attributes ? undefined : "the axis attribute is required"),
  run(inputs, attrs) {
    const xs = inputs.map((t, i) => {
      if (!t) throw new TypeError(`Concat input ${i} is missing`);
      return t;
    });
    const first = xs[0]!;
    const rank = first.dims.length;
    const axis = normalizeAxis(attrs.int("axis", 0), rank);
    let total = 0;
    for (const [i, x] of xs.entries()) {
      if (x.type !== first.type) throw new TypeError(`Concat input ${i} is ${x.type}, input 0 is ${first.type}`);
      const same = x.dims.length === rank && x.dims.every((d, k) => k === axis || d === first.dims[k]);
      if (!same) {
        throw new RangeError(
          `Concat input ${i} has shape [${x.dims.join(", ")}], incompatible with [${
            first.dims.join(", ")
          }] on axis ${axis}`,
        );
      }
      total += x.dims[axis]!;
    }
    const dims = first.dims.map((d, k) => (k === axis ? total : d));
    const outer = shapeSize(first.dims.slice(0, axis));
    const inner = shapeSize(first.dims.slice(axis + 1));
    const out = allocateForOverwrite(first.type, shapeSize(dims));
    const rowOut = total * inner;
    let start = 0;
    for (const x of xs) {
      const row = x.dims[axis]! * inner;
      for (let o = 0; o < outer; o++) copyElements(out, o * rowOut + start, x.data, o * row, row);
      start += row;
    }
    return [new Tensor(first.type, out, dims)];
  },
};
