/**
 * Orders a graph's nodes so every node comes after the producers of its inputs (Kahn's algorithm,
 * stable: already-sorted graphs keep their order). Subgraph reads of outer values count as inputs.
 * @module
 */
import { ModelFormatError } from "../../errors.ts";
import { type Graph, type Node, nodeLabel } from "../graph.ts";

/** Sorts `graph.nodes` in place (and every subgraph's). Throws `ModelFormatError` on a cycle. */
export function sortTopologically(graph: Graph): void {
  const producer = new Map<string, number>();
  graph.nodes.forEach((node, i) => node.outputs.forEach((o) => o && producer.set(o, i)));
  const deps = graph.nodes.map((node) => {
    for (const attr of Object.values(node.attributes)) if (attr.kind === "graph") sortTopologically(attr.value);
    const set = new Set<number>();
    for (const name of [...node.inputs, ...outerReads(node)]) {
      const p = name ? producer.get(name) : undefined;
      if (p !== undefined) set.add(p);
    }
    return set;
  });
  const users: number[][] = graph.nodes.map(() => []);
  const pending = deps.map((d) => d.size);
  deps.forEach((d, i) => d.forEach((p) => users[p]!.push(i)));
  const ready = pending.flatMap((n, i) => (n === 0 ? [i] : []));
  const order: Node[] = [];
  // Always take the lowest ready index so a sorted graph stays as it is.
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(graph.nodes[i]!);
    for (const u of users[i]!) if (--pending[u]! === 0) ready.push(u);
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.find((_, i) => pending[i]! > 0)!;
    throw new ModelFormatError("onnx", `Graph "${graph.name}" has a cycle through node "${nodeLabel(stuck)}"`);
  }
  graph.nodes = order;
}

/** Names a node's subgraphs read from the enclosing graph. */
export function outerReads(node: Node): Set<string> {
  const names = new Set<string>();
  for (const attr of Object.values(node.attributes)) {
    if (attr.kind !== "graph") continue;
    const sub = attr.value;
    const local = new Set([
      ...sub.inputs.map((v) => v.name),
      ...sub.initializers.keys(),
      ...(sub.quantized?.keys() ?? []),
    ]);
    for (const inner of sub.nodes) {
      for (const name of [...inner.inputs, ...outerReads(inner)]) if (name && !local.has(name)) names.add(name);
      for (const name of inner.outputs) local.add(name);
    }
    for (const o of sub.outputs) if (!local.has(o.name)) names.add(o.name);
  }
  return names;
}
