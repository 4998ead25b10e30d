// Swish spelled as Paddle exports it — `v → Mul(v, 1) → Sigmoid → Mul(v, ·)`, or without the `Mul(v, 1)` —
// after a Conv or a MatMul (+ bias) runs as the kernels' fused "swish" epilogue (`_fusion.ts` spelledSwish):
// outputs within the transcendental budget of the reference, every absorbed node passing its input through;
// other spellings keep their own nodes.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Model, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { executeGraph } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { randomTensor } from "../_random.ts";
import { graphModel, node } from "../_graph.ts";

const model = (nodes: Node[], outputs: string[], initializers: Record<string, Tensor>): Model =>
  graphModel(nodes, { inputs: ["x"], outputs, initializers });

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels({ variant: "simd128" });
});

const scalar = (v: number) => new Tensor("float32", new Float32Array([v]), []);
const CONV = {
  w: randomTensor([6, 4, 1, 1], 1, -1, 1),
  b: randomTensor([6], 2, -1, 1),
  one: scalar(1),
  two: scalar(2),
};
const X = randomTensor([1, 4, 3, 5], 3, -4, 4);

/** Runs `m` with fast ops and with the reference kernels (within 2e-6·(1+|ref|)); returns the absorbed nodes. */
function absorbedOf(m: Model, x = X): string[] {
  const feeds = new Map([["x", x]]);
  const want = executeGraph(m.graph, feeds, 13);
  const ops = buildFastOps(m, kernels);
  const got = executeGraph(m.graph, feeds, 13, undefined, ops);
  got.forEach((t, i) => {
    const a = t.data as Float32Array, b = want[i]!.data as Float32Array;
    expect(t.dims).toEqual(want[i]!.dims);
    for (let j = 0; j < a.length; j++) {
      expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(2e-6 * (1 + Math.abs(b[j]!)));
    }
  });
  return m.graph.nodes.filter((n) => {
    const def = ops.get(n);
    if (!def || n.op === "Conv" || n.op === "MatMul") return false;
    const probe = randomTensor([2], 9);
    const inputs = n.inputs.map(() => probe);
    return def.run(inputs, new Attrs(n.attributes), { node: n, opset: 13, runSubgraph: () => [] })[0] === probe;
  }).map((n) => n.name);
}

const conv = () => node("Conv", ["x", "w", "b"], ["v"]);

describe("Swish as a fused epilogue", () => {
  test("Conv → Mul(v, 1) → Sigmoid → Mul(v, s) (Paddle's spelling): all three absorbed", () => {
    const nodes = [
      conv(),
      node("Mul", ["v", "one"], ["bv"]),
      node("Sigmoid", ["bv"], ["s"]),
      node("Mul", ["v", "s"], ["y"]),
    ];
    expect(absorbedOf(model(nodes, ["y"], CONV)).sort()).toEqual(["Mul_bv", "Mul_y", "Sigmoid_s"]);
  });

  test("Conv → Sigmoid → Mul(s, v): both absorbed", () => {
    const nodes = [conv(), node("Sigmoid", ["v"], ["s"]), node("Mul", ["s", "v"], ["y"])];
    expect(absorbedOf(model(nodes, ["y"], CONV)).sort()).toEqual(["Mul_y", "Sigmoid_s"]);
  });

  test("MatMul → bias Add → Mul(v, 1) → Sigmoid → Mul: the bias and the swish in one GEMM", () => {
    const init = { w: randomTensor([5, 7], 4), c: randomTensor([7], 5), one: scalar(1) };
    const nodes = [
      node("MatMul", ["x", "w"], ["mm"]),
      node("Add", ["mm", "c"], ["v"]),
      node("Mul", ["v", "one"], ["bv"]),
      node("Sigmoid", ["bv"], ["s"]),
      node("Mul", ["v", "s"], ["y"]),
    ];
    expect(absorbedOf(model(nodes, ["y"], init), randomTensor([3, 5], 6, -4, 4)).sort()).toEqual([
      "Add_v",
      "Mul_bv",
      "Mul_y",
      "Sigmoid_s",
    ]);
  });

  test("does not fuse x·sigmoid(2x), a Sigmoid read twice or a Sigmoid that is a graph output", () => {
    const beta2 = [
      conv(),
      node("Mul", ["v", "two"], ["bv"]),
      node("Sigmoid", ["bv"], ["s"]),
      node("Mul", ["v", "s"], ["y"]),
    ];
    expect(absorbedOf(model(beta2, ["y"], CONV))).toEqual([]);
    const twice = [conv(), node("Sigmoid", ["v"], ["s"]), node("Mul", ["v", "s"], ["y"]), node("Neg", ["s"], ["z"])];
    expect(absorbedOf(model(twice, ["y", "z"], CONV))).toEqual([]);
    const exposed = [conv(), node("Sigmoid", ["v"], ["s"]), node("Mul", ["v", "s"], ["y"])];
    expect(absorbedOf(model(exposed, ["y", "s"], CONV))).toEqual([]);
  });
});
