/**
 * Merges initializers that hold the same tensor under different names into one. Exporters and constant
 * folding leave such copies behind: Silero VAD v5 reads each LSTM weight through two `Unsqueeze` nodes,
 * and folding them gives two identical 256 KiB constants per weight. Keeping one halves what a
 * compressed file stores and what a session holds, and quantizes the weight once.
 * @module
 */
import type { Graph } from "../graph.ts";
import type { Tensor } from "../tensor.ts";

/**
 * Merges byte-identical initializers (same dtype, dims and bytes) of `graph` and its subgraphs, in
 * place: one copy stays, every node that read another copy reads it instead, the others are removed.
 * Copies in sibling subgraphs (the two branches of an `If`) move to the graph that holds both, since
 * a subgraph may read its enclosing graphs' values. Graph inputs and outputs keep their names (an
 * initializer that is also an input is a default the caller may override). Returns how many
 * initializers were removed.
 *
 * @example
 * ```ts
 * import { emptyGraph } from "../graph.ts";
 * import { Tensor } from "../tensor.ts";
 * const g = emptyGraph();
 * g.initializers.set("a", new Tensor("float32", new Float32Array([1, 2]), [2]));
 * g.initializers.set("b", new Tensor("float32", new Float32Array([1, 2]), [2]));
 * g.nodes.push({ op: "Add", name: "add", domain: "", inputs: ["a", "b"], outputs: ["y"], attributes: {} });
 * if (mergeDuplicateInitializers(g) !== 1 || g.nodes[0]!.inputs[1] !== "a") throw new Error("merged");
 * ```
 */
export function mergeDuplicateInitializers(graph: Graph): number {
  return mergeIn(graph, new Map());
}

/** Merges within `graph`'s subtree; `hashes` remembers content hashes across the recursion. */
function mergeIn(graph: Graph, hashes: Map<Tensor, string>): number {
  let merged = 0;
  const children = subgraphsOf(graph);
  for (const child of children) merged += mergeIn(child, hashes);
  // Candidates: this graph's own initializers first, then its direct subgraphs' (already merged).
  const byShape = new Map<string, [Graph, string, Tensor][]>();
  const pinned = (g: Graph) => new Set([...g.inputs, ...g.outputs].map((v) => v.name));
  for (const g of [graph, ...children]) {
    const keep = pinned(g);
    for (const [name, tensor] of g.initializers) {
      if (keep.has(name)) continue;
      const key = `${tensor.type}|${tensor.dims.join(",")}`;
      const list = byShape.get(key) ?? [];
      byShape.set(key, list);
      list.push([g, name, tensor]);
    }
  }
  // Only tensors that share a dtype and shape with another are hashed, then compared byte for byte.
  const groups: [Graph, string, Tensor][][] = [];
  for (const sameShape of byShape.values()) {
    if (sameShape.length < 2) continue;
    const byHash = new Map<string, [Graph, string, Tensor][][]>();
    for (const owner of sameShape) {
      const tensor = owner[2];
      let hash = hashes.get(tensor);
      if (hash === undefined) hashes.set(tensor, hash = contentHash(tensor));
      const candidates = byHash.get(hash) ?? [];
      byHash.set(hash, candidates);
      const group = candidates.find((members) => sameBytes(members[0]![2], tensor));
      if (group) group.push(owner);
      else candidates.push([owner]);
    }
    for (const candidates of byHash.values()) groups.push(...candidates);
  }
  const renamed = new Map<string, string>();
  const defined = definedNames(graph);
  for (const members of groups) {
    // A name defined twice in the subtree (sibling branches may reuse one) cannot be renamed safely.
    if (members.length < 2 || members.some(([, name]) => defined.get(name)! > 1)) continue;
    const [home, kept, tensor] = members.find(([g]) => g === graph) ?? members[0]!;
    if (home !== graph) {
      home.initializers.delete(kept);
      graph.initializers.set(kept, tensor);
    }
    for (const [g, other] of members) {
      if (g === home && other === kept) continue;
      g.initializers.delete(other);
      renamed.set(other, kept);
      merged++;
    }
  }
  if (renamed.size > 0) renameReads(graph, renamed);
  return merged;
}

function subgraphsOf(graph: Graph): Graph[] {
  const out: Graph[] = [];
  for (const node of graph.nodes) {
    for (const a of Object.values(node.attributes)) if (a.kind === "graph") out.push(a.value);
  }
  return out;
}

/** How many times each name is defined (input, initializer, node output) in `graph`'s subtree. */
function definedNames(graph: Graph, counts = new Map<string, number>()): Map<string, number> {
  const add = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const v of graph.inputs) add(v.name);
  for (const name of graph.initializers.keys()) add(name);
  for (const node of graph.nodes) for (const name of node.outputs) if (name) add(name);
  for (const sub of subgraphsOf(graph)) definedNames(sub, counts);
  return counts;
}

/** Rewrites every read of a renamed value in `graph` and its subgraphs (outer names reach inside). */
function renameReads(graph: Graph, renamed: ReadonlyMap<string, string>): void {
  for (const node of graph.nodes) {
    node.inputs = node.inputs.map((name) => renamed.get(name) ?? name);
    for (const a of Object.values(node.attributes)) if (a.kind === "graph") renameReads(a.value, renamed);
  }
}

function bytesOf(tensor: Tensor): Uint8Array | undefined {
  const data = tensor.data;
  if (Array.isArray(data)) return undefined;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** FNV-1a over the tensor's bytes (strings: over their text); equal tensors have equal hashes. */
function contentHash(tensor: Tensor): string {
  const bytes = bytesOf(tensor);
  if (!bytes) return `s${JSON.stringify(tensor.data).length}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

function sameBytes(a: Tensor, b: Tensor): boolean {
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (!x || !y) return JSON.stringify(a.data) === JSON.stringify(b.data);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
