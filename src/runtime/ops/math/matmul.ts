/**
 * MatMul with NumPy semantics: `[..., M, K] · [..., K, N]`, batch dimensions broadcast, a 1-D first
 * operand is a row vector and a 1-D second operand a column vector (their unit dimension is dropped
 * from the result). Each batch is one call of the shared {@link multiplyMatrices} kernel.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { broadcastIndex, broadcastShapes } from "../shape_util.ts";
import { FLOATS, required, requireDType, requireSameDType } from "./_dtypes.ts";
import { type FloatArray, multiplyMatrices, panelElements } from "./multiply_matrices.ts";

/** ONNX MatMul (float32, float64). */
export const matmul: OpDefinition = {
  op: "MatMul",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: {},
  run: ([aIn, bIn]) => {
    const a = required("MatMul", aIn, 0), b = required("MatMul", bIn, 1);
    requireDType("MatMul", "input A", a, FLOATS);
    requireSameDType("MatMul", [a, b]);
    if (a.dims.length === 0 || b.dims.length === 0) throw new RangeError("MatMul: operands must have rank 1 or more");
    const aDims = a.dims.length === 1 ? [1, a.dims[0]!] : [...a.dims];
    const bDims = b.dims.length === 1 ? [b.dims[0]!, 1] : [...b.dims];
    const m = aDims[aDims.length - 2]!, k = aDims[aDims.length - 1]!;
    const kb = bDims[bDims.length - 2]!, n = bDims[bDims.length - 1]!;
    if (k !== kb) {
      throw new RangeError(`MatMul: inner dimensions differ: A [${a.dims.join(", ")}] · B [${b.dims.join(", ")}]`);
    }
    const aBatch = aDims.slice(0, -2), bBatch = bDims.slice(0, -2);
    let batch: number[];
    try {
      batch = broadcastShapes(aBatch, bBatch);
    } catch (cause) {
      throw new RangeError(
        `MatMul: batch dimensions of A [${a.dims.join(", ")}] and B [${b.dims.join(", ")}] do not broadcast`,
        { cause },
      );
    }
    const aIndex = broadcastIndex(aBatch, batch), bIndex = broadcastIndex(bBatch, batch);
    const out = allocate(a.type, aIndex.length * m * n) as FloatArray;
    const av = { data: a.data as FloatArray, offset: 0, rowStride: k, colStride: 1 };
    const bv = { data: b.data as FloatArray, offset: 0, rowStride: n, colStride: 1 };
    const panel = new Float64Array(panelElements(n, k));
    const batches = aIndex.length;
    if (batches > 1 && bBatch.every((d) => d === 1) && aBatch.reduce((x, d) => x * d, 1) === batches) {
      // One B for every batch of a full A (e.g. [1, T, K] · [K, N]): one (batches·M)×K product.
      multiplyMatrices(av, bv, out, 0, batches * m, n, k, 1, panel);
    } else {
      for (let t = 0; t < batches; t++) {
        av.offset = aIndex[t]! * m * k;
        bv.offset = bIndex[t]! * k * n;
        multiplyMatrices(av, bv, out, t * m * n, m, n, k, 1, panel);
      }
    }
    const dims = [...batch];
    if (a.dims.length > 1) dims.push(m);
    if (b.dims.length > 1) dims.push(n);
    return [new Tensor(a.type, out, dims)];
  },
};
