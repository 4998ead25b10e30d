/**
 * Constant folding: a node whose inputs are all constants is run once at load time with the
 * reference kernels and replaced by its outputs as initializers. Shape arithmetic
 * (Shape→Gather→Concat→Reshape chains) and weight preprocessing in exported graphs collapse this way.
 * @module
 */
import type { Graph, Model, Node } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { executeGraph } from "./executor.ts";

/** Ops never folded: their value is not a function of their inputs, or they hold subgraphs. */
const NEVER_FOLD = new Set([
  "RandomNormal",
  "RandomUniform",
  "RandomNormalLike",
  "RandomUniformLike",
  "Multinomial",
  "If",
  "Loop",
  "Scan",
  "Dropout",
]);

/** Folds constant nodes of the main graph and every subgraph. Returns how many nodes were folded. */
export function foldConstants(model: Model): number {
  const opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
  return foldGraph(model.graph, opset);
}

/**
 * Runs one node on the given input values (undefined for omitted inputs) with the reference kernels and
 * returns its outputs in order. Used for constant folding and by shape inference.
 */
export function evaluateNode(node: Node, inputs: (Tensor | undefined)[], opset: number): Tensor[] {
  const initializers = new Map<string, Tensor>();
  node.inputs.forEach((name, i) => name && inputs[i] && initializers.set(name, inputs[i]!));
  const outputs = node.outputs.map((name, i) => ({ name: name || `unused:${i}`, dtype: undefined, shape: undefined }));
  const single: Graph = {
    name: `evaluate:${node.name}`,
    inputs: [],
    outputs,
    initializers,
    nodes: [{ ...node, outputs: outputs.map((o) => o.name) }],
    valueInfo: new Map(),
  };
  return executeGraph(single, new Map(), opset);
}

function foldGraph(graph: Graph, opset: number): number {
  let folded = 0;
  const kept = [];
  for (const node of graph.nodes) {
    for (const attr of Object.values(node.attributes)) {
      if (attr.kind === "graph") folded += foldGraph(attr.value, opset);
    }
    const constant = !NEVER_FOLD.has(node.op) && node.inputs.every((name) => !name || graph.initializers.has(name));
    if (!constant || node.inputs.length === 0) {
      kept.push(node);
      continue;
    }
    const values = evaluateNode(node, node.inputs.map((name) => graph.initializers.get(name)), opset);
    node.outputs.forEach((name, i) => name && graph.initializers.set(name, values[i]!));
    folded++;
  }
  graph.nodes = kept;
  return folded;
}
