/**
 * Tile: repeats the input `repeats[i]` times along each axis i.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { shapeSize, stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { stridedCopy } from "./_copy.ts";
import { intList } from "./_int_list.ts";

/** ONNX Tile (opset 6+). */
export const tile: OpDefinition = {
  op: "Tile",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: {},
  run([x, repeatsInput]) {
    const dims = x!.dims;
    const repeats = intList(repeatsInput, "Tile repeats");
    if (repeats.length !== dims.length || repeats.some((r) => r < 0)) {
      throw new RangeError(`Tile repeats [${repeats.join(", ")}] must be ${dims.length} non-negative counts`);
    }
    // Output axis i is the pair (repeat r, position p) → a strided view with dims [r0, d0, r1, d1, …].
    const strides = stridesOf(dims);
    const viewDims = dims.flatMap((d, i) => [repeats[i]!, d]);
    const viewStrides = strides.flatMap((s) => [0, s]);
    const outDims = dims.map((d, i) => d * repeats[i]!);
    const out = allocate(x!.type, shapeSize(outDims));
    stridedCopy(x!.data, 0, viewDims, viewStrides, out);
    return [new Tensor(x!.type, out, outDims)];
  },
};
