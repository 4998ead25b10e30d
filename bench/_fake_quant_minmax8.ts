/**
 * THROWAWAY bench helper, not the product quantizer (that is src/quant/): a plain per-channel 8-bit
 * asymmetric min-max quantize-dequantize of every Conv / ConvTranspose / Gemm / MatMul / LSTM weight
 * initializer, in place, so the accuracy runner has a first real "compressed" candidate to measure.
 *
 * Per channel = per output channel: Conv `W[M, C/g, kh, kw]` by M; ConvTranspose `W[C, M/g, kh, kw]` by
 * M (by C and M when grouped); Gemm `B` by its N axis (axis 1, or 0 when `transB`); MatMul constant `B[...,
 * K, N]` by every axis but K (a constant `A[..., M, K]` by every axis but K); LSTM `W`/`R` `[D, 4H, ·]` by
 * direction and gate row. Each group: `scale = (max − min) / 255`, `w' = round((w − min) / scale) · scale
 * + min` (a constant group is left as is). Biases and other inputs stay float.
 * @module
 */
import type { Graph, Model, Node } from "../src/graph/graph.ts";
import { foldConstantNodes } from "../src/graph/passes/fold_constant_nodes.ts";
import { Tensor } from "../src/graph/tensor.ts";

/** What {@link fakeQuantMinMax8PerChannel} changed. */
export interface FakeQuantSummary {
  /** Weight tensors quantized. */
  tensors: number;
  /** Weights quantized. */
  weights: number;
}

/** Which axes index the channels of a node's weight input `index`, or undefined when it is not a weight. */
function channelAxes(node: Node, index: number, rank: number): number[] | undefined {
  const all = Array.from({ length: rank }, (_, a) => a);
  switch (node.op) {
    case "Conv":
      return index === 1 && rank >= 3 ? [0] : undefined;
    case "ConvTranspose": {
      const group = node.attributes.group?.kind === "int" ? node.attributes.group.value : 1;
      return index === 1 && rank >= 3 ? (group === 1 ? [1] : [0, 1]) : undefined;
    }
    case "Gemm": {
      const transB = node.attributes.transB?.kind === "int" && node.attributes.transB.value !== 0;
      return index === 1 && rank === 2 ? [transB ? 0 : 1] : undefined;
    }
    case "MatMul":
      if (rank < 2) return undefined;
      if (index === 1) return all.filter((a) => a !== rank - 2);
      if (index === 0) return all.filter((a) => a !== rank - 1);
      return undefined;
    case "LSTM":
      return (index === 1 || index === 2) && rank === 3 ? [0, 1] : undefined;
    default:
      return undefined;
  }
}

/** Quantize-dequantizes `t` per group of elements sharing their coordinates along `axes`. */
export function minMax8(t: Tensor, axes: readonly number[]): Tensor {
  const dims = t.dims;
  const src = t.data as Float32Array;
  const strides = dims.map((_, a) => dims.slice(a + 1).reduce((p, d) => p * d, 1));
  let groups = 1;
  const groupStride = new Array<number>(dims.length).fill(0);
  for (let k = axes.length - 1; k >= 0; k--) {
    groupStride[axes[k]!] = groups;
    groups *= dims[axes[k]!]!;
  }
  const groupOf = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    let g = 0;
    for (const a of axes) g += (Math.floor(i / strides[a]!) % dims[a]!) * groupStride[a]!;
    groupOf[i] = g;
  }
  const lo = new Float64Array(groups).fill(Infinity), hi = new Float64Array(groups).fill(-Infinity);
  for (let i = 0; i < src.length; i++) {
    const g = groupOf[i]!, w = src[i]!;
    if (w < lo[g]!) lo[g] = w;
    if (w > hi[g]!) hi[g] = w;
  }
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const g = groupOf[i]!, min = lo[g]!, scale = (hi[g]! - min) / 255;
    out[i] = scale > 0 ? Math.min(255, Math.max(0, Math.round((src[i]! - min) / scale))) * scale + min : src[i]!;
  }
  return new Tensor("float32", out, [...dims]);
}

/**
 * Replaces every quantizable float32 weight of `model` (Constant nodes folded into initializers first,
 * subgraphs included, weights found through enclosing scopes) by its 8-bit min-max round trip.
 */
export function fakeQuantMinMax8PerChannel(model: Model): FakeQuantSummary {
  foldConstantNodes(model.graph);
  const summary: FakeQuantSummary = { tensors: 0, weights: 0 };
  const done = new Set<Tensor>();
  const walk = (graph: Graph, outer: Map<string, Tensor>[]) => {
    const scopes = [graph.initializers, ...outer];
    for (const node of graph.nodes) {
      for (const attr of Object.values(node.attributes)) if (attr.kind === "graph") walk(attr.value, scopes);
      node.inputs.forEach((name, index) => {
        if (!name) return;
        const scope = scopes.find((s) => s.has(name));
        const t = scope?.get(name);
        if (!scope || !t || t.type !== "float32" || done.has(t)) return;
        const axes = channelAxes(node, index, t.dims.length);
        if (!axes) return;
        const q = minMax8(t, axes);
        scope.set(name, q);
        done.add(q).add(t);
        summary.tensors++;
        summary.weights += t.size;
      });
    }
  };
  walk(model.graph, []);
  return summary;
}
