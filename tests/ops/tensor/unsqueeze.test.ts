import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Unsqueeze with an axes input (opset 13+) places new axes in the output, negative ones from the end", async () => {
  for (const axes of [[0], [-1], [1, -1], [4, 0, 2]]) {
    await expectExact({
      op: "Unsqueeze",
      inputs: [["x", sample("float32", [3, 2], 4)], ["axes", i64(axes)]],
      constants: ["axes"],
      opset: 13,
    });
  }
});

test("Unsqueeze with an axes attribute (opsets 9 and 11), of scalars and of every dtype", async () => {
  await expectExact({
    op: "Unsqueeze",
    inputs: [["x", f32([2, 3])]],
    attributes: { axes: attr.ints([0, 2]) },
    opset: 9,
  });
  await expectExact({
    op: "Unsqueeze",
    inputs: [["x", f32([5], [])]],
    attributes: { axes: attr.ints([-1]) },
    opset: 11,
  });
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Unsqueeze", inputs: [["x", sample(type, [2, 0, 3], i)], ["axes", i64([1])]], opset: 21 });
    await expectExact({ op: "Unsqueeze", inputs: [["x", sample(type, [2, 3], i)], ["axes", i64([-3])]], opset: 21 });
  }
});

test("Unsqueeze rejects repeated axes", async () => {
  await expect(runOurs({ op: "Unsqueeze", inputs: [["x", f32([1, 2])], ["axes", i64([0, -3])]], constants: ["axes"] }))
    .rejects.toThrow(/repeats an axis/);
});
