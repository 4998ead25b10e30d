/**
 * The element functions of the activations and binary ops that per-channel statistics are carried
 * through (expected_input_means.ts, estimate_input_moments.ts), in float64.
 * @module
 */
import type { Node } from "../graph/graph.ts";

/** A float attribute of `node`, or `fallback`. */
export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a?.kind === "float" ? a.value : fallback;
}

/** Elementwise activations by op type, with their attributes read from the node. */
export const SCALAR_UNARY: Readonly<Record<string, (x: number, node: Node) => number>> = {
  Relu: (x) => Math.max(0, x),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Tanh: Math.tanh,
  HardSigmoid: (x, n) => Math.min(1, Math.max(0, floatAttr(n, "alpha", 0.2) * x + floatAttr(n, "beta", 0.5))),
  HardSwish: (x) => x * Math.min(1, Math.max(0, x / 6 + 0.5)),
  LeakyRelu: (x, n) => (x >= 0 ? x : floatAttr(n, "alpha", 0.01) * x),
  Neg: (x) => -x,
};

/** Add/Sub/Mul/Div by op type. */
export const SCALAR_BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};
