import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Squeeze with an axes input (opset 13+) matches onnxruntime, negative axes included", async () => {
  for (const axes of [[0], [-1], [0, -1], [3, 0]]) {
    await expectExact({
      op: "Squeeze",
      inputs: [["x", sample("float32", [1, 3, 2, 1], 2)], ["axes", i64(axes)]],
      constants: ["axes"],
      opset: 13,
    });
  }
});

test("Squeeze with an axes attribute (opset 11) and with no axes at all", async () => {
  await expectExact({
    op: "Squeeze",
    inputs: [["x", sample("float32", [1, 3, 1], 2)]],
    attributes: { axes: attr.ints([-1]) },
    opset: 11,
  });
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Squeeze", inputs: [["x", sample(type, [1, 2, 1, 3, 1], i)]], opset: 17 });
  }
  await expectExact({ op: "Squeeze", inputs: [["x", f32([4], [1, 1])]], opset: 17 });
  await expectExact({ op: "Squeeze", inputs: [["x", f32([1, 2], [1, 2, 1])], ["axes", i64([], [0])]], opset: 13 });
  await expectExact({ op: "Squeeze", inputs: [["x", f32([], [1, 0, 1])]], opset: 9 });
});

test("Squeeze rejects an axis whose size is not 1, and an axes attribute at opset 13", async () => {
  const x = f32([1, 2], [2, 1]);
  await expect(runOurs({ op: "Squeeze", inputs: [["x", x], ["axes", i64([0])]], constants: ["axes"] }))
    .rejects.toThrow(/has size 2/);
  await expect(runOurs({ op: "Squeeze", inputs: [["x", x]], attributes: { axes: attr.ints([1]) }, opset: 13 }))
    .rejects.toThrow(/opset 13/);
});
