/**
 * Constant folding: a node whose inputs are all constants is run once at load time with the
 * reference kernels and replaced by its outputs as initializers. Shape arithmetic
 * (Shape→Gather→Concat→Reshape chains) and weight preprocessing in exported graphs collapse this way.
 * @module
 */
import type { Graph, Model } from "../graph/graph.ts";
import { executeGraph } from "./executor.ts";

/** Ops never folded: their value is not a function of their inputs, or they hold subgraphs. */
const NEVER_FOLD = new Set(["RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "If", "Loop", "Scan", "Dropout"]);

/** Folds constant nodes of the main graph and every subgraph. Returns how many nodes were folded. */
export function foldConstants(model: Model): number {
  const opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
  return foldGraph(model.graph, opset);
}

function foldGraph(graph: Graph, opset: number): number {
  let folded = 0;
  const kept = [];
  for (const node of graph.nodes) {
    for (const attr of Object.values(node.attributes)) if (attr.kind === "graph") folded += foldGraph(attr.value, opset);
    const constant = !NEVER_FOLD.has(node.op) && node.inputs.every((name) => !name || graph.initializers.has(name));
    if (!constant || node.inputs.length === 0) {
      kept.push(node);
      continue;
    }
    const single: Graph = {
      name: `fold:${node.name}`,
      inputs: [],
      outputs: node.outputs.filter((o) => o).map((name) => ({ name, dtype: undefined, shape: undefined })),
      initializers: graph.initializers,
      nodes: [node],
      valueInfo: new Map(),
    };
    const values = executeGraph(single, new Map(), opset);
    single.outputs.forEach((o, i) => graph.initializers.set(o.name, values[i]!));
    folded++;
  }
  graph.nodes = kept;
  return folded;
}
