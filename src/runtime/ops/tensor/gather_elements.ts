/**
 * GatherElements: `out[i][j][k] = data[indices[i][j][k]][j][k]` (for axis 0; likewise for any axis). The
 * output has the indices' shape.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import type { Slots } from "./_copy.ts";
import { indexValues, wrapIndex } from "./_indices.ts";

/** ONNX GatherElements (opset 11+). */
export const gatherElements: OpDefinition = {
  op: "GatherElements",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { axis: { kind: "int" } },
  run([data, indicesT], attrs) {
    const x = data!;
    const rank = x.dims.length;
    const axis = normalizeAxis(attrs.int("axis", 0), rank);
    const idims = indicesT!.dims;
    if (idims.length !== rank) {
      throw new RangeError(`GatherElements indices have rank ${idims.length}, data has rank ${rank}`);
    }
    for (let k = 0; k < rank; k++) {
      if (k !== axis && idims[k]! > x.dims[k]!) {
        throw new RangeError(
          `GatherElements indices shape [${idims.join(", ")}] exceeds data shape [${x.dims.join(", ")}]`,
        );
      }
    }
    const indices = indexValues(indicesT, "GatherElements indices");
    const strides = stridesOf(x.dims);
    const dim = x.dims[axis]!;
    const out = allocate(x.type, indices.length);
    const src = x.data as Slots;
    const dst = out as Slots;
    const counter = new Array<number>(rank).fill(0);
    let base = 0; // offset of the current index position in data, without the axis term
    for (let i = 0; i < indices.length; i++) {
      dst[i] = src[base + wrapIndex(indices[i]!, dim, "GatherElements") * strides[axis]!];
      for (let k = rank - 1; k >= 0; k--) {
        if (k !== axis) base += strides[k]!;
        if (++counter[k]! < idims[k]!) break;
        if (k !== axis) base -= strides[k]! * idims[k]!;
        counter[k] = 0;
      }
    }
    return [new Tensor(x.type, out, [...idims])];
  },
};
