import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, MOVABLE, sample } from "./_tensors.ts";

test("Shape returns the dims as int64 for every dtype, scalars and empty tensors", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Shape", inputs: [["x", sample(type, [2, 3, 1], i)]] });
  }
  await expectExact({ op: "Shape", inputs: [["x", f32([1], [])]] });
  await expectExact({ op: "Shape", inputs: [["x", f32([], [4, 0, 2])]] });
});

test("Shape start and end (opset 15) may be negative and clamp to the rank", async () => {
  const x = f32([], [2, 0, 4, 5]);
  for (const [start, end] of [[1, 3], [-2, 100], [-100, -1], [3, 1], [0, 0], [4, 4]]) {
    await expectExact({
      op: "Shape",
      inputs: [["x", x]],
      attributes: { start: attr.int(start!), end: attr.int(end!) },
      opset: 15,
    });
  }
  await expectExact({ op: "Shape", inputs: [["x", x]], attributes: { start: attr.int(-1) }, opset: 21 });
});
