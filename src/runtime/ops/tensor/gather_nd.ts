/**
 * GatherND: each innermost row of `indices` addresses a slice of `data` (after `batch_dims` shared
 * leading axes); the output is `indices.shape[:-1] + data.shape[batch_dims + k:]`.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { shapeSize, stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { copyElements } from "./_copy.ts";
import { indexValues, wrapIndex } from "./_indices.ts";

/** ONNX GatherND (opset 11; `batch_dims` from 12). */
export const gatherNd: OpDefinition = {
  op: "GatherND",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { batch_dims: { kind: "int" } },
  run([data, indicesT], attrs) {
    const x = data!;
    const idims = indicesT!.dims;
    const b = attrs.int("batch_dims", 0);
    const k = idims[idims.length - 1];
    if (idims.length < 1 || k === undefined || b < 0 || b >= Math.min(idims.length, x.dims.length + 1)) {
      throw new RangeError(`GatherND batch_dims=${b} does not fit indices [${idims.join(", ")}]`);
    }
    if (b + k > x.dims.length) {
      throw new RangeError(`GatherND index rows of length ${k} exceed data rank ${x.dims.length} (batch_dims ${b})`);
    }
    for (let i = 0; i < b; i++) {
      if (idims[i] !== x.dims[i]) {
        throw new RangeError(`GatherND batch dimension ${i} differs between data and indices`);
      }
    }
    const indices = indexValues(indicesT, "GatherND indices");
    const strides = stridesOf(x.dims);
    const sliceSize = shapeSize(x.dims.slice(b + k));
    const batchSize = shapeSize(x.dims.slice(b));
    const perBatch = shapeSize(idims.slice(b, -1));
    const dims = [...idims.slice(0, -1), ...x.dims.slice(b + k)];
    const out = allocate(x.type, shapeSize(dims));
    const rowCount = shapeSize(idims.slice(0, -1));
    for (let r = 0; r < rowCount; r++) {
      let offset = Math.floor(r / perBatch) * batchSize;
      for (let j = 0; j < k; j++) {
        offset += wrapIndex(indices[r * k + j]!, x.dims[b + j]!, "GatherND") * strides[b + j]!;
      }
      copyElements(out, r * sliceSize, x.data, offset, sliceSize);
    }
    return [new Tensor(x.type, out, dims)];
  },
};
