/**
 * The Reduce* family: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceSumSquare, ReduceLogSum and ReduceLogSumExp. Axes come from the `axes` attribute in old
 * opsets and from the optional second input from opset 13 (ReduceSum) or 18 (the others); no axes
 * means all axes, unless `noop_with_empty_axes` is set, in which case nothing is reduced. The
 * input is walked in row plans (the reduced view broadcast against the input), accumulating in double.
 * @module
 */
import { type DType, isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor, toNumbers } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { normalizeAxis } from "../shape_util.ts";
import { planRows } from "./_broadcast.ts";
import { type NumArray, NUMERIC, required, requireDType } from "./_dtypes.ts";

type Kind = "Sum" | "Mean" | "Max" | "Min" | "Prod" | "L1" | "L2" | "SumSquare" | "LogSum" | "LogSumExp";

const INIT: Record<Kind, number> = {
  Sum: 0,
  Mean: 0,
  Max: -Infinity,
  Min: Infinity,
  Prod: 1,
  L1: 0,
  L2: 0,
  SumSquare: 0,
  LogSum: 0,
  LogSumExp: 0,
};

/** Reductions that leave a single element unchanged. */
const IDENTITY_ON_ONE = new Set<Kind>(["Sum", "Mean", "Max", "Min", "Prod"]);

/** The axes a node reduces over, sorted and normalized; `undefined` means "all axes". */
function axesOf(
  op: string,
  attrAxes: number[] | undefined,
  input: Tensor | undefined,
  rank: number,
): number[] | undefined {
  const raw = input ? toNumbers(input) : attrAxes;
  if (raw === undefined || raw.length === 0) return undefined;
  const axes = raw.map((a) => {
    try {
      return normalizeAxis(a, rank);
    } catch (cause) {
      throw new RangeError(`${op}: axis ${a} is out of range for rank ${rank}`, { cause });
    }
  });
  if (new Set(axes).size !== axes.length) throw new RangeError(`${op}: axes [${raw.join(", ")}] repeat an axis`);
  return axes.sort((a, b) => a - b);
}

function definition(kind: Kind, axesInputSince: number): OpDefinition {
  const op = `Reduce${kind}`;
  return {
    op,
    inputs: [1, 2],
    outputs: [1, 1],
    attributes: {
      axes: { kind: "ints" },
      keepdims: { kind: "int", values: [0, 1] },
      noop_with_empty_axes: { kind: "int", values: [0, 1] },
    },
    check: (node, opset) => {
      if (opset < axesInputSince && node.inputs.length > 1) {
        return `axes is an attribute before opset ${axesInputSince}`;
      }
      if (opset >= axesInputSince && "axes" in node.attributes) {
        return `axes is an input from opset ${axesInputSince} on`;
      }
      return undefined;
    },
    run: ([input, axesInput], attrs) => {
      const x = required(op, input, 0);
      requireDType(op, "input", x, NUMERIC);
      const rank = x.dims.length;
      const axes = axesOf(op, attrs.ints("axes"), axesInput, rank);
      // noop_with_empty_axes reduces over no axes: each element is its own group, so ReduceL1 still
      // takes |x|, ReduceSumSquare x², ReduceLogSum log(x) (as onnxruntime computes it).
      const noop = !axes && attrs.int("noop_with_empty_axes", 0) === 1;
      if (noop && IDENTITY_ON_ONE.has(kind)) return [x];
      const reduced = new Set(noop ? [] : axes ?? x.dims.map((_, i) => i));
      const kept = x.dims.map((d, i) => (reduced.has(i) ? 1 : d));
      const acc = reduce(kind, x, kept);
      const dims = attrs.int("keepdims", 1) === 1 ? kept : x.dims.filter((_, i) => !reduced.has(i));
      return [store(x.type, acc, dims)];
    },
  };
}

/** Reduces `x` to shape `kept` (its shape with reduced axes set to 1); returns the final values. */
function reduce(kind: Kind, x: Tensor, kept: number[]): Float64Array {
  const data: NumArray = isBigIntDType(x.type) ? Float64Array.from(toNumbers(x)) : (x.data as NumArray);
  let count = 1;
  for (let i = 0; i < kept.length; i++) if (kept[i] !== x.dims[i]) count *= x.dims[i]!;
  const { rows, inner, offsets, strides } = planRows([x.dims, kept], x.dims);
  const acc = new Float64Array(kept.reduce((a, b) => a * b, 1));
  const ao = offsets[1]!, as = strides[1]!;
  let max: Float64Array | undefined;
  if (kind === "LogSumExp") {
    max = new Float64Array(acc.length).fill(-Infinity);
    for (let r = 0; r < rows; r++) accumulate("Max", data, r * inner, max, ao[r]!, as, inner, max);
  }
  acc.fill(INIT[kind]);
  for (let r = 0; r < rows; r++) accumulate(kind, data, r * inner, acc, ao[r]!, as, inner, max);
  for (let i = 0; i < acc.length; i++) {
    const v = acc[i]!;
    if (kind === "Mean") acc[i] = v / count;
    else if (kind === "L2") acc[i] = Math.sqrt(v);
    else if (kind === "LogSum") acc[i] = Math.log(v);
    else if (kind === "LogSumExp") {
      const m = max![i]!;
      acc[i] = Number.isFinite(m) ? Math.log(v) + m : m;
    }
  }
  return acc;
}

/** Folds `n` elements of `x` from `xi` into `acc` at `ai`, `ai + as`, … */
function accumulate(
  kind: Kind,
  x: NumArray,
  xi: number,
  acc: Float64Array,
  ai: number,
  as: number,
  n: number,
  max: Float64Array | undefined,
): void {
  const end = xi + n;
  switch (kind) {
    case "Sum":
    case "Mean":
    case "LogSum":
      if (as === 0) {
        let s = 0;
        for (let i = xi; i < end; i++) s += x[i]!;
        acc[ai]! += s;
      } else for (let i = xi; i < end; i++, ai++) acc[ai]! += x[i]!;
      break;
    case "Max":
      for (let i = xi; i < end; i++, ai += as) if (x[i]! > acc[ai]! || Number.isNaN(x[i]!)) acc[ai] = x[i]!;
      break;
    case "Min":
      for (let i = xi; i < end; i++, ai += as) if (x[i]! < acc[ai]! || Number.isNaN(x[i]!)) acc[ai] = x[i]!;
      break;
    case "Prod":
      for (let i = xi; i < end; i++, ai += as) acc[ai]! *= x[i]!;
      break;
    case "L1":
      for (let i = xi; i < end; i++, ai += as) acc[ai]! += Math.abs(x[i]!);
      break;
    case "L2":
    case "SumSquare":
      for (let i = xi; i < end; i++, ai += as) acc[ai]! += x[i]! * x[i]!;
      break;
    case "LogSumExp":
      for (let i = xi; i < end; i++, ai += as) acc[ai]! += Math.exp(x[i]! - max![ai]!);
      break;
  }
}

/** Stores reduced values in the input's type (integers truncate toward zero). */
function store(type: DType, values: Float64Array, dims: number[]): Tensor {
  if (type === "float64") return new Tensor(type, values, dims);
  if (type === "int64") {
    const out = new BigInt64Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = BigInt(Math.trunc(values[i]!));
    return new Tensor(type, out, dims);
  }
  const out = type === "int32" ? new Int32Array(values.length) : new Float32Array(values.length);
  out.set(values);
  return new Tensor(type, out, dims);
}

/** Definitions of the Reduce* ops. */
export const REDUCE_OPS: readonly OpDefinition[] = (
  ["Sum", "Mean", "Max", "Min", "Prod", "L1", "L2", "SumSquare", "LogSum", "LogSumExp"] as const
).map((kind) => definition(kind, kind === "Sum" ? 13 : 18));
