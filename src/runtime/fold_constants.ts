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

/** Options for {@link foldConstants}. */
export interface FoldConstantsOptions {
  /**
   * Also treat the initializers of enclosing graphs as constants inside subgraphs (Silero v5 reorders
   * its LSTM gates inside If branches from weights of the outer graph); folded values become the
   * subgraph's own initializers.
   * @default false
   */
  outerScopes?: boolean;
}

/** Folds constant nodes of the main graph and every subgraph. Returns how many nodes were folded. */
export function foldConstants(model: Model, options: FoldConstantsOptions = {}): number {
  const opset = model.opsets[""] ?? model.opsets["ai.onnx"] ?? 0;
  return foldGraph(model.graph, opset, options.outerScopes ? [] : undefined);
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
    quantized: new Map(),
    nodes: [{ ...node, outputs: outputs.map((o) => o.name) }],
    valueInfo: new Map(),
  };
  return executeGraph(single, new Map(), opset);
}

/** `outer` (enclosing graphs, innermost first) is undefined when outer constants do not count. */
function foldGraph(graph: Graph, opset: number, outer: Graph[] | undefined): number {
  let folded = 0;
  const kept = [];
  const local = new Set(graph.inputs.map((v) => v.name));
  const constant = (name: string): Tensor | undefined => {
    const own = graph.initializers.get(name);
    if (own || !outer || local.has(name)) return own;
    for (const g of outer) if (g.initializers.has(name)) return g.initializers.get(name);
    return undefined;
  };
  for (const node of graph.nodes) {
    for (const attr of Object.values(node.attributes)) {
      if (attr.kind === "graph") folded += foldGraph(attr.value, opset, outer && [graph, ...outer]);
    }
    node.outputs.forEach((name) => name && local.add(name));
    const foldable = !NEVER_FOLD.has(node.op) && node.inputs.every((name) => !name || constant(name));
    if (!foldable || node.inputs.length === 0) {
      kept.push(node);
      continue;
    }
    const values = evaluateNode(node, node.inputs.map((name) => (name ? constant(name) : undefined)), opset);
    node.outputs.forEach((name, i) => name && graph.initializers.set(name, values[i]!));
    folded++;
  }
  graph.nodes = kept;
  return folded;
}
