// Every quantizable weight of the zoo models: constant float inputs of Conv/ConvTranspose/Gemm/MatMul/
// LSTM/GRU/Gather that `weightLayoutOf` maps to a layout, found through enclosing graph scopes (If
// branches read their weights from outer graphs), each tensor once.
import { loadModel } from "../../src/formats/load.ts";
import type { Graph } from "../../src/graph/graph.ts";
import { foldConstantNodes } from "../../src/graph/passes/fold_constant_nodes.ts";
import type { Tensor } from "../../src/graph/tensor.ts";
import type { WeightLayout } from "../../src/quant/group_layout.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { reconstructionError, storageBits } from "../../src/quant/metrics.ts";
import { quantize, type QuantizeOptions } from "../../src/quant/quantize.ts";
import { weightLayoutOf } from "../../src/quant/weight_layout_of.ts";
import { zooPath } from "../zoo/zoo.ts";

/** The zoo models whose weights are checked. */
export const ZOO_MODELS = ["silero_v5", "silero_legacy", "silero_op18_ifless", "ppocr_det", "ppocr_rec", "ppocr_cls"];

/** One quantizable weight. */
export interface ZooWeight {
  model: string;
  name: string;
  op: string;
  tensor: Tensor;
  layout: WeightLayout;
}

/** Loads every zoo model and lists its quantizable float weights. */
export async function zooWeights(): Promise<ZooWeight[]> {
  const out: ZooWeight[] = [];
  for (const model of ZOO_MODELS) {
    const m = await loadModel(zooPath(model));
    foldConstantNodes(m.graph);
    const seen = new Set<Tensor>();
    const walk = (graph: Graph, outer: Map<string, Tensor>[]) => {
      const scopes = [graph.initializers, ...outer];
      for (const node of graph.nodes) {
        for (const a of Object.values(node.attributes)) if (a.kind === "graph") walk(a.value, scopes);
        node.inputs.forEach((name, index) => {
          const layout = name ? weightLayoutOf(node, index) : undefined;
          if (!layout) return;
          const tensor = scopes.map((s) => s.get(name)).find((t) => t !== undefined);
          if (!tensor || seen.has(tensor) || tensor.type !== "float32" || tensor.dims.length < 2) return;
          seen.add(tensor);
          out.push({ model, name, op: node.op, tensor, layout });
        });
      }
    };
    walk(m.graph, []);
  }
  return out;
}

/** Aggregate and per-tensor error of one quantization setting over a list of weights. */
export interface ZooRun {
  /** Sum of squared errors, per tensor. */
  sse: number[];
  /** Mean over tensors of their SQNR (dB). */
  meanSqnr: number;
  /** SQNR of all weights together (dB). */
  totalSqnr: number;
  /** Storage of all quantized tensors over their weight count. */
  bitsPerWeight: number;
}

/** Quantizes and dequantizes every weight with `options`. */
export function measure(weights: ZooWeight[], options: QuantizeOptions): ZooRun {
  const sse: number[] = [];
  let sqnrSum = 0;
  let signal = 0;
  let noise = 0;
  let bits = 0;
  let count = 0;
  for (const w of weights) {
    const q = quantize(w.tensor, w.layout, { ...options, name: `${w.model}:${w.name}` });
    const original = w.tensor.data as Float32Array;
    const e = reconstructionError(original, dequantize(q).data as Float32Array);
    sse.push(e.sse);
    sqnrSum += e.sqnr;
    for (let i = 0; i < original.length; i++) signal += original[i]! * original[i]!;
    noise += e.sse;
    const storage = storageBits(q);
    bits += storage.total;
    count += storage.weights;
  }
  return {
    sse,
    meanSqnr: sqnrSum / weights.length,
    totalSqnr: 10 * Math.log10(signal / noise),
    bitsPerWeight: bits / count,
  };
}

/** The weights (as "model:name [dims]") for which `ok(index)` is false. */
export function failing(weights: ZooWeight[], ok: (i: number) => boolean): string[] {
  return weights.flatMap((w, i) => ok(i) ? [] : [`${w.model}:${w.name} [${w.tensor.dims}]`]);
}

/** One row of the printed SQNR table. */
export function tableRow(label: string, bits: number, r: ZooRun): string {
  const f = (v: number, width: number) => v.toFixed(3).padStart(width);
  return `${String(bits).padEnd(4)}  ${label.padEnd(22)}  ${f(r.meanSqnr, 9)}  ${f(r.totalSqnr, 10)}  ${
    f(r.bitsPerWeight, 11)
  }`;
}

/** The header of the printed SQNR table. */
export const TABLE_HEADER = `bits  ${"algorithm".padEnd(22)}  mean-SQNR  total-SQNR  bits/weight`;
