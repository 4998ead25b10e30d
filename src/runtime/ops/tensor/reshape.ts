/**
 * Reshape: the same elements under a new shape. A `0` in the target copies the input's dimension at that
 * index (unless `allowzero=1`, opset 14, where it means a real 0); one `-1` is inferred from the rest.
 * @module
 */
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { intList } from "./_int_list.ts";

/** The output shape of reshaping `dims` to `target` (ONNX rules for 0 and -1). */
export function reshapeDims(dims: readonly number[], target: readonly number[], allowZero: boolean): number[] {
  const out = [...target];
  let inferred = -1;
  const shown = () => `[${dims.join(", ")}] to [${target.join(", ")}]`;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (d === -1) {
      if (inferred >= 0) throw new RangeError(`Reshape ${shown()}: more than one -1`);
      inferred = i;
    } else if (d === 0 && !allowZero) {
      if (i >= dims.length) throw new RangeError(`Reshape ${shown()}: 0 at index ${i} has no input dimension to copy`);
      out[i] = dims[i]!;
    } else if (d < 0) {
      throw new RangeError(`Reshape ${shown()}: invalid dimension ${d}`);
    }
  }
  const size = shapeSize(dims);
  if (inferred >= 0) {
    out[inferred] = 1;
    const known = shapeSize(out);
    if (known === 0) throw new RangeError(`Reshape ${shown()}: -1 cannot be inferred next to a 0 dimension`);
    out[inferred] = size / known;
    if (!Number.isInteger(out[inferred])) {
      throw new RangeError(`Reshape ${shown()}: ${size} elements do not divide into the known dimensions`);
    }
  }
  if (shapeSize(out) !== size) throw new RangeError(`Reshape ${shown()}: ${size} elements do not fit`);
  return out;
}

/** ONNX Reshape (opsets 5+; `allowzero` from 14). The data is shared, not copied. */
export const reshape: OpDefinition = {
  op: "Reshape",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { allowzero: { kind: "int", values: [0, 1] } },
  run([x, shape], attrs) {
    const dims = reshapeDims(x!.dims, intList(shape, "Reshape shape"), attrs.int("allowzero", 0) === 1);
    return [new Tensor(x!.type, x!.data, dims)];
  },
};
