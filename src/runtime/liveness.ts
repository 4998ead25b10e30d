/**
 * The liveness plan of a graph: for every node, the values no later node reads, so the executor can
 * drop them (and recycle their buffers) right after that node runs. A value is read by the nodes that
 * name it as an input and by nodes whose subgraphs (If/Loop/Scan bodies) read it from the enclosing
 * scope; graph outputs and initializers are never dropped. A value nothing reads is dropped right after
 * the node that produced it. Computed once per graph and cached.
 * @module
 */
import type { Graph } from "../graph/graph.ts";
import { outerReads } from "../graph/passes/sort_topologically.ts";

/** `release[i]`: the values to drop after node `i` of the graph (in `graph.nodes` order). */
export interface LivenessPlan {
  /** Per node, the names of values whose last reader it is (or that it produced and nothing reads). */
  readonly release: readonly (readonly string[])[];
}

const plans = new WeakMap<Graph, LivenessPlan>();

/**
 * The liveness plan of `graph` (nodes in execution order), computed on first use and cached per graph.
 *
 * @example
 * ```ts
 * import type { Graph, Node } from "../graph/graph.ts";
 * const node = (name: string, op: string, input: string, output: string): Node =>
 *   ({ name, op, domain: "", inputs: [input], outputs: [output], attributes: {} });
 * const g: Graph = {
 *   name: "g",
 *   inputs: [{ name: "x" }],
 *   outputs: [{ name: "z" }],
 *   initializers: new Map(),
 *   quantized: new Map(),
 *   valueInfo: new Map(),
 *   nodes: [node("a", "Relu", "x", "y"), node("b", "Neg", "y", "z")],
 * };
 * const { release } = livenessPlan(g);
 * if (release[0]!.join() !== "x" || release[1]!.join() !== "y") throw new Error("liveness");
 * ```
 */
export function livenessPlan(graph: Graph): LivenessPlan {
  let plan = plans.get(graph);
  if (plan !== undefined) return plan;
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) if (name) lastUse.set(name, i);
    for (const name of outerReads(node)) lastUse.set(name, i);
  });
  graph.nodes.forEach((node, i) => {
    for (const name of node.outputs) if (name && !lastUse.has(name)) lastUse.set(name, i);
  });
  const kept = new Set([...graph.outputs.map((o) => o.name), ...graph.initializers.keys()]);
  const release: string[][] = graph.nodes.map(() => []);
  for (const [name, i] of lastUse) if (!kept.has(name)) release[i]!.push(name);
  plan = { release };
  plans.set(graph, plan);
  return plan;
}
