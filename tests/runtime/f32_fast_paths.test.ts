// The float32 fast paths between the fused kernels (elementwise, pooling, resize) compute exactly what the
// reference kernels compute: same values bit for bit, same dims, on every broadcast and window form they take.
import { describe, expect, test } from "bun:test";
import type { Attribute, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { f32ElementwiseOp } from "../../src/runtime/fast/f32_elementwise_ops.ts";
import { f32PoolOp } from "../../src/runtime/fast/f32_pool_ops.ts";
import { Attrs, type OpDefinition } from "../../src/runtime/op.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { randomTensor } from "../_random.ts";

function node(op: string, inputs: number, attributes: Record<string, Attribute> = {}): Node {
  return {
    op,
    name: op,
    inputs: Array.from({ length: inputs }, (_, i) => `in${i}`),
    outputs: ["out"],
    attributes,
    domain: "",
  } as Node;
}

function expectSame(n: Node, fast: OpDefinition, inputs: (Tensor | undefined)[], opset = 13): void {
  const ctx = { node: n, opset, runSubgraph: () => [] };
  const attrs = new Attrs(n.attributes);
  const [want] = OPS.get(n.op)!.run(inputs, attrs, ctx);
  const [got] = fast.run(inputs, attrs, ctx);
  expect(got!.dims).toEqual(want!.dims);
  expect(got!.type).toBe(want!.type);
  expect(Array.from(got!.data as Float32Array)).toEqual(Array.from(want!.data as Float32Array));
}

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const int = (value: number): Attribute => ({ kind: "int", value });

describe("f32 elementwise fast paths", () => {
  const shapes: Array<[number[], number[]]> = [
    [[2, 3, 4, 5], [2, 3, 4, 5]], // equal
    [[2, 3, 4, 5], [1]], // scalar
    [[1], [2, 3, 4, 5]], // scalar first
    [[2, 3, 4, 5], []], // rank-0 scalar
    [[2, 3, 4, 5], [1, 3, 1, 1]], // per channel (SE scale, bias)
    [[2, 3, 4, 5], [2, 3, 1, 1]], // per image and channel
    [[3, 1, 1], [2, 3, 4, 5]], // per channel, lower rank, first
    [[2, 3, 4, 5], [2, 1, 1, 1]], // per image
    [[2, 3, 4, 5], [5]], // last axis: not a fast form, the reference runs
  ];
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    test(`${op} equals the reference bit for bit`, () => {
      const n = node(op, 2);
      const fast = f32ElementwiseOp(n, OPS.get(op)!)!;
      for (const [i, [a, b]] of shapes.entries()) {
        expectSame(n, fast, [randomTensor(a, 2 * i + 1, -3, 3), randomTensor(b, 2 * i + 2, 0.5, 2)]);
      }
    });
  }
  for (const op of ["Sigmoid", "Relu"]) {
    test(`${op} equals the reference bit for bit`, () => {
      const n = node(op, 1);
      const x = randomTensor([2, 3, 7, 5], 9, -20, 20);
      (x.data as Float32Array)[3] = NaN;
      expectSame(n, f32ElementwiseOp(n, OPS.get(op)!)!, [x]);
    });
  }
});

describe("f32 pooling and resize fast paths", () => {
  test("GlobalAveragePool equals the reference bit for bit", () => {
    const n = node("GlobalAveragePool", 1);
    expectSame(n, f32PoolOp(n, OPS.get(n.op)!)!, [randomTensor([2, 5, 7, 9], 3)]);
  });

  const windows: Array<Record<string, Attribute>> = [
    { kernel_shape: ints([2, 2]), strides: ints([2, 2]) },
    { kernel_shape: ints([3, 2]), strides: ints([3, 2]) },
    { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
    { kernel_shape: ints([3, 3]), strides: ints([2, 1]), pads: ints([1, 0, 2, 1]), count_include_pad: int(1) },
    { kernel_shape: ints([2, 3]), strides: ints([2, 2]), ceil_mode: int(1) },
    { kernel_shape: ints([3, 3]), auto_pad: { kind: "string", value: "SAME_UPPER" } },
    { kernel_shape: ints([2, 5]), strides: ints([1, 3]), pads: ints([0, 2, 1, 2]) }, // wider than the unrolled 2 and 3
  ];
  for (const op of ["MaxPool", "AveragePool"]) {
    test(`${op} (2-D) equals the reference bit for bit`, () => {
      for (const [i, attrs] of windows.entries()) {
        const n = node(op, 1, attrs);
        const x = randomTensor([2, 3, 9, 11], 20 + i, -2, 2);
        // NaN as a window's first tap (it wins in MaxPool) and as a later tap (it loses).
        (x.data as Float32Array)[0] = NaN;
        (x.data as Float32Array)[24] = NaN;
        expectSame(n, f32PoolOp(n, OPS.get(op)!)!, [x]);
      }
    });
  }

  test("nearest Resize of the spatial axes equals the reference bit for bit", () => {
    const scales = (v: number[]) => new Tensor("float32", new Float32Array(v), [4]);
    const sizes = (v: number[]) => new Tensor("int64", BigInt64Array.from(v.map(BigInt)), [4]);
    const cases: Array<[Record<string, Attribute>, Tensor | undefined, Tensor | undefined]> = [
      [{ mode: { kind: "string", value: "nearest" } }, scales([1, 1, 2, 2]), undefined],
      [{ coordinate_transformation_mode: { kind: "string", value: "asymmetric" } }, scales([1, 1, 8, 8]), undefined],
      [{ nearest_mode: { kind: "string", value: "floor" } }, undefined, sizes([2, 3, 7, 15])],
      [{}, scales([1, 1, 0.5, 0.5]), undefined],
      [{}, scales([2, 1, 2, 2]), undefined], // batch resized: the reference runs
    ];
    const x = randomTensor([2, 3, 5, 6], 40);
    for (const [attrs, sc, sz] of cases) {
      const n = node("Resize", 4, attrs);
      expectSame(n, f32PoolOp(n, OPS.get("Resize")!)!, [x, undefined, sc, sz]);
    }
  });
});
