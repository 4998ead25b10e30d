/**
 * Elementwise binary ops with broadcasting, from one table: arithmetic (Add, Sub, Mul, Div, Pow, Mod),
 * comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual → bool), logic (And, Or, Xor on bool)
 * and the variadic Sum, Mean, Max, Min. Integer division truncates toward zero; int64 runs on bigints
 * and wraps like C++. Float division by zero gives ±inf or NaN, as onnxruntime does.
 * @module
 */
import type { DType } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { OpDefinition } from "../../op.ts";
import { FLOATS, NUMERIC, required, requireDType, requireSameDType } from "./_dtypes.ts";
import { type BinaryKernel, type BinaryRow, broadcastBinary } from "./broadcast_binary.ts";

const add: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! + b[bi]!;
};
const sub: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! - b[bi]!;
};
const mul: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! * b[bi]!;
};
const mulInt: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = Math.imul(a[ai]!, b[bi]!);
};
// Storing into an integer array truncates toward zero, which is C++ integer division.
const div: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! / b[bi]!;
};
const pow: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = Math.pow(a[ai]!, b[bi]!);
};
const max: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = Math.max(a[ai]!, b[bi]!);
};
const min: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = Math.min(a[ai]!, b[bi]!);
};
const equal: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! === b[bi]! ? 1 : 0;
};
const less: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! < b[bi]! ? 1 : 0;
};
const greater: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! > b[bi]! ? 1 : 0;
};
const lessOrEqual: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! <= b[bi]! ? 1 : 0;
};
const greaterOrEqual: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! >= b[bi]! ? 1 : 0;
};
const and: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! !== 0 && b[bi]! !== 0 ? 1 : 0;
};
const or: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! !== 0 || b[bi]! !== 0 ? 1 : 0;
};
const xor: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = (a[ai]! !== 0) !== (b[bi]! !== 0) ? 1 : 0;
};
// Mod with fmod=1: the remainder takes the dividend's sign (C fmod; JS % does exactly this).
const modTrunc: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! % b[bi]!;
};
// Mod with fmod=0 (integers only): the remainder takes the divisor's sign (Python %).
const modFloor: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
  for (let i = 0; i < n; i++, ai += as, bi += bs) {
    const d = b[bi]!;
    const r = a[ai]! % d;
    o[oi + i] = r !== 0 && (r < 0) !== (d < 0) ? r + d : r;
  }
};

const KERNELS = {
  Add: { row: add, big: (a, b) => a + b },
  Sub: { row: sub, big: (a, b) => a - b },
  Mul: { row: mul, intRow: mulInt, big: (a, b) => a * b },
  Div: { row: div, big: (a, b) => a / b },
  Max: { row: max, big: (a, b) => (a > b ? a : b) },
  Min: { row: min, big: (a, b) => (a < b ? a : b) },
  Equal: { row: equal, big: (a, b) => a === b },
  Less: { row: less, big: (a, b) => a < b },
  Greater: { row: greater, big: (a, b) => a > b },
  LessOrEqual: { row: lessOrEqual, big: (a, b) => a <= b },
  GreaterOrEqual: { row: greaterOrEqual, big: (a, b) => a >= b },
  And: { row: and },
  Or: { row: or },
  Xor: { row: xor },
} satisfies Record<string, BinaryKernel>;

/** One table row: op name, accepted input dtypes, whether the output is bool. */
interface BinarySpec {
  op: keyof typeof KERNELS;
  types: readonly DType[];
  bool?: boolean;
}

const SPECS: readonly BinarySpec[] = [
  { op: "Add", types: NUMERIC },
  { op: "Sub", types: NUMERIC },
  { op: "Mul", types: NUMERIC },
  { op: "Div", types: NUMERIC },
  { op: "Equal", types: [...NUMERIC, "bool"], bool: true },
  { op: "Less", types: NUMERIC, bool: true },
  { op: "Greater", types: NUMERIC, bool: true },
  { op: "LessOrEqual", types: NUMERIC, bool: true },
  { op: "GreaterOrEqual", types: NUMERIC, bool: true },
  { op: "And", types: ["bool"], bool: true },
  { op: "Or", types: ["bool"], bool: true },
  { op: "Xor", types: ["bool"], bool: true },
];

function binaryDefinition(spec: BinarySpec): OpDefinition {
  const { op, types } = spec;
  const kernel: BinaryKernel = KERNELS[op];
  return {
    op,
    inputs: [2, 2],
    outputs: [1, 1],
    attributes: {},
    run: ([x, y]) => {
      const a = required(op, x, 0), b = required(op, y, 1);
      requireDType(op, "input A", a, types);
      requireSameDType(op, [a, b]);
      return [broadcastBinary(op, a, b, kernel, spec.bool ? "bool" : a.type)];
    },
  };
}

/** Variadic ops fold their inputs pairwise, left to right, with broadcasting. */
function variadicDefinition(op: "Sum" | "Mean" | "Max" | "Min", types: readonly DType[]): OpDefinition {
  const kernel: BinaryKernel = KERNELS[op === "Mean" || op === "Sum" ? "Add" : op];
  return {
    op,
    inputs: [1, 2147483647],
    outputs: [1, 1],
    attributes: {},
    run: (inputs) => {
      const tensors = inputs.map((t, i) => required(op, t, i));
      requireDType(op, "input 0", tensors[0]!, types);
      requireSameDType(op, tensors);
      let acc = tensors[0]!;
      for (let i = 1; i < tensors.length; i++) acc = broadcastBinary(op, acc, tensors[i]!, kernel);
      if (op === "Mean" && tensors.length > 1) {
        const count = new Tensor(
          acc.type,
          acc.type === "float32" ? new Float32Array([tensors.length]) : new Float64Array([tensors.length]),
          [],
        );
        acc = broadcastBinary(op, acc, count, KERNELS.Div);
      }
      return [acc];
    },
  };
}

/** Pow: float or integer base, exponent of any numeric type; the output has the base's type. */
const powDefinition: OpDefinition = {
  op: "Pow",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: {},
  run: ([x, y]) => {
    const base = required("Pow", x, 0), exponent = required("Pow", y, 1);
    requireDType("Pow", "input X", base, NUMERIC);
    requireDType("Pow", "input Y", exponent, NUMERIC);
    const e = asFloat64(exponent);
    if (base.type !== "int64") return [broadcastBinary("Pow", base, e, { row: pow })];
    // int64 base: computed in double and truncated, as onnxruntime's static_cast<int64_t>(std::pow(x, y)).
    const result = broadcastBinary("Pow", asFloat64(base), e, { row: pow });
    const data = new BigInt64Array(result.size);
    const r = result.data as Float64Array;
    for (let i = 0; i < data.length; i++) data[i] = Number.isFinite(r[i]!) ? BigInt(Math.trunc(r[i]!)) : 0n;
    return [new Tensor("int64", data, result.dims)];
  },
};

/** Mod: fmod=0 takes the divisor's sign (integers only), fmod=1 the dividend's (C fmod; needed for floats). */
const modDefinition: OpDefinition = {
  op: "Mod",
  inputs: [2, 2],
  outputs: [1, 1],
  attributes: { fmod: { kind: "int", values: [0, 1] } },
  run: ([x, y], attrs) => {
    const a = required("Mod", x, 0), b = required("Mod", y, 1);
    requireDType("Mod", "input A", a, NUMERIC);
    requireSameDType("Mod", [a, b]);
    const fmod = attrs.int("fmod", 0) === 1;
    if (!fmod && FLOATS.includes(a.type)) throw new TypeError(`Mod: fmod must be 1 for ${a.type} inputs`);
    const kernel: BinaryKernel = fmod ? { row: modTrunc, big: (p, q) => p % q } : {
      row: modFloor,
      big: (p, q) => {
        const r = p % q;
        return r !== 0n && (r < 0n) !== (q < 0n) ? r + q : r;
      },
    };
    return [broadcastBinary("Mod", a, b, kernel)];
  },
};

function asFloat64(t: Tensor): Tensor {
  if (t.type === "float32" || t.type === "float64" || t.type === "int32") return t;
  const src = t.data as BigInt64Array;
  const out = new Float64Array(src.length);
  for (let i = 0; i < out.length; i++) out[i] = Number(src[i]!);
  return new Tensor("float64", out, t.dims);
}

/** Definitions of the binary and variadic elementwise ops. */
export const BINARY_OPS: readonly OpDefinition[] = [
  ...SPECS.map(binaryDefinition),
  powDefinition,
  modDefinition,
  variadicDefinition("Sum", FLOATS),
  variadicDefinition("Mean", FLOATS),
  variadicDefinition("Max", NUMERIC),
  variadicDefinition("Min", NUMERIC),
];
