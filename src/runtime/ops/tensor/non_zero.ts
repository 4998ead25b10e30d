/**
 * NonZero: the indices of the non-zero elements, as an int64 tensor `[rank, count]` in row-major order
 * (a scalar counts as rank 1, as in onnxruntime). NaN is non-zero; for float16, ±0 are zero.
 * @module
 */
import { stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";

/** Flat positions of the non-zero elements of `x`. */
function nonZeroPositions(x: Tensor): number[] {
  const positions: number[] = [];
  const n = x.size;
  if (x.type === "string") {
    const data = x.data as string[];
    for (let i = 0; i < n; i++) if (data[i] !== "") positions.push(i);
  } else if (x.type === "int64" || x.type === "uint64") {
    const data = x.data as BigInt64Array;
    for (let i = 0; i < n; i++) if (data[i] !== 0n) positions.push(i);
  } else if (x.type === "float16") {
    const data = x.data as Uint16Array;
    for (let i = 0; i < n; i++) if ((data[i]! & 0x7fff) !== 0) positions.push(i);
  } else {
    const data = x.data as Float32Array;
    for (let i = 0; i < n; i++) if (data[i] !== 0) positions.push(i);
  }
  return positions;
}

/** ONNX NonZero (opset 9+). */
export const nonZero: OpDefinition = {
  op: "NonZero",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: {},
  run([x]) {
    const dims = x!.dims.length === 0 ? [1] : x!.dims;
    const positions = nonZeroPositions(x!);
    const count = positions.length;
    const strides = stridesOf(dims);
    const out = new BigInt64Array(dims.length * count);
    for (let j = 0; j < count; j++) {
      let rest = positions[j]!;
      for (let a = 0; a < dims.length; a++) {
        const q = Math.floor(rest / strides[a]!);
        out[a * count + j] = BigInt(q);
        rest -= q * strides[a]!;
      }
    }
    return [new Tensor("int64", out, [dims.length, count])];
  },
};
