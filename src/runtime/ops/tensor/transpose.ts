/**
 * Transpose: permutes the axes (`perm`, default reversed).
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { stridedCopy } from "./_copy.ts";

/** A new tensor holding `x` with its axes permuted: output axis i is input axis `perm[i]`. */
export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const rank = x.dims.length;
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    throw new RangeError(`Transpose perm [${perm.join(", ")}] is not a permutation of the ${rank} axes`);
  }
  const strides = stridesOf(x.dims);
  const dims = perm.map((p) => x.dims[p]!);
  const out = allocateForOverwrite(x.type, x.size);
  stridedCopy(x.data, 0, dims, perm.map((p) => strides[p]!), out);
  return new Tensor(x.type, out, dims);
}

/** ONNX Transpose. */
export const transpose: OpDefinition = {
  op: "Transpose",
  inputs: [1, 1],
  outputs: [1, 1],
  attributes: { perm: { kind: "ints" } },
  run([x], attrs) {
    const perm = attrs.ints("perm") ?? x!.dims.map((_, i) => x!.dims.length - 1 - i);
    return [transposeTensor(x!, perm)];
  },
};
