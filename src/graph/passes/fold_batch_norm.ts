/**
 * Folds an inference BatchNormalization into the Conv that feeds it, exactly:
 * `w' = w·γ/√(var+ε)` per output channel and `b' = (b − mean)·γ/√(var+ε) + β`, computed in float64 and
 * stored as new float32 initializers. It applies only when the Conv's weight (and bias, if any) and all
 * four BatchNormalization parameters are initializers, the BatchNormalization has a single output, and
 * nothing else (no other node, subgraph or graph output) reads the Conv's output. Initializers that no
 * node reads any more are dropped; ones still in use stay.
 *
 * Folding loses what the BatchNormalization knew about its output: per channel it is distributed with
 * mean β and standard deviation |γ| over the training data. Pass a `statistics` map to keep that, by
 * output value name (data-free bias correction in `src/quant/` uses it).
 * @module
 */
import type { Graph, Node } from "../graph.ts";
import { Tensor, toNumbers } from "../tensor.ts";
import { outerReads } from "./sort_topologically.ts";

const ONNX_DOMAINS = new Set(["", "ai.onnx"]);

/** Per-channel distribution of a value, as a BatchNormalization describes its output: mean β, deviation |γ|. */
export interface ChannelStatistics {
  /** Mean per channel (β). */
  mean: Float64Array;
  /** Standard deviation per channel (|γ|). */
  std: Float64Array;
}

/** Options for {@link foldBatchNorm}. */
export interface FoldBatchNormOptions {
  /** Filled with the output statistics of every folded BatchNormalization, by output value name. */
  statistics?: Map<string, ChannelStatistics>;
}

/**
 * The output statistics of an inference BatchNormalization whose γ and β are initializers (in `graph`),
 * or undefined when they are not.
 */
export function batchNormStatistics(graph: Graph, bn: Node): ChannelStatistics | undefined {
  const gamma = graph.initializers.get(bn.inputs[1] ?? "");
  const beta = graph.initializers.get(bn.inputs[2] ?? "");
  if (!gamma || !beta || gamma.type === "string" || beta.type === "string" || gamma.size !== beta.size) {
    return undefined;
  }
  return { mean: Float64Array.from(toNumbers(beta)), std: Float64Array.from(toNumbers(gamma), Math.abs) };
}

/** How many nodes read each value (inputs and subgraph reads), counting graph outputs as readers. */
function readerCounts(graph: Graph): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string) => name && counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const node of graph.nodes) {
    for (const name of node.inputs) add(name);
    for (const name of outerReads(node)) add(name);
  }
  for (const o of graph.outputs) add(o.name);
  return counts;
}

function isInferenceBatchNorm(node: Node): boolean {
  if (node.op !== "BatchNormalization" || !ONNX_DOMAINS.has(node.domain)) return false;
  if (node.outputs.slice(1).some((o) => o !== "")) return false;
  const training = node.attributes["training_mode"];
  const spatial = node.attributes["spatial"];
  return !(training?.kind === "int" && training.value !== 0) && !(spatial?.kind === "int" && spatial.value === 0);
}

/** A fresh initializer name based on `base`. */
function freshName(graph: Graph, taken: Set<string>, base: string): string {
  let name = `${base}_bn_folded`;
  for (let i = 1; taken.has(name) || graph.initializers.has(name); i++) name = `${base}_bn_folded_${i}`;
  taken.add(name);
  return name;
}

/** Folded weight and bias of one Conv + BatchNormalization pair, or undefined when it does not apply. */
function foldedParameters(
  graph: Graph,
  conv: Node,
  bn: Node,
): { weight: Tensor; bias: Tensor } | undefined {
  const w = graph.initializers.get(conv.inputs[1] ?? "");
  const b = conv.inputs[2] ? graph.initializers.get(conv.inputs[2]) : undefined;
  if (!w || w.type !== "float32" || w.dims.length < 3 || (conv.inputs[2] && !b)) return undefined;
  const params = bn.inputs.slice(1, 5).map((name) => graph.initializers.get(name));
  if (params.length !== 4 || params.some((p) => !p || p.type === "string")) return undefined;
  const [gamma, beta, mean, variance] = params.map((p) => toNumbers(p!)) as [number[], number[], number[], number[]];
  const channels = w.dims[0]!;
  if ([gamma, beta, mean, variance].some((p) => p.length !== channels)) return undefined;
  const bias = b ? toNumbers(b) : new Array<number>(channels).fill(0);
  if (bias.length !== channels) return undefined;
  const eps = bn.attributes["epsilon"]?.kind === "float" ? bn.attributes["epsilon"].value : 1e-5;
  const perChannel = w.size / channels;
  const wd = w.data as Float32Array;
  const weight = new Float32Array(w.size), newBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const factor = gamma[c]! / Math.sqrt(variance[c]! + eps);
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) weight[i] = wd[i]! * factor;
    newBias[c] = (bias[c]! - mean[c]!) * factor + beta[c]!;
  }
  return { weight: new Tensor("float32", weight, w.dims), bias: new Tensor("float32", newBias, [channels]) };
}

/**
 * Folds every eligible Conv → BatchNormalization pair in `graph` (and its subgraphs). Returns how many
 * BatchNormalization nodes were removed; `options.statistics` receives what they said about their outputs.
 *
 * @example
 * ```ts
 * const model = await loadModel("ppocr_cls.onnx");
 * foldConstantNodes(model.graph); // weights in Constant nodes become initializers first
 * console.log(`${foldBatchNorm(model.graph)} BatchNormalization nodes folded`);
 * ```
 */
export function foldBatchNorm(graph: Graph, options: FoldBatchNormOptions = {}): number {
  let folded = 0;
  for (const node of graph.nodes) {
    for (const attr of Object.values(node.attributes)) {
      if (attr.kind === "graph") folded += foldBatchNorm(attr.value, options);
    }
  }
  const producer = new Map<string, Node>();
  for (const node of graph.nodes) for (const o of node.outputs) if (o) producer.set(o, node);
  const taken = new Set<string>([
    ...graph.inputs.map((v) => v.name),
    ...graph.nodes.flatMap((n) => n.outputs),
    ...graph.initializers.keys(),
  ]);
  let readers = readerCounts(graph);
  for (const bn of [...graph.nodes]) {
    if (!isInferenceBatchNorm(bn)) continue;
    const convOut = bn.inputs[0] ?? "";
    const conv = producer.get(convOut);
    if (!conv || conv.op !== "Conv" || !ONNX_DOMAINS.has(conv.domain)) continue;
    if (conv.outputs[0] !== convOut || readers.get(convOut) !== 1) continue;
    const params = foldedParameters(graph, conv, bn);
    if (!params) continue;
    const stats = options.statistics && batchNormStatistics(graph, bn);
    if (stats) options.statistics!.set(bn.outputs[0]!, stats);
    const weightName = freshName(graph, taken, conv.inputs[1]!);
    const biasName = freshName(graph, taken, conv.inputs[2] || `${conv.inputs[1]}_bias`);
    graph.initializers.set(weightName, params.weight);
    graph.initializers.set(biasName, params.bias);
    const oldNames = [conv.inputs[1]!, conv.inputs[2] ?? "", ...bn.inputs.slice(1)];
    conv.inputs = [conv.inputs[0]!, weightName, biasName];
    conv.outputs = [bn.outputs[0]!];
    producer.set(bn.outputs[0]!, conv);
    graph.valueInfo.delete(convOut);
    folded++;
    graph.nodes = graph.nodes.filter((n) => n !== bn);
    readers = readerCounts(graph);
    for (const name of oldNames) if (name && !readers.has(name)) graph.initializers.delete(name);
  }
  return folded;
}
