/**
 * Gather: picks slices of `data` along `axis` by `indices` (negative indices count from the end). The
 * output shape is `data.shape[:axis] + indices.shape + data.shape[axis+1:]`; scalar indices drop the axis.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { copyElements, type Slots } from "./_copy.ts";
import { indexValues, wrapIndex } from "./_indices.ts";

/** ONNX Gather. */
export const gather: OpDefinition = {
  op: "Gather",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { axis: { kind: "int" } },
  run([data, indicesT], attrs) {
    const x = data!;
    const axis = normalizeAxis(attrs.int("axis", 0), x.dims.length);
    const indices = indexValues(indicesT, "Gather indices");
    const dim = x.dims[axis]!;
    const rows = new Int32Array(indices.length);
    for (let i = 0; i < rows.length; i++) rows[i] = wrapIndex(indices[i]!, dim, "Gather");
    const dims = [...x.dims.slice(0, axis), ...indicesT!.dims, ...x.dims.slice(axis + 1)];
    const outer = shapeSize(x.dims.slice(0, axis));
    const inner = shapeSize(x.dims.slice(axis + 1));
    const out = allocateForOverwrite(x.type, shapeSize(dims));
    let o = 0;
    if (inner === 1) {
      const src = x.data as Slots;
      const dst = out as Slots;
      for (let b = 0; b < outer; b++) {
        const base = b * dim;
        for (let j = 0; j < rows.length; j++) dst[o++] = src[base + rows[j]!];
      }
    } else {
      for (let b = 0; b < outer; b++) {
        const base = b * dim * inner;
        for (let j = 0; j < rows.length; j++, o += inner) copyElements(out, o, x.data, base + rows[j]! * inner, inner);
      }
    }
    return [new Tensor(x.type, out, dims)];
  },
};
