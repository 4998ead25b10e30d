import { test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { bool, expectExact, f32, sample } from "./_tensors.ts";

test("NonZero lists the indices of non-zero elements in row-major order, for every numeric dtype", async () => {
  // The dtypes onnxruntime 1.30 implements NonZero for.
  for (const [i, type] of (["float32", "float16", "uint8", "int32", "int64", "bool"] as const).entries()) {
    const x = sample(type, [3, 4], i);
    await expectExact({ op: "NonZero", inputs: [["x", x]] });
  }
  await expectExact({ op: "NonZero", inputs: [["x", bool([0, 1, 1, 0, 0, 1, 0, 1], [2, 2, 2])]] });
  await expectExact({ op: "NonZero", inputs: [["x", f32([0, -0, NaN, 1e-45, 0, 2])]] });
  await expectExact({
    op: "NonZero",
    inputs: [["x", new Tensor("float16", Uint16Array.from([0, 0x8000, 0x0001, 0x7e00]), [4])]],
  });
});

test("NonZero of scalars (treated as 1-D), all-zero and empty tensors", async () => {
  await expectExact({ op: "NonZero", inputs: [["x", f32([5], [])]] });
  await expectExact({ op: "NonZero", inputs: [["x", f32([0], [])]] });
  await expectExact({ op: "NonZero", inputs: [["x", f32([0, 0, 0, 0], [2, 2])]] });
  await expectExact({ op: "NonZero", inputs: [["x", f32([], [2, 0])]] });
});
