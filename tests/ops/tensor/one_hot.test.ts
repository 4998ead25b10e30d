import { test } from "bun:test";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i32, i64, sample } from "./_tensors.ts";

test("OneHot puts on/off values along any axis; negative indices wrap, out-of-range ones give all-off rows", async () => {
  const indices = i64([0, -1, 3, 5, -4, 2], [2, 3]);
  for (const axis of [-1, 0, 1, 2, -3]) {
    await expectExact({
      op: "OneHot",
      inputs: [["i", indices], ["depth", i64([4], [])], ["values", f32([-1, 7])]],
      attributes: { axis: attr.int(axis) },
      opset: 11,
    });
  }
});

test("OneHot takes float depths and indices (fractional indices hit nothing) and several value dtypes", async () => {
  const floatIndices = f32([0, 1.7, -1.5, -1, 2]);
  await expectExact({
    op: "OneHot",
    inputs: [["i", floatIndices], ["depth", f32([3.9], [])], ["values", f32([0, 1])]],
    opset: 11,
  });
  // The (indices, depth, values) dtype combinations onnxruntime 1.30 implements.
  for (const depth of [i32([3], [1]), f32([3], []), new Tensor("float16", Uint16Array.of(0x4200), [])]) {
    await expectExact({
      op: "OneHot",
      inputs: [["i", i64([2, 0, -1])], ["depth", depth], ["values", f32([0, 1])]],
      opset: 9,
    });
  }
  for (const type of ["int64", "float16", "string"] as const) {
    await expectExact({
      op: "OneHot",
      inputs: [["i", i64([2, 0, 1], [3, 1])], ["depth", fromNumbers("int64", [3], [])], [
        "values",
        sample(type, [2], 4),
      ]],
      opset: 11,
    });
  }
});
