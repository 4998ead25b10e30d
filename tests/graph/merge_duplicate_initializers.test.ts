import { describe, expect, test } from "bun:test";
import { loadModel } from "../../src/formats/load.ts";
import { emptyGraph, type Graph } from "../../src/graph/graph.ts";
import { mergeDuplicateInitializers } from "../../src/graph/passes/merge_duplicate_initializers.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { prepareForCompression } from "../../src/runtime/prepare_for_compression.ts";
import { node } from "../_graph.ts";
import { zooPath } from "../zoo/zoo.ts";

const f32 = (values: number[]) => new Tensor("float32", Float32Array.from(values), [values.length]);

function weightBytes(graph: Graph): number {
  let bytes = 0;
  for (const t of graph.initializers.values()) if (!Array.isArray(t.data)) bytes += t.data.byteLength;
  for (const n of graph.nodes) {
    for (const a of Object.values(n.attributes)) if (a.kind === "graph") bytes += weightBytes(a.value);
  }
  return bytes;
}

describe("mergeDuplicateInitializers", () => {
  test("keeps the first of byte-identical constants and points every reader at it", () => {
    const g = emptyGraph();
    g.initializers.set("a", f32([1, 2, 3]));
    g.initializers.set("b", f32([1, 2, 3]));
    g.initializers.set("c", f32([1, 2, 4])); // same shape, other bytes
    g.initializers.set("d", new Tensor("int32", Int32Array.of(1, 2, 3), [3])); // other dtype
    g.nodes.push(node("Add", ["x", "b"], ["y"]), node("Mul", ["b", "c"], ["z"]), node("Add", ["d", "a"], ["w"]));
    expect(mergeDuplicateInitializers(g)).toBe(1);
    expect([...g.initializers.keys()]).toEqual(["a", "c", "d"]);
    expect(g.nodes.map((n) => n.inputs)).toEqual([["x", "a"], ["a", "c"], ["d", "a"]]);
  });

  test("renames reads inside subgraphs and leaves graph inputs and outputs alone", () => {
    const g = emptyGraph();
    g.initializers.set("w", f32([5, 6]));
    g.initializers.set("w_copy", f32([5, 6]));
    g.initializers.set("out", f32([5, 6])); // a graph output keeps its name
    g.outputs.push({ name: "out", dtype: "float32", shape: [2] });
    const body = emptyGraph();
    body.nodes.push(node("Identity", ["w_copy"], ["r"]));
    g.nodes.push(node("If", ["cond"], ["r"], { then_branch: { kind: "graph", value: body } }));
    expect(mergeDuplicateInitializers(g)).toBe(1);
    expect(body.nodes[0]!.inputs).toEqual(["w"]);
    expect(g.initializers.has("out")).toBe(true);
  });

  test("moves copies held by sibling branches into the graph that holds both", () => {
    const g = emptyGraph();
    const thenBranch = emptyGraph();
    const elseBranch = emptyGraph();
    thenBranch.initializers.set("w_then", f32([7, 8]));
    thenBranch.nodes.push(node("Identity", ["w_then"], ["r_then"]));
    elseBranch.initializers.set("w_else", f32([7, 8]));
    elseBranch.nodes.push(node("Identity", ["w_else"], ["r_else"]));
    g.nodes.push(node("If", ["cond"], ["r"], {
      then_branch: { kind: "graph", value: thenBranch },
      else_branch: { kind: "graph", value: elseBranch },
    }));
    expect(mergeDuplicateInitializers(g)).toBe(1);
    expect([...g.initializers.keys()]).toEqual(["w_then"]);
    expect(thenBranch.initializers.size + elseBranch.initializers.size).toBe(0);
    expect([thenBranch.nodes[0]!.inputs, elseBranch.nodes[0]!.inputs]).toEqual([["w_then"], ["w_then"]]);
  });

  test("leaves a copy alone when its name is defined twice in the subtree (sibling branches reuse names)", () => {
    const g = emptyGraph();
    const a = emptyGraph();
    const b = emptyGraph();
    a.initializers.set("w", f32([1, 1]));
    b.initializers.set("w", f32([2, 2])); // same name, other content: must keep meaning "its own w"
    b.initializers.set("v", f32([1, 1]));
    a.nodes.push(node("Identity", ["w"], ["ra"]));
    b.nodes.push(node("Add", ["w", "v"], ["rb"]));
    g.nodes.push(node("If", ["cond"], ["r"], {
      then_branch: { kind: "graph", value: a },
      else_branch: { kind: "graph", value: b },
    }));
    expect(mergeDuplicateInitializers(g)).toBe(0);
    expect(b.nodes[0]!.inputs).toEqual(["w", "v"]);
  });

  test("Silero VAD v5: folding leaves each LSTM weight twice; preparing keeps one", async () => {
    const model = await loadModel(zooPath("silero_v5"));
    const report = prepareForCompression(model);
    // Per sample-rate branch, the decoder's If holds one LSTM per branch, each with its own folded
    // copy of W and R: 4 × [1, 512, 128] float32 (1 MiB) are copies.
    expect(report.merged).toBeGreaterThanOrEqual(4);
    expect(mergeDuplicateInitializers(model.graph)).toBe(0);
    expect(weightBytes(model.graph)).toBeLessThan(2.2 * 2 ** 20);
  });
});
