/**
 * Removes initializers (and quantized weights) that nothing reads: no node input, no subgraph read, no
 * graph output. Folding passes leave such tensors behind (a weight whose only reader was folded into a
 * new constant); a compressed file should not carry them.
 * @module
 */
import type { Graph } from "../graph.ts";

/**
 * Drops unread constants from `graph` and every subgraph, in place. Returns how many were dropped.
 *
 * @example
 * ```ts
 * import { emptyGraph } from "../graph.ts";
 * import { Tensor } from "../tensor.ts";
 * const g = emptyGraph();
 * g.initializers.set("unused", new Tensor("float32", new Float32Array(1), [1]));
 * if (dropUnusedInitializers(g) !== 1 || g.initializers.size !== 0) throw new Error("dropped");
 * ```
 */
export function dropUnusedInitializers(graph: Graph): number {
  return dropIn(graph).dropped;
}

/** Drops unread constants of `graph` and its subgraphs; returns the names the subtree reads. */
function dropIn(graph: Graph): { reads: Set<string>; dropped: number } {
  const reads = new Set<string>(graph.outputs.map((v) => v.name));
  let dropped = 0;
  for (const node of graph.nodes) {
    for (const name of node.inputs) if (name) reads.add(name);
    for (const a of Object.values(node.attributes)) {
      if (a.kind !== "graph") continue;
      const sub = dropIn(a.value);
      dropped += sub.dropped;
      for (const name of sub.reads) reads.add(name);
    }
  }
  for (const map of [graph.initializers, graph.quantized]) {
    for (const name of [...(map?.keys() ?? [])]) {
      if (!reads.has(name)) {
        map.delete(name);
        dropped++;
      }
    }
  }
  return { reads, dropped };
}
