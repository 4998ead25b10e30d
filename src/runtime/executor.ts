/**
 * Runs a graph node by node over the registry's kernels. Each graph gets a plan once (its op
 * definitions and the last use of every value) so intermediate tensors are dropped as soon as no later
 * node reads them. Subgraphs (If/Loop bodies) run through the same code with the enclosing scope
 * visible, as ONNX requires.
 * @module
 */
import { NodeExecutionError } from "../errors.ts";
import { type Graph, type Node, nodeLabel } from "../graph/graph.ts";
import { outerReads } from "../graph/passes/sort_topologically.ts";
import type { Tensor } from "../graph/tensor.ts";
import { Attrs, type OpDefinition } from "./op.ts";
import { OPS } from "./registry.ts";

interface Step {
  node: Node;
  def: OpDefinition;
  attrs: Attrs;
  /** Values no later step (nor the graph outputs) reads: freed after this step. */
  release: string[];
}

const plans = new WeakMap<Graph, Step[]>();

function planOf(graph: Graph): Step[] {
  let plan = plans.get(graph);
  if (plan) return plan;
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) if (name) lastUse.set(name, i);
    for (const name of outerReads(node)) lastUse.set(name, i);
  });
  const kept = new Set([...graph.outputs.map((o) => o.name), ...graph.initializers.keys()]);
  const release: string[][] = graph.nodes.map(() => []);
  for (const [name, i] of lastUse) if (!kept.has(name)) release[i]!.push(name);
  plan = graph.nodes.map((node, i) => {
    const def = OPS.get(node.op);
    if (!def) {
      throw new TypeError(`No kernel for ${node.op} (node "${nodeLabel(node)}"); load models through loadModel()`);
    }
    return { node, def, attrs: new Attrs(node.attributes), release: release[i]! };
  });
  plans.set(graph, plan);
  return plan;
}

/** Looks a value up in an enclosing graph's scope. */
export type Scope = (name: string) => Tensor | undefined;

/** Per-node replacements of the registry's kernels (a session's fast ops), keyed by node. */
export type KernelOverrides = ReadonlyMap<Node, OpDefinition>;

/**
 * Executes `graph` with `feeds` and returns its outputs in declaration order.
 * `outer` resolves names from enclosing graphs (for subgraphs). `overrides` runs some nodes with other
 * kernels (the session's fast ops); every other node runs its registry kernel.
 */
export function executeGraph(
  graph: Graph,
  feeds: Map<string, Tensor>,
  opset: number,
  outer?: Scope,
  overrides?: KernelOverrides,
): Tensor[] {
  const values = new Map<string, Tensor>(feeds);
  const lookup: Scope = (name) => values.get(name) ?? graph.initializers.get(name) ?? outer?.(name);
  for (const step of planOf(graph)) {
    const { node } = step;
    const def = overrides?.get(node) ?? step.def;
    const inputs = node.inputs.map((name) => {
      if (!name) return undefined;
      const t = lookup(name);
      if (!t) {
        throw new ReferenceError(`Node "${nodeLabel(node)}" (${node.op}) reads "${name}", which no node produced`);
      }
      return t;
    });
    let outputs: Tensor[];
    try {
      outputs = def.run(inputs, step.attrs, {
        node,
        opset,
        runSubgraph: (sub, subFeeds) => executeGraph(sub, subFeeds, opset, lookup, overrides),
      });
    } catch (cause) {
      if (cause instanceof NodeExecutionError) throw cause;
      throw new NodeExecutionError(node.op, nodeLabel(node), { cause });
    }
    node.outputs.forEach((name, i) => {
      const t = outputs[i];
      if (name && t) values.set(name, t);
    });
    for (const name of step.release) values.delete(name);
  }
  return graph.outputs.map((o) => {
    const t = lookup(o.name);
    if (!t) throw new ReferenceError(`Graph "${graph.name}" output "${o.name}" was never produced`);
    return t;
  });
}
