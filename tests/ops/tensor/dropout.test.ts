import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { bool, expectExact, f32, runOurs, sample } from "./_tensors.ts";

test("Dropout at inference passes the input through, with onnxruntime's mask, opsets 9 to 21", async () => {
  const x = sample("float32", [2, 3], 1);
  for (const opset of [9, 10, 11, 12, 13, 21]) {
    await expectExact({ op: "Dropout", inputs: [["x", x]], outputs: 2, opset });
    await expectExact({ op: "Dropout", inputs: [["x", x]], opset });
  }
  await expectExact({
    op: "Dropout",
    inputs: [["x", x]],
    attributes: { ratio: attr.float(0.3) },
    outputs: 2,
    opset: 10,
  });
});

test("Dropout (opset 12+) ignores ratio when training_mode is false, for float16 and float64 too", async () => {
  for (const type of ["float16", "float64"] as const) {
    await expectExact({
      op: "Dropout",
      inputs: [["x", sample(type, [4], 2)], ["ratio", f32([0.5], [])], ["training", bool([0], [])]],
      outputs: 2,
      opset: 13,
    });
  }
});

test("Dropout rejects training_mode=true", async () => {
  await expect(
    runOurs({ op: "Dropout", inputs: [["x", f32([1, 2])], null, ["t", bool([1], [])]], outputs: 2, opset: 13 }),
  ).rejects.toThrow(/training_mode/);
});
