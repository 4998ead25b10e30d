import { expect, test } from "bun:test";
import { float16ToFloat32Array, float32ToFloat16Array } from "../../../src/graph/float16.ts";
import { Tensor } from "../../../src/graph/tensor.ts";
import { attr } from "../../_op_harness.ts";
import { expectExact, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("ScatterND replaces elements and slices addressed by index rows, negative indices included", async () => {
  const x = sample("float32", [4, 3, 2], 1);
  await expectExact({
    op: "ScatterND",
    inputs: [["x", x], ["i", i64([0, 2, 1, 3, -1, 0], [2, 3])], ["u", sample("float32", [2], 2)]],
  });
  await expectExact({
    op: "ScatterND",
    inputs: [["x", x], ["i", i64([3, 0], [2, 1])], ["u", sample("float32", [2, 3, 2], 3)]],
  });
  await expectExact({
    op: "ScatterND",
    inputs: [["x", x], ["i", i64([1, -1, 2, 0], [2, 2])], ["u", sample("float32", [2, 2], 4)]],
  });
});

test("ScatterND keeps every dtype", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "ScatterND",
      inputs: [["x", sample(type, [4, 2], i)], ["i", i64([3, 1], [2, 1])], ["u", sample(type, [2, 2], i + 20)]],
    });
  }
});

test("ScatterND reductions add and mul (opset 16) and max and min (opset 18) combine repeated indices", async () => {
  for (const reduction of ["add", "mul", "max", "min"]) {
    for (const type of ["float32", "int32", "int64", "float64"] as const) {
      await expectExact({
        op: "ScatterND",
        inputs: [["x", sample(type, [5, 2], 1)], ["i", i64([1, 3, 1], [3, 1])], ["u", sample(type, [3, 2], 2)]],
        attributes: { reduction: attr.string(reduction) },
        opset: 18,
      });
    }
  }
});

test("ScatterND add on float16 (which onnxruntime does not implement) combines in float32 and rounds to half", async () => {
  const x = new Tensor("float16", float32ToFloat16Array([1, 2, 3]), [3]);
  const u = new Tensor("float16", float32ToFloat16Array([0.5, 2048, 1]), [3]);
  const [out] = await runOurs({
    op: "ScatterND",
    inputs: [["x", x], ["i", i64([0, 1, 1], [3, 1])], ["u", u]],
    attributes: { reduction: attr.string("add") },
    opset: 16,
  });
  // 2 + 2048 = 2050 is a half; 2050 + 1 = 2051 ties between halves 2050 and 2052 and rounds to the even 2052.
  expect([...float16ToFloat32Array(out!.data as Uint16Array)]).toEqual([1.5, 2052, 3]);
});
