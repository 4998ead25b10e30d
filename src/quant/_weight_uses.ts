// Finds the weights of a model: constant inputs of the nodes that `weightLayoutOf` knows, looked up
// through enclosing scopes (If branches read weights from outer graphs), each constant once, with every
// node that reads it. Private to quant/.
import { type Graph, type Node, nodeLabel } from "../graph/graph.ts";
import type { WeightLayout } from "../graph/group_layout.ts";
import { weightLayoutOf } from "./weight_layout_of.ts";

/** One read of a constant by a node. */
export interface WeightUse {
  /** The reading node. */
  node: Node;
  /** Its input index. */
  index: number;
  /** The operand layout when this input is a weight slot, else undefined (a plain read). */
  layout: WeightLayout | undefined;
}

/** A constant read as a weight by at least one node. */
export interface WeightCandidate {
  /** The graph whose initializers (or quantized tensors) hold it. */
  owner: Graph;
  /** Its value name. */
  name: string;
  /** Every read, weight slot or not, in graph order (subgraphs depth-first). */
  uses: WeightUse[];
  /** True when it is already quantized (in `owner.quantized`). */
  quantized: boolean;
  /** True when a graph output is this constant itself. */
  isOutput: boolean;
}

/** Every constant of `root` (and its subgraphs) that some node reads in a weight slot, in first-read order. */
export function findWeights(root: Graph): WeightCandidate[] {
  const byOwner = new Map<Graph, Map<string, WeightCandidate>>();
  const order: WeightCandidate[] = [];
  const get = (owner: Graph, name: string): WeightCandidate => {
    let names = byOwner.get(owner);
    if (!names) byOwner.set(owner, names = new Map());
    let c = names.get(name);
    if (!c) {
      c = { owner, name, uses: [], quantized: owner.quantized.has(name), isOutput: false };
      names.set(name, c);
      order.push(c);
    }
    return c;
  };
  const ownerOf = (scopes: readonly Graph[], name: string): Graph | undefined =>
    scopes.find((g) => g.initializers.has(name) || g.quantized.has(name));
  const walk = (graph: Graph, outer: readonly Graph[]): void => {
    const scopes = [graph, ...outer];
    const produced = new Set<string>(graph.inputs.map((v) => v.name));
    for (const node of graph.nodes) {
      node.inputs.forEach((name, index) => {
        if (!name || produced.has(name)) return;
        const owner = ownerOf(scopes, name);
        if (owner) get(owner, name).uses.push({ node, index, layout: weightLayoutOf(node, index) });
      });
      for (const a of Object.values(node.attributes)) if (a.kind === "graph") walk(a.value, scopes);
      for (const o of node.outputs) if (o) produced.add(o);
    }
    for (const o of graph.outputs) {
      const owner = produced.has(o.name) ? undefined : ownerOf(scopes, o.name);
      if (owner) get(owner, o.name).isOutput = true;
    }
  };
  walk(root, []);
  return order.filter((c) => c.uses.some((u) => u.layout !== undefined));
}

/** Labels of the nodes that read a candidate, without repeats. */
export function readerLabels(c: WeightCandidate): string[] {
  return [...new Set(c.uses.map((u) => nodeLabel(u.node)))];
}
