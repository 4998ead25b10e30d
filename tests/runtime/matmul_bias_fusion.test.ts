// A MatMul's bias Add (`Add(MatMul(x, W), b)` with a constant `[n]` b, as Paddle exports a Linear layer) runs
// inside the fp32 GEMM as its column bias (`_fusion.ts` columnBiasAfter): outputs within float rounding of the
// reference, the Add passing the GEMM's result through; the forms that must not fuse keep their own Add.
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

const K = 12, N = 7;
const W = randomTensor([K, N], 1, -1, 1);
const B = randomTensor([N], 2, -1, 1);
const X = randomTensor([2, 5, K], 3, -2, 2);

/** Runs `m` with fast ops and with the reference kernels; returns whether `add` was absorbed. */
function runBoth(m: Model, add: Node): boolean {
  const feeds = new Map([["x", X]]);
  const want = executeGraph(m.graph, feeds, 13);
  const ops = buildFastOps(m, kernels);
  const got = executeGraph(m.graph, feeds, 13, undefined, ops);
  got.forEach((t, i) => {
    const r = want[i]!;
    expect(t.dims).toEqual(r.dims);
    const a = t.data as Float32Array, b = r.data as Float32Array;
    for (let j = 0; j < a.length; j++) {
      expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(b[j]!)));
    }
  });
  const def = ops.get(add);
  if (!def) return false;
  const probe = randomTensor([2, 5, N], 4);
  const ctx = { node: add, opset: 13, runSubgraph: () => [] };
  const inputs = add.inputs[0] === "mm" ? [probe, B] : [B, probe];
  return def.run(inputs, new Attrs(add.attributes), ctx)[0] === probe;
}

describe("MatMul + bias Add in one GEMM", () => {
  test("Add(MatMul(x, W), b[n]) then Relu: the bias starts each GEMM output, the Add passes through", () => {
    const add = node("Add", ["mm", "b"], ["sum"]);
    const m = model([node("MatMul", ["x", "w"], ["mm"]), add, node("Relu", ["sum"], ["y"])], ["y"], { w: W, b: B });
    expect(runBoth(m, add)).toBe(true);
  });

  test("the bias on the left (Add(b, MatMul)) fuses too", () => {
    const add = node("Add", ["b", "mm"], ["y"]);
    expect(runBoth(model([node("MatMul", ["x", "w"], ["mm"]), add], ["y"], { w: W, b: B }), add)).toBe(true);
  });

  test("does not fuse when the MatMul's output is read elsewhere, is a graph output, or b is not a [n] vector", () => {
    const mm = () => node("MatMul", ["x", "w"], ["mm"]);
    const twice = node("Add", ["mm", "b"], ["y"]);
    expect(runBoth(model([mm(), twice, node("Neg", ["mm"], ["z"])], ["y", "z"], { w: W, b: B }), twice)).toBe(false);
    const exposed = node("Add", ["mm", "b"], ["y"]);
    expect(runBoth(model([mm(), exposed], ["y", "mm"], { w: W, b: B }), exposed)).toBe(false);
    const row = new Tensor("float32", B.data, [1, N]);
    const rank2 = node("Add", ["mm", "b"], ["y"]);
    expect(runBoth(model([mm(), rank2], ["y"], { w: W, b: row }), rank2)).toBe(false);
    const full = randomTensor([5, N], 5);
    const matrix = node("Add", ["mm", "b"], ["y"]);
    expect(runBoth(model([mm(), matrix], ["y"], { w: W, b: full }), matrix)).toBe(false);
  });
});
