// The float32 fast paths for a spelled-out LayerNorm (ReduceMean over the last axis, Pow(x, 2), Sqrt) give the
// reference kernels' results bit for bit, special values included, and hand every other form to the reference.
import { describe, expect, test } from "bun:test";
import type { Attribute, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { f32LayerNormOp } from "../../src/runtime/fast/f32_layer_norm_ops.ts";
import { Attrs, type OpDefinition } from "../../src/runtime/op.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { randomTensor } from "../_random.ts";

function node(op: string, inputs: number, attributes: Record<string, Attribute> = {}): Node {
  return {
    op,
    name: op,
    inputs: Array.from({ length: inputs }, (_, i) => `in${i}`),
    outputs: ["y"],
    attributes,
    domain: "",
  };
}

/** The fast op over a reference definition that counts its calls. */
function spied(n: Node): { fast: OpDefinition; calls: () => number } {
  const ref = OPS.get(n.op)!;
  let calls = 0;
  const def: OpDefinition = { ...ref, run: (...args) => (calls++, ref.run(...args)) };
  return { fast: f32LayerNormOp(n, def)!, calls: () => calls };
}

/** Runs the fast op and the reference on `inputs`; they must agree in dims, dtype and every bit. */
function expectSame(n: Node, inputs: (Tensor | undefined)[], opset = 13): { calls: number } {
  const { fast, calls } = spied(n);
  const ctx = { node: n, opset, runSubgraph: () => [] };
  const attrs = new Attrs(n.attributes);
  const [want] = OPS.get(n.op)!.run(inputs, attrs, ctx);
  const [got] = fast.run(inputs, attrs, ctx);
  expect(got!.dims).toEqual(want!.dims);
  expect(got!.type).toBe(want!.type);
  const bits = (t: Tensor) => {
    const d = t.data as Float32Array | Float64Array;
    return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  };
  expect(bits(got!)).toEqual(bits(want!));
  return { calls: calls() };
}

/** A random float32 tensor with NaN, ±Infinity, -0, a subnormal and a huge value written in. */
function withSpecials(dims: number[], seed: number, lo = -4, hi = 4): Tensor {
  const x = randomTensor(dims, seed, lo, hi);
  const d = x.data as Float32Array;
  const specials = [NaN, Infinity, -Infinity, -0, 1e-41, -3e38, 2e19];
  specials.forEach((v, i) => {
    if (3 * i + 1 < d.length) d[3 * i + 1] = v;
  });
  return x;
}

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const int = (value: number): Attribute => ({ kind: "int", value });

describe("f32 ReduceMean over the last axis", () => {
  const cases: Array<[number[], Record<string, Attribute>]> = [
    [[1, 40, 120], { axes: ints([-1]) }], // the SVTR neck's shape
    [[2, 3, 5], { axes: ints([2]), keepdims: int(0) }],
    [[7], { axes: ints([0]) }],
    [[3, 1], { axes: ints([-1]) }], // a length-1 row
    [[4, 1, 9], { axes: ints([-1]), keepdims: int(1) }],
  ];
  test("equals the reference bit for bit", () => {
    for (const [i, [dims, attributes]] of cases.entries()) {
      expect(expectSame(node("ReduceMean", 1, attributes), [randomTensor(dims, 10 + i, -3, 3)]).calls).toBe(0);
    }
    // Special values in whole rows: NaN, ±Infinity, -0 (a row of -0 averages to +0, as in the reference).
    const x = withSpecials([4, 6], 3);
    (x.data as Float32Array).fill(-0, 18, 24);
    expect(expectSame(node("ReduceMean", 1, { axes: ints([-1]) }), [x]).calls).toBe(0);
  });

  test("takes the axes input from opset 18", () => {
    const axes = new Tensor("int64", new BigInt64Array([-1n]), [1]);
    expect(expectSame(node("ReduceMean", 2), [randomTensor([2, 3, 8], 4), axes], 18).calls).toBe(0);
  });

  test("hands other axes, all-axes and other dtypes to the reference kernel", () => {
    const x = randomTensor([2, 3, 5], 5);
    expect(expectSame(node("ReduceMean", 1, { axes: ints([1]) }), [x]).calls).toBe(1);
    expect(expectSame(node("ReduceMean", 1, { axes: ints([1, 2]) }), [x]).calls).toBe(1);
    expect(expectSame(node("ReduceMean", 1), [x]).calls).toBe(1);
    const x64 = new Tensor("float64", new Float64Array([1, 2, 3, 4]), [2, 2]);
    expect(expectSame(node("ReduceMean", 1, { axes: ints([-1]) }), [x64]).calls).toBe(1);
  });
});

describe("f32 Pow(x, 2) and Sqrt", () => {
  test("Pow with a one-element exponent 2 equals the reference bit for bit", () => {
    const exponents = [
      new Tensor("float32", new Float32Array([2]), [1]),
      new Tensor("float32", new Float32Array([2]), []),
      new Tensor("float64", new Float64Array([2]), [1, 1]),
      new Tensor("int32", new Int32Array([2]), [1]),
    ];
    for (const [i, e] of exponents.entries()) {
      expect(expectSame(node("Pow", 2), [withSpecials([2, 40, 12], 20 + i, -3e5, 3e5), e]).calls).toBe(0);
    }
  });

  test("Pow hands other exponents and broadcasts to the reference kernel", () => {
    const x = withSpecials([2, 3, 4], 30);
    const others = [
      new Tensor("float32", new Float32Array([3]), [1]),
      new Tensor("float32", new Float32Array([0.5]), [1]),
      new Tensor("float32", new Float32Array([2, 2, 2, 2]), [4]),
      new Tensor("float32", new Float32Array([2]), [1, 1, 1, 1]), // raises the output rank
    ];
    for (const e of others) expect(expectSame(node("Pow", 2), [x, e]).calls).toBe(1);
  });

  test("Sqrt equals the reference bit for bit, negatives and special values included", () => {
    expect(expectSame(node("Sqrt", 1), [withSpecials([3, 50], 40, -1, 100)]).calls).toBe(0);
    const x64 = new Tensor("float64", new Float64Array([1, 2]), [2]);
    expect(expectSame(node("Sqrt", 1), [x64]).calls).toBe(1);
  });

  test("takes only ReduceMean, Pow and Sqrt", () => {
    expect(f32LayerNormOp(node("ReduceSum", 1), OPS.get("ReduceSum")!)).toBeUndefined();
    expect(f32LayerNormOp(node("Exp", 1), OPS.get("Exp")!)).toBeUndefined();
  });
});
