import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, MOVABLE, sample } from "./_tensors.ts";

test("Flatten matches onnxruntime for every axis from -rank to rank", async () => {
  for (let axis = -3; axis <= 3; axis++) {
    await expectExact({
      op: "Flatten",
      inputs: [["x", sample("float32", [2, 3, 4], 1)]],
      attributes: { axis: attr.int(axis) },
    });
  }
});

test("Flatten defaults to axis 1, keeps every dtype and handles empty tensors", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Flatten", inputs: [["x", sample(type, [2, 2, 3], i)]] });
  }
  await expectExact({ op: "Flatten", inputs: [["x", f32([], [2, 0, 3])]], attributes: { axis: attr.int(2) } });
});

test("Flatten of a scalar with axis 0 gives [1, 1]", async () => {
  await expectExact({ op: "Flatten", inputs: [["x", f32([3], [])]], attributes: { axis: attr.int(0) } });
});
