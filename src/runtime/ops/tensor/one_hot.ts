/**
 * OneHot: for each index, a `depth`-long row that is `values[1]` at the index and `values[0]` elsewhere,
 * inserted at `axis` (default -1, the last). Indices in `[-depth, depth)` count negative ones from the
 * end; others — and, as in onnxruntime, fractional float indices — give an all-off row. A fractional
 * depth is truncated.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { float16BitsToFloat32 } from "../../../graph/float16.ts";
import { shapeSize, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import type { Slots } from "./_copy.ts";

/** Numeric elements of any non-string tensor as numbers (float16 decoded). */
function numbersOf(t: Tensor, what: string): Float64Array {
  if (t.type === "string") throw new TypeError(`OneHot ${what} must be numeric`);
  const out = new Float64Array(t.size);
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < out.length; i++) {
    out[i] = t.type === "float16" ? float16BitsToFloat32(data[i] as number) : Number(data[i]!);
  }
  return out;
}

/** ONNX OneHot (opsets 9 and 11). */
export const oneHot: OpDefinition = {
  op: "OneHot",
  inputs: [3, 3],
  outputs: [1, 1],
  attributes: { axis: { kind: "int" } },
  run([indicesT, depthT, valuesT], attrs) {
    const depthValues = numbersOf(depthT!, "depth");
    if (depthValues.length !== 1) throw new RangeError("OneHot depth must hold one value");
    const depth = Math.trunc(depthValues[0]!);
    if (!(depth >= 1)) throw new RangeError(`OneHot depth must be positive, got ${depthValues[0]}`);
    const values = valuesT!;
    if (values.size !== 2) throw new RangeError(`OneHot values must hold [off, on], got ${values.size} elements`);
    const idims = indicesT!.dims;
    const rank = idims.length + 1;
    const given = attrs.int("axis", -1);
    const axis = given < 0 ? given + rank : given;
    if (axis < 0 || axis >= rank) throw new RangeError(`OneHot axis ${given} is out of range for output rank ${rank}`);
    const indices = numbersOf(indicesT!, "indices");
    const dims = [...idims.slice(0, axis), depth, ...idims.slice(axis)];
    const inner = shapeSize(idims.slice(axis));
    const outer = shapeSize(idims.slice(0, axis));
    const out = allocate(values.type, shapeSize(dims));
    const o = out as Slots;
    const [off, on] = [(values.data as Slots)[0], (values.data as Slots)[1]];
    for (let i = 0; i < out.length; i++) o[i] = off;
    for (let b = 0; b < outer; b++) {
      for (let j = 0; j < inner; j++) {
        let index = indices[b * inner + j]!;
        if (index < 0) index += depth;
        if (Number.isInteger(index) && index >= 0 && index < depth) o[(b * depth + index) * inner + j] = on;
      }
    }
    return [new Tensor(values.type, out, dims)];
  },
};
