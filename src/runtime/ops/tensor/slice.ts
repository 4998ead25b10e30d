/**
 * Slice: takes `start:end:step` along chosen axes. Before opset 10 starts/ends/axes are attributes (step
 * 1); from 10 they are inputs, with optional axes and steps. Negative indices count from the end, and
 * out-of-range values (INT64_MAX/MIN included) clamp as ONNX prescribes — for a negative step, starts
 * clamp to `[0, dim-1]` and ends to `[-1, dim-1]`.
 * @module
 */
import { allocateForOverwrite } from "../../../graph/dtype.ts";
import { shapeSize, stridesOf, Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { stridedCopy } from "./_copy.ts";
import { assertDistinct, intList } from "./_int_list.ts";

/** Start index and element count of `start:end:step` on an axis of length `dim`. */
function sliceAxis(dim: number, start: number, end: number, step: number): [first: number, count: number] {
  if (step === 0) throw new RangeError("Slice step must not be 0");
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return [s, Math.max(0, Math.ceil((e - s) / step))];
  }
  s = Math.min(Math.max(s, 0), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return [s, Math.max(0, Math.ceil((e - s) / step))];
}

/** ONNX Slice. */
export const slice: OpDefinition = {
  op: "Slice",
  inputs: [1, 5],
  outputs: [1, 1],
  attributes: { starts: { kind: "ints" }, ends: { kind: "ints" }, axes: { kind: "ints" } },
  check(node, opset) {
    if (opset < 10) {
      if (node.inputs.length !== 1) return "before opset 10 Slice takes one input";
      if (!("starts" in node.attributes) || !("ends" in node.attributes)) {
        return "starts and ends attributes are required";
      }
    } else {
      if (Object.keys(node.attributes).length > 0) {
        return "from opset 10 starts, ends and axes are inputs, not attributes";
      }
      if (node.inputs.length < 3) return "from opset 10 Slice takes data, starts and ends inputs";
    }
    return undefined;
  },
  run([x, startsIn, endsIn, axesIn, stepsIn], attrs, ctx) {
    const dims = x!.dims;
    const rank = dims.length;
    let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
    if (ctx.opset < 10) {
      starts = attrs.ints("starts", []);
      ends = attrs.ints("ends", []);
      axes = attrs.ints("axes");
    } else {
      starts = intList(startsIn, "Slice starts");
      ends = intList(endsIn, "Slice ends");
      axes = axesIn ? intList(axesIn, "Slice axes") : undefined;
      steps = stepsIn ? intList(stepsIn, "Slice steps") : undefined;
    }
    const n = starts.length;
    if (ends.length !== n || (axes && axes.length !== n) || (steps && steps.length !== n)) {
      throw new RangeError(
        `Slice starts, ends, axes and steps differ in length (${n}, ${ends.length}, ${axes?.length}, ${steps?.length})`,
      );
    }
    const axisList = (axes ?? starts.map((_, i) => i)).map((a) => normalizeAxis(a, rank));
    assertDistinct(axisList, "Slice axes");
    const strides = stridesOf(dims);
    const outDims = [...dims];
    const viewStrides = [...strides];
    let offset = 0;
    axisList.forEach((a, i) => {
      const step = steps?.[i] ?? 1;
      const [first, count] = sliceAxis(dims[a]!, starts[i]!, ends[i]!, step);
      outDims[a] = count;
      viewStrides[a] = strides[a]! * step;
      if (count > 0) offset += first * strides[a]!;
    });
    const out = allocateForOverwrite(x!.type, shapeSize(outDims));
    stridedCopy(x!.data, offset, outDims, viewStrides, out);
    return [new Tensor(x!.type, out, outDims)];
  },
};
