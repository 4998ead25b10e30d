import { expect, test } from "bun:test";
import type { Tensor } from "../../../src/graph/tensor.ts";
import { attr, runOpCase } from "../../_op_harness.ts";
import { expectExact, f32, i64, sample } from "./_tensors.ts";

test("TopK returns the largest and smallest k along any axis, ties in index order", async () => {
  const ties = f32([3, 1, 3, 2, 1, 3, 0, 2, 2, 3, 1, 0], [3, 4]);
  const x = sample("float32", [3, 5, 4], 1);
  for (const largest of [0, 1]) {
    for (
      const [input, axis, k] of [[ties, 1, 3], [ties, -2, 2], [ties, 0, 3], [x, 1, 5], [x, -1, 1], [x, 0, 0]] as const
    ) {
      await expectExact({
        op: "TopK",
        inputs: [["x", input], ["k", i64([k])]],
        constants: ["k"],
        outputs: 2,
        attributes: { axis: attr.int(axis), largest: attr.int(largest) },
        opset: 11,
      });
    }
  }
});

test("TopK with a small k on long rows full of ties keeps the earliest indices", async () => {
  const x = sample("int8", [3, 300], 6);
  for (const largest of [0, 1]) {
    for (const k of [0, 1, 5, 30]) {
      await expectExact({
        op: "TopK",
        inputs: [["x", x], ["k", i64([k])]],
        outputs: 2,
        attributes: { largest: attr.int(largest) },
        opset: 11,
      });
    }
  }
  const y = sample("float32", [2, 400, 3], 7);
  await expectExact({
    op: "TopK",
    inputs: [["x", y], ["k", i64([4])]],
    outputs: 2,
    attributes: { axis: attr.int(1) },
    opset: 11,
  });
});

test("TopK takes k as an attribute before opset 10, and works for int and float16 types", async () => {
  await expectExact({
    op: "TopK",
    inputs: [["x", sample("float32", [4, 6], 2)]],
    outputs: 2,
    attributes: { k: attr.int(3) },
    opset: 9,
  });
  for (const type of ["float64", "float16", "int32", "int64", "uint8", "int8"] as const) {
    const opset = type.startsWith("float") ? 10 : 11; // integer types from opset 11
    await expectExact({ op: "TopK", inputs: [["x", sample(type, [3, 7], 3)], ["k", i64([4])]], outputs: 2, opset });
    await expectExact({
      op: "TopK",
      inputs: [["x", sample(type, [3, 7], 4)], ["k", i64([2])]],
      outputs: 2,
      attributes: { largest: attr.int(0) },
      opset: 11,
    });
  }
});

/** (value, index) pairs of each row, sorted by index: the output of an unsorted TopK as a set. */
function rowsAsSets(values: Tensor, indices: Tensor): string[] {
  const k = values.dims[values.dims.length - 1]!;
  const v = values.data as Float32Array, ix = indices.data as BigInt64Array;
  const rows: string[] = [];
  for (let r = 0; r < v.length / k; r++) {
    const pairs = Array.from({ length: k }, (_, j) => [Number(ix[r * k + j]!), v[r * k + j]!] as const);
    rows.push(pairs.sort((a, b) => a[0] - b[0]).map(([i, x]) => `${i}:${x}`).join(" "));
  }
  return rows;
}

test("TopK with sorted=0 returns the same elements as onnxruntime (the order is left open by ONNX)", async () => {
  for (const largest of [0, 1]) {
    const { ours, ref } = await runOpCase({
      op: "TopK",
      inputs: [["x", sample("float32", [4, 50], 5)], ["k", i64([7])]],
      outputs: 2,
      attributes: { sorted: attr.int(0), largest: attr.int(largest) },
      opset: 11,
    });
    expect(rowsAsSets(ours[0]!, ours[1]!)).toEqual(rowsAsSets(ref[0]!, ref[1]!));
  }
});
