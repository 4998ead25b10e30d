/**
 * Runs a graph node by node over the registry's kernels. Each graph gets a plan once (its op
 * definitions and its liveness plan, `liveness.ts`) so intermediate tensors are dropped as soon as no
 * later node reads them; in a top-level run their buffers go back to the graph's {@link BufferPool} and
 * the next allocation of the same size reuses them, so a run's memory is its live set, not its garbage.
 * Subgraphs (If/Loop bodies) run through the same code with the enclosing scope visible, as ONNX
 * requires (their values are dropped but not recycled).
 * @module
 */
import { NodeExecutionError } from "../errors.ts";
import { setArraySource } from "../graph/dtype.ts";
import { type Graph, type Node, nodeLabel } from "../graph/graph.ts";
import type { Tensor } from "../graph/tensor.ts";
import { BufferPool } from "./buffer_pool.ts";
import { livenessPlan } from "./liveness.ts";
import { Attrs, type OpDefinition } from "./op.ts";
import { OPS } from "./registry.ts";

interface Step {
  node: Node;
  def: OpDefinition;
  attrs: Attrs;
  /** Values no later step (nor the graph outputs) reads: freed after this step. */
  release: readonly string[];
}

const plans = new WeakMap<Graph, Step[]>();

function planOf(graph: Graph): Step[] {
  let plan = plans.get(graph);
  if (plan) return plan;
  const { release } = livenessPlan(graph);
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

const pools = new WeakMap<Graph, BufferPool>();

/** Whether a top-level run with a buffer pool is in progress (a nested top-level run does not pool). */
let pooling = false;

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
  if (outer !== undefined || pooling) return runGraph(graph, feeds, opset, outer, overrides);
  let pool = pools.get(graph);
  if (pool === undefined) pools.set(graph, pool = new BufferPool());
  const previous = setArraySource(pool.source);
  pooling = true;
  try {
    return runGraph(graph, feeds, opset, outer, overrides, pool);
  } finally {
    pooling = false;
    setArraySource(previous);
    pool.endRun();
  }
}

function runGraph(
  graph: Graph,
  feeds: Map<string, Tensor>,
  opset: number,
  outer: Scope | undefined,
  overrides: KernelOverrides | undefined,
  pool?: BufferPool,
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
      if (name && t) {
        values.set(name, t);
        pool?.retain(t);
      }
    });
    for (const name of step.release) {
      const t = values.get(name);
      if (t === undefined) continue;
      values.delete(name);
      pool?.release(t);
    }
  }
  return graph.outputs.map((o) => {
    const t = lookup(o.name);
    if (!t) throw new ReferenceError(`Graph "${graph.name}" output "${o.name}" was never produced`);
    return t;
  });
}
