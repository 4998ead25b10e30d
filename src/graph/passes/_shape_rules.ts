// Per-op shape and dtype rules for inferShapes(). A rule sees its inputs' known types (and constant values)
// and returns what it can say about the outputs; anything it cannot say stays undefined.
import type { DType } from "../dtype.ts";
import type { Attribute, Dim, Node } from "../graph.ts";
import { dtypeFromOnnx } from "../dtype.ts";
import { fromNumbers, type Tensor, toNumbers } from "../tensor.ts";

/** What is known about one value during inference. */
export interface Known {
  dtype: DType | undefined;
  shape: Dim[] | undefined;
  /** The value itself, for initializers. */
  value?: Tensor;
}

/** A shape rule: known inputs in, known outputs out (one entry per node output). */
export type ShapeRule = (inputs: (Known | undefined)[], node: Node) => Known[];

const UNKNOWN: Known = { dtype: undefined, shape: undefined };

function attr<K extends Attribute["kind"]>(node: Node, name: string, kind: K) {
  const a = node.attributes[name];
  return a?.kind === kind ? (a.value as Extract<Attribute, { kind: K }>["value"]) : undefined;
}

function axisOf(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Combines two dims under broadcasting; `null` when nothing can be said. */
function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === "number" && typeof b !== "number") return a;
  if (typeof b === "number" && typeof a !== "number") return b;
  return null;
}

function broadcast(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  for (const s of shapes as Dim[][]) {
    s.forEach((d, i) => {
      const o = rank - s.length + i;
      out[o] = broadcastDim(out[o]!, d);
    });
  }
  return out;
}

function constInts(k: Known | undefined): number[] | undefined {
  return k?.value && k.value.type !== "string" ? toNumbers(k.value) : undefined;
}

const sameAsFirst: ShapeRule = ([x]) => [x ? { dtype: x.dtype, shape: x.shape } : UNKNOWN];

const elementwise: ShapeRule = (inputs) => [{
  dtype: inputs.find((k) => k?.dtype)?.dtype,
  shape: broadcast(inputs.filter((k) => k !== undefined).map((k) => k!.shape)),
}];

const predicate: ShapeRule = (inputs, node) => [{ ...elementwise(inputs, node)[0]!, dtype: "bool" }];

/** Output spatial size of a sliding window; `null` for symbolic inputs. */
function windowOut(size: Dim, k: number, stride: number, dilation: number, padTotal: number, ceil: boolean): Dim {
  if (typeof size !== "number") return null;
  const span = (k - 1) * dilation + 1;
  const q = (size + padTotal - span) / stride;
  return (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
}

const slidingWindow: ShapeRule = ([x, w], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const spatial = x.shape.length - 2;
  const kernel = attr(node, "kernel_shape", "ints") ??
    (w?.shape ? (w.shape.slice(2) as number[]) : undefined);
  if (!kernel || kernel.some((k) => typeof k !== "number")) return [{ dtype: x.dtype, shape: undefined }];
  const strides = attr(node, "strides", "ints") ?? new Array<number>(spatial).fill(1);
  const dilations = attr(node, "dilations", "ints") ?? new Array<number>(spatial).fill(1);
  const pads = attr(node, "pads", "ints") ?? new Array<number>(spatial * 2).fill(0);
  const autoPad = attr(node, "auto_pad", "string") ?? "NOTSET";
  const ceil = (attr(node, "ceil_mode", "int") ?? 0) === 1;
  const channels: Dim = node.op === "Conv" ? (w?.shape?.[0] ?? null) : x.shape[1]!;
  const dims = x.shape.slice(2).map((size, i) => {
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      return typeof size === "number" ? Math.ceil(size / strides[i]!) : null;
    }
    const total = autoPad === "VALID" ? 0 : pads[i]! + pads[i + spatial]!;
    return windowOut(size, kernel[i]!, strides[i]!, dilations[i]!, total, ceil);
  });
  return [{ dtype: x.dtype, shape: [x.shape[0]!, channels, ...dims] }];
};

const matmul: ShapeRule = ([a, b]) => {
  if (!a?.shape || !b?.shape) return [{ dtype: a?.dtype, shape: undefined }];
  const sa = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const sb = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const batch = broadcast([sa.slice(0, -2), sb.slice(0, -2)])!;
  const out: Dim[] = [...batch, sa[sa.length - 2]!, sb[sb.length - 1]!];
  if (a.shape.length === 1) out.splice(out.length - 2, 1);
  if (b.shape.length === 1) out.splice(out.length - 1, 1);
  return [{ dtype: a.dtype, shape: out }];
};

const gemm: ShapeRule = ([a, b], node) => {
  if (!a?.shape || !b?.shape) return [{ dtype: a?.dtype, shape: undefined }];
  const m = attr(node, "transA", "int") ? a.shape[1]! : a.shape[0]!;
  const n = attr(node, "transB", "int") ? b.shape[0]! : b.shape[1]!;
  return [{ dtype: a.dtype, shape: [m, n] }];
};

const transpose: ShapeRule = ([x], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const perm = attr(node, "perm", "ints") ?? x.shape.map((_, i) => x.shape!.length - 1 - i);
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p] ?? null) }];
};

const reshape: ShapeRule = ([x, s], node) => {
  const target = constInts(s);
  if (!target) return [{ dtype: x?.dtype, shape: undefined }];
  const allowZero = attr(node, "allowzero", "int") === 1;
  const out: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x?.shape?.[i] ?? null) : d === -1 ? null : d));
  const minus = target.indexOf(-1);
  if (minus >= 0 && x?.shape?.every((d) => typeof d === "number")) {
    const total = (x.shape as number[]).reduce((p, d) => p * d, 1);
    const rest = out.reduce<number>((p, d, i) => (i === minus ? p : p * (typeof d === "number" ? d : NaN)), 1);
    out[minus] = Number.isFinite(rest) && rest > 0 ? total / rest : null;
  }
  return [{ dtype: x?.dtype, shape: out }];
};

const concat: ShapeRule = (inputs, node) => {
  const known = inputs.filter((k) => k !== undefined) as Known[];
  if (known.length === 0 || known.some((k) => !k.shape)) return [{ dtype: known[0]?.dtype, shape: undefined }];
  const rank = known[0]!.shape!.length;
  const axis = axisOf(attr(node, "axis", "int") ?? 0, rank);
  const out = [...known[0]!.shape!];
  let total: Dim = 0;
  for (const k of known) {
    const d = k.shape![axis]!;
    total = typeof total === "number" && typeof d === "number" ? total + d : null;
  }
  out[axis] = total;
  return [{ dtype: known[0]!.dtype, shape: out }];
};

const unsqueeze: ShapeRule = ([x, a], node) => {
  const axes = attr(node, "axes", "ints") ?? constInts(a);
  if (!x?.shape || !axes) return [{ dtype: x?.dtype, shape: undefined }];
  const rank = x.shape.length + axes.length;
  const set = new Set(axes.map((ax) => axisOf(ax, rank)));
  const out: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : x.shape[j++]!);
  return [{ dtype: x.dtype, shape: out }];
};

const squeeze: ShapeRule = ([x, a], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const axes = attr(node, "axes", "ints") ?? constInts(a);
  const rank = x.shape.length;
  const drop = axes ? new Set(axes.map((ax) => axisOf(ax, rank))) : undefined;
  if (!drop && x.shape.some((d) => typeof d !== "number")) return [{ dtype: x.dtype, shape: undefined }];
  return [{ dtype: x.dtype, shape: x.shape.filter((d, i) => (drop ? !drop.has(i) : d !== 1)) }];
};

const flatten: ShapeRule = ([x], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const axis = axisOf(attr(node, "axis", "int") ?? 1, x.shape.length);
  const product = (ds: Dim[]): Dim =>
    ds.reduce<Dim>((p, d) => (typeof p === "number" && typeof d === "number" ? p * d : null), 1);
  return [{ dtype: x.dtype, shape: [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))] }];
};

const reduce: ShapeRule = ([x, a], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const rank = x.shape.length;
  const axesList = attr(node, "axes", "ints") ?? constInts(a);
  const noop = attr(node, "noop_with_empty_axes", "int") === 1;
  if (a && !a.value) return [{ dtype: x.dtype, shape: undefined }];
  const axes = new Set(
    (axesList && axesList.length > 0 ? axesList : noop ? [] : x.shape.map((_, i) => i)).map((ax) => axisOf(ax, rank)),
  );
  const keep = (attr(node, "keepdims", "int") ?? 1) === 1;
  const shape = x.shape.flatMap((d, i) => (axes.has(i) ? (keep ? [1] : []) : [d]));
  return [{ dtype: x.dtype, shape }];
};

const argReduce: ShapeRule = ([x], node) => {
  if (!x?.shape) return [{ dtype: "int64", shape: undefined }];
  const axis = axisOf(attr(node, "axis", "int") ?? 0, x.shape.length);
  const keep = (attr(node, "keepdims", "int") ?? 1) === 1;
  return [{ dtype: "int64", shape: x.shape.flatMap((d, i) => (i === axis ? (keep ? [1] : []) : [d])) }];
};

const globalPool: ShapeRule = ([x]) => [{
  dtype: x?.dtype,
  shape: x?.shape ? [x.shape[0]!, x.shape[1]!, ...x.shape.slice(2).map(() => 1)] : undefined,
}];

const gather: ShapeRule = ([x, i], node) => {
  if (!x?.shape || !i?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const axis = axisOf(attr(node, "axis", "int") ?? 0, x.shape.length);
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...i.shape, ...x.shape.slice(axis + 1)] }];
};

const cast: ShapeRule = ([x], node) => [{
  dtype: dtypeFromOnnx(attr(node, "to", "int") ?? 0),
  shape: x?.shape,
}];

const shapeOf: ShapeRule = ([x], node) => {
  if (!x?.shape) return [{ dtype: "int64", shape: [null] }];
  const rank = x.shape.length;
  const start = Math.max(0, Math.min(rank, axisOrEnd(attr(node, "start", "int") ?? 0, rank)));
  const end = Math.max(start, Math.min(rank, axisOrEnd(attr(node, "end", "int") ?? rank, rank)));
  const dims = x.shape.slice(start, end);
  const out: Known = { dtype: "int64", shape: [dims.length] };
  if (dims.every((d) => typeof d === "number")) out.value = fromNumbers("int64", dims as number[], [dims.length]);
  return [out];
};

function axisOrEnd(i: number, rank: number): number {
  return i < 0 ? i + rank : i;
}

const recurrent: ShapeRule = ([x, w], node) => {
  const layout = attr(node, "layout", "int") ?? 0;
  const hidden = attr(node, "hidden_size", "int") ?? null;
  const dirs = w?.shape?.[0] ?? null;
  const [seq, batch] = layout === 0
    ? [x?.shape?.[0] ?? null, x?.shape?.[1] ?? null]
    : [x?.shape?.[1] ?? null, x?.shape?.[0] ?? null];
  const y: Dim[] = layout === 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
  const state: Dim[] = layout === 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
  return [{ dtype: x?.dtype, shape: y }, { dtype: x?.dtype, shape: state }, { dtype: x?.dtype, shape: state }];
};

const resize: ShapeRule = (inputs) => {
  // Opset 10 takes (X, scales); 11+ take (X, roi, scales, sizes).
  const [x, scales, sizes] = inputs.length === 2
    ? [inputs[0], inputs[1], undefined]
    : [inputs[0], inputs[2], inputs[3]];
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const fixed = constInts(sizes);
  if (fixed && fixed.length === x.shape.length) return [{ dtype: x.dtype, shape: fixed }];
  const factors = constInts(scales);
  if (!factors || factors.length !== x.shape.length) return [{ dtype: x.dtype, shape: undefined }];
  return [{
    dtype: x.dtype,
    shape: x.shape.map((d, i) => (typeof d === "number" ? Math.floor(d * factors[i]!) : null)),
  }];
};

const pad: ShapeRule = ([x, p], node) => {
  const pads = attr(node, "pads", "ints") ?? constInts(p);
  if (!x?.shape || !pads || pads.length !== 2 * x.shape.length || node.inputs[3]) {
    return [{ dtype: x?.dtype, shape: undefined }];
  }
  const rank = x.shape.length;
  return [{
    dtype: x.dtype,
    shape: x.shape.map((d, i) => (typeof d === "number" ? d + pads[i]! + pads[i + rank]! : null)),
  }];
};

const convTranspose: ShapeRule = ([x, w], node) => {
  if (!x?.shape || !w?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const spatial = x.shape.length - 2;
  const group = attr(node, "group", "int") ?? 1;
  const channels = typeof w.shape[1] === "number" ? w.shape[1] * group : null;
  const explicit = attr(node, "output_shape", "ints");
  if (explicit) return [{ dtype: x.dtype, shape: [x.shape[0]!, channels, ...explicit.slice(-spatial)] }];
  const autoPad = attr(node, "auto_pad", "string") ?? "NOTSET";
  const strides = attr(node, "strides", "ints") ?? new Array<number>(spatial).fill(1);
  const dilations = attr(node, "dilations", "ints") ?? new Array<number>(spatial).fill(1);
  const pads = attr(node, "pads", "ints") ?? new Array<number>(spatial * 2).fill(0);
  const outPad = attr(node, "output_padding", "ints") ?? new Array<number>(spatial).fill(0);
  const kernel = attr(node, "kernel_shape", "ints") ?? (w.shape.slice(2) as number[]);
  const dims = x.shape.slice(2).map((d, i) => {
    if (typeof d !== "number") return null;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") return d * strides[i]!;
    const total = autoPad === "VALID" ? 0 : pads[i]! + pads[i + spatial]!;
    return strides[i]! * (d - 1) + outPad[i]! + ((kernel[i]! - 1) * dilations[i]! + 1) - total;
  });
  return [{ dtype: x.dtype, shape: [x.shape[0]!, channels, ...dims] }];
};

const slice: ShapeRule = ([x, s, e, a, st], node) => {
  if (!x?.shape) return [{ dtype: x?.dtype, shape: undefined }];
  const rank = x.shape.length;
  const starts = attr(node, "starts", "ints") ?? constInts(s);
  const ends = attr(node, "ends", "ints") ?? constInts(e);
  if (!starts || !ends || (a && !a.value) || (st && !st.value)) return [{ dtype: x.dtype, shape: undefined }];
  const axes = attr(node, "axes", "ints") ?? constInts(a) ?? starts.map((_, i) => i);
  const steps = constInts(st) ?? starts.map(() => 1);
  const out = [...x.shape];
  axes.forEach((axis, i) => {
    const ax = axisOf(axis, rank);
    const d = x.shape![ax];
    if (typeof d !== "number") {
      out[ax] = null;
      return;
    }
    const step = steps[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + d : v));
    // ONNX clamps starts to [0, d] (step > 0) or [0, d-1] (step < 0), ends to [0, d] or [-1, d-1].
    const begin = step > 0 ? clamp(starts[i]!, 0, d) : clamp(starts[i]!, 0, d - 1);
    const end = step > 0 ? clamp(ends[i]!, 0, d) : clamp(ends[i]!, -1, d - 1);
    out[ax] = Math.max(0, Math.ceil((end - begin) / step));
  });
  return [{ dtype: x.dtype, shape: out }];
};

const UNARY = [
  "Relu",
  "Sigmoid",
  "Tanh",
  "Exp",
  "Log",
  "Sqrt",
  "Neg",
  "Abs",
  "Reciprocal",
  "Floor",
  "Ceil",
  "Round",
  "Sign",
  "Erf",
  "Sin",
  "Cos",
  "Softplus",
  "Softsign",
  "LeakyRelu",
  "Elu",
  "Selu",
  "HardSigmoid",
  "HardSwish",
  "Clip",
  "Gelu",
  "ThresholdedRelu",
  "Celu",
  "Softmax",
  "LogSoftmax",
  "BatchNormalization",
  "InstanceNormalization",
  "LayerNormalization",
  "Dropout",
  "Identity",
  "LRN",
  "CumSum",
  "Not",
];
const BINARY = ["Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "PRelu", "BitShift"];
const PREDICATES = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor"];

/** Shape rules by op type. Ops without a rule get unknown outputs. */
export const SHAPE_RULES: ReadonlyMap<string, ShapeRule> = new Map<string, ShapeRule>([
  ...UNARY.map((op) => [op, sameAsFirst] as const),
  ...BINARY.map((op) => [op, elementwise] as const),
  ...PREDICATES.map((op) => [op, predicate] as const),
  ["Where", ([c, a, b], node) => [{ ...elementwise([c, a, b], node)[0]!, dtype: a?.dtype ?? b?.dtype }]],
  ["Conv", slidingWindow],
  ["MaxPool", slidingWindow],
  ["AveragePool", slidingWindow],
  ["GlobalAveragePool", globalPool],
  ["GlobalMaxPool", globalPool],
  ["MatMul", matmul],
  ["Gemm", gemm],
  ["Transpose", transpose],
  ["Reshape", reshape],
  ["Concat", concat],
  ["Unsqueeze", unsqueeze],
  ["Squeeze", squeeze],
  ["Flatten", flatten],
  ["Gather", gather],
  ["Cast", cast],
  ["Shape", shapeOf],
  ["Size", () => [{ dtype: "int64", shape: [] }]],
  ["ReduceMean", reduce],
  ["ReduceSum", reduce],
  ["ReduceMax", reduce],
  ["ReduceMin", reduce],
  ["ReduceProd", reduce],
  ["ReduceL1", reduce],
  ["ReduceL2", reduce],
  ["ReduceSumSquare", reduce],
  ["ReduceLogSumExp", reduce],
  ["ArgMax", argReduce],
  ["ArgMin", argReduce],
  ["Slice", slice],
  ["Resize", resize],
  ["Pad", pad],
  ["ConvTranspose", convTranspose],
  ["LSTM", recurrent],
  ["GRU", recurrent],
  ["RNN", recurrent],
]);
