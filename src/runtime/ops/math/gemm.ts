/**
 * Gemm: `Y = alpha · A' · B' + beta · C`, where A' and B' are A and B, transposed when `transA` /
 * `transB` is set, and C (optional from opset 11) broadcasts to [M, N] (scalar, [N], [1, N], [M, 1] or
 * [M, N]). The product runs in the shared {@link multiplyMatrices} kernel, transposes expressed as
 * swapped strides; beta · C is added afterwards.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { FLOATS, required, requireDType, requireSameDType } from "./_dtypes.ts";
import { type FloatArray, multiplyMatrices } from "./multiply_matrices.ts";

/** ONNX Gemm (float32, float64). */
export const gemm: OpDefinition = {
  op: "Gemm",
  inputs: [2, 3],
  outputs: [1, 1],
  attributes: {
    alpha: { kind: "float" },
    beta: { kind: "float" },
    transA: { kind: "int", values: [0, 1] },
    transB: { kind: "int", values: [0, 1] },
  },
  run: ([aIn, bIn, cIn], attrs) => {
    const a = required("Gemm", aIn, 0), b = required("Gemm", bIn, 1);
    requireDType("Gemm", "input A", a, FLOATS);
    requireSameDType("Gemm", cIn ? [a, b, cIn] : [a, b]);
    if (a.dims.length !== 2 || b.dims.length !== 2) {
      throw new RangeError(`Gemm: A and B must be 2-D, got [${a.dims.join(", ")}] and [${b.dims.join(", ")}]`);
    }
    const transA = attrs.int("transA", 0) === 1, transB = attrs.int("transB", 0) === 1;
    const alpha = attrs.float("alpha", 1), beta = attrs.float("beta", 1);
    const [m, k] = transA ? [a.dims[1]!, a.dims[0]!] : [a.dims[0]!, a.dims[1]!];
    const [kb, n] = transB ? [b.dims[1]!, b.dims[0]!] : [b.dims[0]!, b.dims[1]!];
    if (k !== kb) {
      throw new RangeError(
        `Gemm: inner dimensions differ: A' is ${m}×${k}, B' is ${kb}×${n} (transA=${+transA}, transB=${+transB})`,
      );
    }
    const c = cIn && beta !== 0 ? cIn : undefined;
    let cRowStride = 0, cColStride = 0;
    if (c) {
      const cd = c.dims;
      const cm = cd.length === 2 ? cd[0]! : 1, cn = cd.length >= 1 ? cd[cd.length - 1]! : 1;
      if (cd.length > 2 || (cm !== 1 && cm !== m) || (cn !== 1 && cn !== n)) {
        throw new RangeError(`Gemm: C of shape [${cd.join(", ")}] does not broadcast to [${m}, ${n}]`);
      }
      cColStride = cn === 1 ? 0 : 1;
      cRowStride = cm === 1 ? 0 : cn;
    }
    const y = allocate(a.type, m * n) as FloatArray;
    const av = { data: a.data as FloatArray, offset: 0, rowStride: transA ? 1 : k, colStride: transA ? m : 1 };
    const bv = { data: b.data as FloatArray, offset: 0, rowStride: transB ? 1 : n, colStride: transB ? k : 1 };
    multiplyMatrices(av, bv, y, 0, m, n, k, alpha);
    if (c) {
      const cd = c.data as FloatArray;
      for (let i = 0; i < m; i++) {
        const yRow = i * n, cRow = i * cRowStride;
        for (let j = 0; j < n; j++) y[yRow + j]! += beta * cd[cRow + j * cColStride]!;
      }
    }
    return [new Tensor(a.type, y, [m, n])];
  },
};
