/**
 * Which kernel runs each op type of a model, as bench results and `GET /v1/device` report it.
 * @module
 */
import type { Graph, Model } from "../src/graph/graph.ts";

/** The kernel family the reference runtime uses for every op. */
export const REFERENCE_KERNEL = "reference-scalar";

/**
 * The kernel used for each op type of a model's graph (subgraphs included), sorted by op type.
 *
 * @example
 * ```ts
 * const kernels = kernelsOf(session.model);
 * if (kernels.Conv !== REFERENCE_KERNEL) throw new Error("reference Conv");
 * ```
 */
export function kernelsOf(model: Model): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (graph: Graph): void => {
    for (const node of graph.nodes) {
      out[node.op] = REFERENCE_KERNEL;
      for (const attr of Object.values(node.attributes)) if (attr.kind === "graph") visit(attr.value);
    }
  };
  visit(model.graph);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
