// MatMul of two computed operands on the fp32 GEMM (f32_matmul_op.ts): batched and broadcast shapes within
// float32 rounding of the registry kernel; 1-D operands, float64 and empty products take the registry kernel.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Graph, Model } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { loadKernels } from "../../src/kernels/dispatch.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { executeGraph } from "../../src/runtime/executor.ts";
import { buildFastOps } from "../../src/runtime/fast/fast_ops.ts";
import { randomTensor } from "../_random.ts";
import { node } from "../_graph.ts";

const MODEL: Model = (() => {
  const graph: Graph = {
    name: "matmul",
    inputs: [{ name: "a", dtype: "float32", shape: undefined }, { name: "b", dtype: "float32", shape: undefined }],
    outputs: [{ name: "y", dtype: undefined, shape: undefined }],
    initializers: new Map(),
    quantized: new Map(),
    nodes: [node("MatMul", ["a", "b"], ["y"])],
    valueInfo: new Map(),
  };
  return { irVersion: 8, opsets: { "": 13 }, producer: { name: "bitloop-tests", version: "0" }, metadata: {}, graph };
})();

let kernels: Kernels;
beforeAll(async () => {
  kernels = await loadKernels({ variant: "simd128" });
});

function both(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const feeds = new Map([["a", a], ["b", b]]);
  const want = executeGraph(MODEL.graph, feeds, 13)[0]!;
  const got = executeGraph(MODEL.graph, feeds, 13, undefined, buildFastOps(MODEL, kernels))[0]!;
  return [got, want];
}

describe("MatMul of computed operands on the fp32 GEMM", () => {
  const shapes: [number[], number[]][] = [
    [[1, 8, 40, 15], [1, 8, 15, 40]], // rec's attention scores
    [[1, 8, 40, 40], [1, 8, 40, 15]], // and their weighted values
    [[2, 3, 5, 7], [2, 3, 7, 9]],
    [[2, 1, 5, 7], [1, 3, 7, 4]], // both batch axes broadcast
    [[3, 5, 7], [7, 4]],
    [[5, 7], [2, 7, 11]],
  ];
  for (const [ad, bd] of shapes) {
    test(`[${ad}] · [${bd}] within float32 rounding of the registry kernel`, () => {
      const [got, want] = both(randomTensor(ad, 1, -2, 2), randomTensor(bd, 2, -2, 2));
      expect(got.dims).toEqual(want.dims);
      const g = got.data as Float32Array, w = want.data as Float32Array;
      const k = ad.at(-1)!;
      for (let i = 0; i < w.length; i++) expect(Math.abs(g[i]! - w[i]!)).toBeLessThanOrEqual(4e-7 * k * 4);
    });
  }

  test("1-D operands, float64 and empty products give the registry kernel's result exactly", () => {
    const cases: [Tensor, Tensor][] = [
      [randomTensor([7], 3), randomTensor([2, 7, 4], 4)],
      [randomTensor([2, 5, 7], 5), randomTensor([7], 6)],
      [
        new Tensor("float64", Float64Array.from({ length: 6 }, (_, i) => i / 3), [2, 3]),
        new Tensor("float64", new Float64Array([1, 2, 3]), [3, 1]),
      ],
      [new Tensor("float32", new Float32Array(0), [2, 0]), new Tensor("float32", new Float32Array(0), [0, 3])],
    ];
    for (const [a, b] of cases) {
      const [got, want] = both(a, b);
      expect(got.dims).toEqual(want.dims);
      expect([...got.data as Float32Array]).toEqual([...want.data as Float32Array]);
    }
  });

  test("mismatched inner dimensions still fail with the registry kernel's message", () => {
    expect(() => both(randomTensor([2, 3], 7), randomTensor([4, 5], 8))).toThrow(/inner dimensions differ/);
  });
});
