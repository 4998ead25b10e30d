/**
 * Structural copies of the IR, for passes that must leave their input model as it was (compression,
 * dequantization at load). Graph objects, their maps, node arrays, nodes and attribute records are new;
 * tensors and quantized-tensor records are shared, as they are treated as immutable.
 * @module
 */
import type { Attribute, Graph, Model, Node } from "./graph.ts";

/**
 * A copy of `graph` (and of every subgraph) that can be changed without touching the original.
 *
 * @example
 * ```ts
 * import { emptyGraph } from "./graph.ts";
 * const g = emptyGraph();
 * const c = copyGraph(g);
 * c.nodes.push({ name: "n", op: "Relu", domain: "", inputs: ["x"], outputs: ["y"], attributes: {} });
 * if (g.nodes.length !== 0) throw new Error("the original is untouched");
 * ```
 */
export function copyGraph(graph: Graph): Graph {
  return {
    name: graph.name,
    inputs: graph.inputs.map((v) => ({ ...v, shape: v.shape && [...v.shape] })),
    outputs: graph.outputs.map((v) => ({ ...v, shape: v.shape && [...v.shape] })),
    initializers: new Map(graph.initializers),
    quantized: new Map(graph.quantized ?? []),
    nodes: graph.nodes.map(copyNode),
    valueInfo: new Map(graph.valueInfo),
  };
}

/** A copy of `model` whose graphs can be changed without touching the original ({@link copyGraph}). */
export function copyModel(model: Model): Model {
  return {
    graph: copyGraph(model.graph),
    opsets: { ...model.opsets },
    irVersion: model.irVersion,
    producer: { ...model.producer },
    metadata: { ...model.metadata },
  };
}

function copyNode(node: Node): Node {
  const attributes: Record<string, Attribute> = {};
  for (const [key, a] of Object.entries(node.attributes)) {
    Object.defineProperty(attributes, key, {
      value: a.kind === "graph" ? { kind: "graph", value: copyGraph(a.value) } : a,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { ...node, inputs: [...node.inputs], outputs: [...node.outputs], attributes };
}
