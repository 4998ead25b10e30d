import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, i64, sample } from "./_tensors.ts";

test("Trilu keeps the upper or lower triangle for diagonals k from -5 to 5", async () => {
  const x = sample("float32", [2, 4, 5], 1);
  for (const upper of [0, 1]) {
    await expectExact({ op: "Trilu", inputs: [["x", x]], attributes: { upper: attr.int(upper) }, opset: 14 });
    for (let k = -5; k <= 5; k++) {
      await expectExact({
        op: "Trilu",
        inputs: [["x", x], ["k", i64([k], [])]],
        attributes: { upper: attr.int(upper) },
        opset: 14,
      });
    }
  }
});

test("Trilu keeps every dtype and handles empty matrices", async () => {
  for (const [i, type] of (["float64", "float16", "int32", "int64", "bool"] as const).entries()) {
    await expectExact({
      op: "Trilu",
      inputs: [["x", sample(type, [3, 3], i)], ["k", i64([1], [])]],
      attributes: { upper: attr.int(0) },
      opset: 14,
    });
  }
  await expectExact({ op: "Trilu", inputs: [["x", sample("float32", [2, 0, 3], 1)]], opset: 14 });
});
