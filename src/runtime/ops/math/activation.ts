/**
 * Activations with attributes, from one table: LeakyRelu, Elu, Selu, Celu, HardSigmoid, HardSwish,
 * ThresholdedRelu, Mish and Gelu (opset 20, `approximate` = "none" or "tanh"). Attributes are read once
 * per call, before the loop; values are computed in double and stored in the input's float type.
 * @module
 */
import type { OpDefinition } from "../../op.ts";
import { FLOATS } from "./_dtypes.ts";
import { erf } from "./erf.ts";
import { unaryDefinition, type UnarySpec } from "./unary_definition.ts";

const FLOAT_ATTR = { kind: "float" } as const;
const SQRT_HALF = Math.SQRT1_2;
const SQRT_TWO_OVER_PI = Math.sqrt(2 / Math.PI);

const SPECS: readonly UnarySpec[] = [
  {
    op: "LeakyRelu",
    types: FLOATS,
    attributes: { alpha: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 0.01);
      for (let i = 0; i < n; i++) {
        // Branch-free and exact (one half is 0); NaN only for ±inf or NaN inputs, fixed up by the rare branch.
        const v = x[i]!, a = Math.abs(v);
        const r = (v + a) * 0.5 + alpha * ((v - a) * 0.5);
        o[i] = r === r ? r : v > 0 ? v : alpha * v;
      }
    },
  },
  {
    op: "Elu",
    types: FLOATS,
    attributes: { alpha: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 1);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v >= 0 ? v : alpha * Math.expm1(v);
      }
    },
  },
  {
    op: "Selu",
    types: FLOATS,
    attributes: { alpha: FLOAT_ATTR, gamma: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 1.67326319217681884765625);
      const gamma = attrs.float("gamma", 1.05070102214813232421875);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v > 0 ? gamma * v : gamma * alpha * Math.expm1(v);
      }
    },
  },
  {
    op: "Celu",
    types: FLOATS,
    since: 12,
    attributes: { alpha: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 1);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v > 0 ? v : alpha * Math.expm1(v / alpha);
      }
    },
  },
  {
    op: "HardSigmoid",
    types: FLOATS,
    attributes: { alpha: FLOAT_ATTR, beta: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 0.2);
      const beta = attrs.float("beta", 0.5);
      for (let i = 0; i < n; i++) {
        const v = alpha * x[i]! + beta;
        o[i] = v <= 0 ? 0 : v >= 1 ? 1 : v;
      }
    },
  },
  {
    op: "HardSwish",
    types: FLOATS,
    since: 14,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const g = v / 6 + 0.5;
        o[i] = g <= 0 ? 0 : g >= 1 ? v : v * g;
      }
    },
  },
  {
    op: "ThresholdedRelu",
    types: FLOATS,
    attributes: { alpha: FLOAT_ATTR },
    row: (o, x, n, attrs) => {
      const alpha = attrs.float("alpha", 1);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        o[i] = v > alpha ? v : 0;
      }
    },
  },
  {
    op: "Mish",
    types: FLOATS,
    since: 18,
    row: (o, x, n) => {
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        const softplus = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
        o[i] = v * Math.tanh(softplus);
      }
    },
  },
  {
    op: "Gelu",
    types: FLOATS,
    since: 20,
    attributes: { approximate: { kind: "string", values: ["none", "tanh"] } },
    row: (o, x, n, attrs) => {
      if (attrs.string("approximate", "none") === "tanh") {
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          o[i] = 0.5 * v * (1 + Math.tanh(SQRT_TWO_OVER_PI * (v + 0.044715 * v * v * v)));
        }
      } else {
        for (let i = 0; i < n; i++) {
          const v = x[i]!;
          o[i] = 0.5 * v * (1 + erf(v * SQRT_HALF));
        }
      }
    },
  },
];

/** Definitions of the activations that take attributes. */
export const ACTIVATION_OPS: readonly OpDefinition[] = SPECS.map(unaryDefinition);
