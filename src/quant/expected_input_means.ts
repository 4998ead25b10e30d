/**
 * Data-free expected inputs of the convolutions of a graph (Nagel et al. 2019, "Data-Free Quantization
 * Through Weight Equalization and Bias Correction", §4.2): starting from values whose per-channel
 * distribution is known — a BatchNormalization output is N(β, γ²) per channel — the expectation is
 * carried forward through the nodes after it, and read off where a Conv takes the value as its input.
 *
 * How values are carried, per channel:
 * - A value that is an elementwise function of ONE Gaussian source (activations such as Relu, Clip,
 *   HardSwish, HardSigmoid, Sigmoid, and the Add/Sub/Mul/Div chains ONNX exports spell HardSwish or an
 *   affine scale with, against per-channel constants or other functions of the same source) is held as
 *   its values on a fixed quadrature grid of the source, so its expectation is exact up to the grid:
 *   E[f(z)] = Σ w_q f(μ + σ z_q) with Gaussian weights w_q on z_q ∈ [−8, 8] (1/32 apart).
 * - A value known only by its mean goes through mean-preserving or linear nodes: global / average
 *   pooling, Resize, Identity, Dropout, Concat on channels, Add/Sub of two known values, and Add/Sub/Mul/Div
 *   with a per-channel constant.
 * - Anything else (MaxPool, a Conv output without BatchNormalization, a product of two different
 *   sources) is unknown, and its readers get no correction.
 * Only the graph's own nodes are followed (not If/Loop bodies), with activations assumed NCHW.
 * @module
 */
import type { Graph, Node } from "../graph/graph.ts";
import type { ChannelStatistics } from "../graph/passes/fold_batch_norm.ts";
import { toNumbers } from "../graph/tensor.ts";
import { floatAttr, SCALAR_BINARY, SCALAR_UNARY } from "./_scalar_ops.ts";

const GRID_HALF_WIDTH = 8;
const GRID_STEP = 1 / 32;

/** The quadrature grid: standard-normal points and weights summing to 1. */
function makeGrid(): { z: Float64Array; w: Float64Array } {
  const n = Math.round((2 * GRID_HALF_WIDTH) / GRID_STEP) + 1;
  const z = new Float64Array(n), w = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    z[i] = -GRID_HALF_WIDTH + i * GRID_STEP;
    w[i] = Math.exp(-0.5 * z[i]! * z[i]!);
    total += w[i]!;
  }
  for (let i = 0; i < n; i++) w[i]! /= total;
  return { z, w };
}

const GRID = makeGrid();
const Q = GRID.z.length;

/**
 * E[f(x)] for x ~ N(mean, std²), by the quadrature the propagation uses (exposed for tests).
 *
 * @example
 * ```ts
 * const relu = gaussianExpectation((x) => Math.max(0, x), 0, 1); // 1/√(2π)
 * if (Math.abs(relu - 0.3989423) > 1e-6) throw new Error("E[relu(N(0, 1))]");
 * ```
 */
export function gaussianExpectation(f: (x: number) => number, mean: number, std: number): number {
  let s = 0;
  for (let q = 0; q < Q; q++) s += GRID.w[q]! * f(mean + std * GRID.z[q]!);
  return s;
}

/** A value as far as the propagation knows it. */
type Known =
  /** f(z) on the grid of `source`, channel-major [channels × Q]. */
  | { kind: "grid"; source: string; channels: number; values: Float64Array }
  /** Only the per-channel mean. */
  | { kind: "mean"; mean: Float64Array };

function meanOf(k: Known): Float64Array {
  if (k.kind === "mean") return k.mean;
  const out = new Float64Array(k.channels);
  for (let c = 0; c < k.channels; c++) {
    let s = 0;
    for (let q = 0; q < Q; q++) s += GRID.w[q]! * k.values[c * Q + q]!;
    out[c] = s;
  }
  return out;
}

function gridOf(source: string, stats: ChannelStatistics): Known {
  const channels = stats.mean.length;
  const values = new Float64Array(channels * Q);
  for (let c = 0; c < channels; c++) {
    for (let q = 0; q < Q; q++) values[c * Q + q] = stats.mean[c]! + stats.std[c]! * GRID.z[q]!;
  }
  return { kind: "grid", source, channels, values };
}

const UNARY: Record<string, (x: number, node: Node) => number> = {
  Identity: (x) => x,
  Dropout: (x) => x,
  ...SCALAR_UNARY,
};
const BINARY = SCALAR_BINARY;

const MEAN_PRESERVING = new Set(["GlobalAveragePool", "AveragePool", "Resize", "Upsample", "Identity", "Dropout"]);

/** A constant as per-channel values for `channels` NCHW channels (a scalar or a [C,1,1]-like shape), if it is one. */
function channelConstant(graph: Graph, name: string, channels: number): Float64Array | undefined {
  const t = graph.initializers.get(name);
  if (!t || (t.type !== "float32" && t.type !== "float64" && t.type !== "float16")) return undefined;
  if (t.size === 1) return new Float64Array(channels).fill(toNumbers(t)[0]!);
  const d = t.dims;
  const r = d.length;
  if (t.size !== channels || r < 3 || d[r - 3] !== channels || d[r - 2] !== 1 || d[r - 1] !== 1) return undefined;
  return Float64Array.from(toNumbers(t));
}

function channelsOf(k: Known): number {
  return k.kind === "grid" ? k.channels : k.mean.length;
}

function step(graph: Graph, node: Node, known: Map<string, Known>): Known | undefined {
  const ins = node.inputs.map((n) => known.get(n));
  const [a, b] = ins;
  if (node.op in UNARY && a) {
    if (node.op === "Identity" || node.op === "Dropout") return a;
    if (a.kind !== "grid") return undefined;
    const f = UNARY[node.op]!;
    return { ...a, values: a.values.map((x) => f(x, node)) };
  }
  if (node.op === "Clip" && a) {
    if (a.kind !== "grid") return undefined;
    const bound = (i: number, attr: string, fallback: number) => {
      const t = node.inputs[i] ? graph.initializers.get(node.inputs[i]!) : undefined;
      return t ? toNumbers(t)[0]! : floatAttr(node, attr, fallback);
    };
    const lo = bound(1, "min", -Infinity), hi = bound(2, "max", Infinity);
    return { ...a, values: a.values.map((x) => Math.min(hi, Math.max(lo, x))) };
  }
  if (node.op in BINARY && node.inputs.length === 2) return binary(graph, node, a, b);
  if (MEAN_PRESERVING.has(node.op) && a) return { kind: "mean", mean: meanOf(a) };
  if (node.op === "Concat" && node.attributes["axis"]?.kind === "int" && node.attributes["axis"].value === 1) {
    if (ins.some((k) => !k)) return undefined;
    const means = ins.map((k) => meanOf(k!));
    const out = new Float64Array(means.reduce((n, m) => n + m.length, 0));
    let at = 0;
    for (const m of means) out.set(m, (at += m.length) - m.length);
    return { kind: "mean", mean: out };
  }
  return undefined;
}

function binary(graph: Graph, node: Node, a: Known | undefined, b: Known | undefined): Known | undefined {
  const f = BINARY[node.op]!;
  if (a && b) {
    if (a.kind === "grid" && b.kind === "grid" && a.source === b.source) {
      return { ...a, values: a.values.map((x, i) => f(x, b.values[i]!)) };
    }
    if ((node.op !== "Add" && node.op !== "Sub") || channelsOf(a) !== channelsOf(b)) return undefined;
    const mb = meanOf(b);
    return { kind: "mean", mean: meanOf(a).map((x, c) => f(x, mb[c]!)) };
  }
  const k = a ?? b;
  if (!k) return undefined;
  const constant = channelConstant(graph, node.inputs[a ? 1 : 0]!, channelsOf(k));
  if (!constant) return undefined;
  const g = a ? (x: number, c: number) => f(x, constant[c]!) : (x: number, c: number) => f(constant[c]!, x);
  if (k.kind === "grid") return { ...k, values: k.values.map((x, i) => g(x, Math.floor(i / Q))) };
  // Only the mean is known: exact for the affine ops, not for a constant divided by the value.
  if (!a && node.op === "Div") return undefined;
  return { kind: "mean", mean: k.mean.map((x, c) => g(x, c)) };
}

/**
 * The expected value per input channel of every Conv input in `graph` reachable from `statistics`
 * (value name → per-channel mean and deviation), by Conv node. Nodes must be in topological order.
 *
 * @example
 * ```ts
 * const graph = emptyGraph();
 * graph.nodes.push({ name: "act", op: "Relu", domain: "", inputs: ["bn"], outputs: ["r"], attributes: {} });
 * graph.nodes.push({ name: "conv", op: "Conv", domain: "", inputs: ["r", "w"], outputs: ["y"], attributes: {} });
 * const stats = new Map([["bn", { mean: Float64Array.of(0), std: Float64Array.of(1) }]]);
 * const mean = expectedInputMeans(graph, stats).get(graph.nodes[1]!)!;
 * if (Math.abs(mean[0]! - 1 / Math.sqrt(2 * Math.PI)) > 1e-6) throw new Error("E[relu(N(0, 1))]");
 * ```
 */
export function expectedInputMeans(
  graph: Graph,
  statistics: ReadonlyMap<string, ChannelStatistics>,
): Map<Node, Float64Array> {
  const known = new Map<string, Known>();
  for (const [name, stats] of statistics) known.set(name, gridOf(name, stats));
  const out = new Map<Node, Float64Array>();
  for (const node of graph.nodes) {
    if (node.op === "Conv") {
      const input = known.get(node.inputs[0] ?? "");
      if (input) out.set(node, meanOf(input));
      continue;
    }
    const output = node.outputs[0];
    if (!output || known.has(output)) continue;
    const k = step(graph, node, known);
    if (k) known.set(output, k);
  }
  return out;
}
