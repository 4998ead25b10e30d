/**
 * Elementwise unary ops without parameters, from one table: Relu, Sigmoid, Tanh, Exp, Log, Sqrt, Neg,
 * Abs, Reciprocal, Floor, Ceil, Round (half to even), Sign, Erf, trigonometric functions, Softplus,
 * Softsign, Not, IsNaN and IsInf. Values are computed in double and stored in the output type.
 * @module
 */
import type { OpDefinition } from "../../op.ts";
import { FLOATS, NUMERIC } from "./_dtypes.ts";
import { erf } from "./erf.ts";
import { unaryDefinition, type UnarySpec } from "./unary_definition.ts";

const SPECS: readonly UnarySpec[] = [
  {
    op: "Relu",
    types: [...FLOATS, "int32"],
    row: (o, x, n) => {
      // (v + |v|) / 2 is exact and branch-free (a branch on random signs mispredicts half the time, ~5x
      // slower); it is NaN only for -inf (fixed up here) or a NaN input (kept).
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const r = (v + Math.abs(v)) * 0.5;
        o[i] = r === r ? r : v < 0 ? 0 : v;
      }
    },
  },
  {
    op: "Sigmoid",
    types: FLOATS,
    row: (o, x, n) => {
      // In double, 1 / (1 + e^-v) neither overflows harmfully (e^-v = inf gives 0) nor loses float32 precision.
      for (let i = 0; i < n; i++) o[i] = 1 / (1 + Math.exp(-x[i]!));
    },
  },
  {
    op: "Tanh",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
    },
  },
  {
    op: "Exp",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
    },
  },
  {
    op: "Log",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
    },
  },
  {
    op: "Sqrt",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
    },
  },
  {
    op: "Sin",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.sin(x[i]!);
    },
  },
  {
    op: "Cos",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.cos(x[i]!);
    },
  },
  {
    op: "Tan",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.tan(x[i]!);
    },
  },
  {
    op: "Asin",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.asin(x[i]!);
    },
  },
  {
    op: "Acos",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.acos(x[i]!);
    },
  },
  {
    op: "Atan",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.atan(x[i]!);
    },
  },
  {
    op: "Sinh",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.sinh(x[i]!);
    },
  },
  {
    op: "Cosh",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.cosh(x[i]!);
    },
  },
  {
    op: "Erf",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = erf(x[i]!);
    },
  },
  {
    op: "Floor",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]!);
    },
  },
  {
    op: "Ceil",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]!);
    },
  },
  {
    op: "Round",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const f = Math.floor(v);
        const d = v - f;
        o[i] = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
      }
    },
  },
  {
    op: "Reciprocal",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = 1 / x[i]!;
    },
  },
  {
    op: "Neg",
    types: NUMERIC,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = -x[i]!;
    },
    big: (v) => -v,
  },
  {
    op: "Abs",
    types: NUMERIC,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]!);
    },
    big: (v) => (v < 0n ? -v : v),
  },
  {
    op: "Sign",
    types: NUMERIC,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : v;
      }
    },
    big: (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n),
  },
  {
    op: "Softplus",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
      }
    },
  },
  {
    op: "Softsign",
    types: FLOATS,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v / (1 + Math.abs(v));
      }
    },
  },
  {
    op: "Not",
    types: ["bool"],
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = x[i] === 0 ? 1 : 0;
    },
  },
  {
    op: "IsNaN",
    types: FLOATS,
    bool: true,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) o[i] = Number.isNaN(x[i]) ? 1 : 0;
    },
  },
  {
    op: "IsInf",
    types: FLOATS,
    bool: true,
    attributes: { detect_negative: { kind: "int", values: [0, 1] }, detect_positive: { kind: "int", values: [0, 1] } },
    row: (o, x, n, attrs) => {
      const neg = attrs.int("detect_negative", 1) === 1;
      const pos = attrs.int("detect_positive", 1) === 1;
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = (pos && v === Infinity) || (neg && v === -Infinity) ? 1 : 0;
      }
    },
  },
];

/** Definitions of the parameterless unary ops. */
export const UNARY_OPS: readonly OpDefinition[] = SPECS.map(unaryDefinition);
