// Float32 Add/Sub/Mul/Div with a row- or column-repeated operand (LayerNorm's gamma/beta and per-row statistics,
// a classifier bias) give the reference kernel's results bit for bit in either operand order, and every other
// broadcast goes to the reference; chained behind the elementwise fast paths as fast_ops.ts chains them.
import { describe, expect, test } from "bun:test";
import type { Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { f32ElementwiseOp } from "../../src/runtime/fast/f32_elementwise_ops.ts";
import { f32RowBroadcastOp } from "../../src/runtime/fast/f32_row_broadcast_ops.ts";
import { Attrs, type OpDefinition } from "../../src/runtime/op.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { randomTensor } from "../_random.ts";

function node(op: string): Node {
  return { op, name: op, inputs: ["a", "b"], outputs: ["y"], attributes: {}, domain: "" };
}

/** The fast op as fast_ops.ts builds it, over a reference definition that counts its calls. */
function chained(n: Node): { fast: OpDefinition; calls: () => number } {
  const ref = OPS.get(n.op)!;
  let calls = 0;
  const def: OpDefinition = { ...ref, run: (...args) => (calls++, ref.run(...args)) };
  return { fast: f32ElementwiseOp(n, f32RowBroadcastOp(n, def)!)!, calls: () => calls };
}

/** Runs the chained fast op and the reference; they must agree in dims and every bit. Returns reference calls. */
function expectSame(op: string, a: Tensor, b: Tensor): number {
  const n = node(op);
  const { fast, calls } = chained(n);
  const ctx = { node: n, opset: 13, runSubgraph: () => [] };
  const [want] = OPS.get(op)!.run([a, b], new Attrs({}), ctx);
  const [got] = fast.run([a, b], new Attrs({}), ctx);
  expect(got!.dims).toEqual(want!.dims);
  expect(got!.type).toBe(want!.type);
  const bits = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));
  expect(bits(got!)).toEqual(bits(want!));
  return calls();
}

/** Random float32 values with NaN, ±Infinity, -0 and 0 written in. */
function tensor(dims: number[], seed: number): Tensor {
  const x = randomTensor(dims, seed, -3, 3);
  const d = x.data as Float32Array;
  [NaN, Infinity, -Infinity, -0, 0].forEach((v, i) => {
    if (5 * i + 2 < d.length) d[5 * i + 2] = v;
  });
  return x;
}

const FAST: Array<[number[], number[]]> = [
  [[1, 40, 120], [120]], // gamma, beta
  [[120], [1, 40, 120]], // the repeated operand first
  [[1, 40, 120], [1, 1, 120]],
  [[1, 40, 6625], [6625]], // the CTC head's bias
  [[1, 40, 120], [1, 40, 1]], // per-row mean, deviation
  [[1, 40, 1], [1, 40, 120]],
  [[2, 3, 5], [2, 3, 1]],
];

const SLOW: Array<[number[], number[]]> = [
  [[2, 3, 4], [3, 1]], // a column of a lower rank
  [[2, 3, 4], [2, 1, 4]], // repeated along a middle axis
  [[3, 1], [1, 4]], // both broadcast
  [[4], [4]], // rank 1, equal: the elementwise path takes it
];

describe("f32 row/column-repeated Add, Sub, Mul, Div", () => {
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    test(`${op} equals the reference bit for bit in either operand order`, () => {
      for (const [i, [a, b]] of FAST.entries()) {
        expect(expectSame(op, tensor(a, 3 * i + 1), tensor(b, 3 * i + 2))).toBe(0);
      }
    });
  }

  test("other broadcasts and dtypes run the reference kernel", () => {
    for (const [i, [a, b]] of SLOW.entries()) {
      const calls = expectSame("Sub", tensor(a, 50 + i), tensor(b, 60 + i));
      expect(calls).toBe(a.length === 1 ? 0 : 1);
    }
    const a64 = new Tensor("float64", new Float64Array([1, 2, 3, 4]), [2, 2]);
    const b64 = new Tensor("float64", new Float64Array([1, 2]), [2]);
    const n = node("Div");
    const { fast, calls } = chained(n);
    expect(fast.run([a64, b64], new Attrs({}), { node: n, opset: 13, runSubgraph: () => [] })[0]!.type).toBe("float64");
    expect(calls()).toBe(1);
  });

  test("takes only binary Add, Sub, Mul and Div", () => {
    expect(f32RowBroadcastOp(node("Pow"), OPS.get("Pow")!)).toBeUndefined();
    expect(f32RowBroadcastOp({ ...node("Add"), inputs: ["a"] }, OPS.get("Add")!)).toBeUndefined();
  });
});
