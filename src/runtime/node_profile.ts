/**
 * Per-node timing of a session's runs (the session option `profile: true`, `bitloop bench --profile`).
 * Every node of the graph (subgraph nodes too) runs through a timing wrapper around the kernel it would
 * run anyway, so the figures are the real kernels' times plus one `performance.now()` pair per node.
 * Times are self times: a node that runs a subgraph (If, Loop, Scan) is charged only for what its
 * subgraph's nodes did not take.
 * @module
 */
import { type Graph, type Node, nodeLabel } from "../graph/graph.ts";
import type { KernelOverrides } from "./executor.ts";
import type { OpDefinition } from "./op.ts";
import { OPS } from "./registry.ts";

/** The accumulated time of one node. */
export interface NodeTiming {
  /** The node's name (or first output, or op). */
  node: string;
  /** Operator type. */
  op: string;
  /** True when a fast (wasm or native) kernel ran it, false for the reference kernel. */
  fast: boolean;
  /** Self time over all recorded runs, in milliseconds. */
  totalMs: number;
  /** How many times the node ran. */
  calls: number;
}

/** The accumulated time of one operator type (fast and reference kernels apart). */
export interface OpTiming {
  /** Operator type, with ` (fast)` appended for fast kernels. */
  op: string;
  /** Self time over all recorded runs, in milliseconds. */
  totalMs: number;
  /** Node executions. */
  calls: number;
  /** Distinct nodes. */
  nodes: number;
}

/**
 * Accumulates per-node self times. Get one from `InferenceSession.profile` (session option
 * `profile: true`).
 *
 * @example
 * ```ts
 * import { NodeProfile } from "./node_profile.ts";
 * const profile = new NodeProfile();
 * if (profile.byOp().length !== 0 || profile.totalMs !== 0) throw new Error("starts empty");
 * ```
 */
export class NodeProfile {
  readonly #timings = new Map<Node, NodeTiming>();
  #runs = 0;

  /** Session runs recorded since the last {@link reset}. */
  get runs(): number {
    return this.#runs;
  }

  /** Sum of every node's self time, in milliseconds. */
  get totalMs(): number {
    let sum = 0;
    for (const t of this.#timings.values()) sum += t.totalMs;
    return sum;
  }

  /** Counts one session run (the session calls this). */
  countRun(): void {
    this.#runs++;
  }

  /** Adds `ms` of self time to `node`. */
  record(node: Node, fast: boolean, ms: number): void {
    const t = this.#timings.get(node);
    if (t) {
      t.totalMs += ms;
      t.calls++;
    } else this.#timings.set(node, { node: nodeLabel(node), op: node.op, fast, totalMs: ms, calls: 1 });
  }

  /** Forgets everything recorded (e.g. after warm-up runs). */
  reset(): void {
    this.#timings.clear();
    this.#runs = 0;
  }

  /** Every node that ran, slowest first. */
  byNode(): NodeTiming[] {
    return [...this.#timings.values()].map((t) => ({ ...t })).sort((a, b) => b.totalMs - a.totalMs);
  }

  /** Times summed per operator type (fast and reference kernels apart), slowest first. */
  byOp(): OpTiming[] {
    const ops = new Map<string, OpTiming>();
    for (const t of this.#timings.values()) {
      const key = t.fast ? `${t.op} (fast)` : t.op;
      const o = ops.get(key);
      if (o) {
        o.totalMs += t.totalMs;
        o.calls += t.calls;
        o.nodes++;
      } else ops.set(key, { op: key, totalMs: t.totalMs, calls: t.calls, nodes: 1 });
    }
    return [...ops.values()].sort((a, b) => b.totalMs - a.totalMs);
  }
}

/**
 * Kernel overrides that run every node of `graph` (and of its subgraphs) through a timing wrapper
 * around its fast op from `overrides` or its registry kernel, recording into `profile`.
 */
export function profiledOverrides(graph: Graph, overrides: KernelOverrides, profile: NodeProfile): KernelOverrides {
  const wrapped = new Map<Node, OpDefinition>();
  /** Time taken by subgraph nodes inside the node running now (so parents get self time). */
  let childMs = 0;
  const visit = (g: Graph): void => {
    for (const node of g.nodes) {
      for (const a of Object.values(node.attributes)) if (a.kind === "graph") visit(a.value);
      const fastDef = overrides.get(node);
      const def = fastDef ?? OPS.get(node.op);
      if (!def) continue;
      const fast = fastDef !== undefined;
      wrapped.set(node, {
        ...def,
        run: (inputs, attrs, ctx) => {
          const outer = childMs;
          childMs = 0;
          const start = performance.now();
          try {
            return def.run(inputs, attrs, ctx);
          } finally {
            const ms = performance.now() - start;
            profile.record(node, fast, ms - childMs);
            childMs = outer + ms;
          }
        },
      });
    }
  };
  visit(graph);
  return wrapped;
}
