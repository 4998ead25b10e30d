import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, i64, MOVABLE, sample } from "./_tensors.ts";

test("GatherND with full, partial and empty index rows matches onnxruntime", async () => {
  const x = sample("float32", [3, 4, 5], 1);
  await expectExact({ op: "GatherND", inputs: [["x", x], ["i", i64([0, 1, 2, 2, -1, -1], [2, 3])]] });
  await expectExact({ op: "GatherND", inputs: [["x", x], ["i", i64([1, 3, -1, 0, 2, 2, 0, 0], [2, 2, 2])]] });
  await expectExact({ op: "GatherND", inputs: [["x", x], ["i", i64([2, 0, 1], [3, 1])]] });
  await expectExact({ op: "GatherND", inputs: [["x", x], ["i", i64([], [2, 0])]] });
});

test("GatherND with batch_dims (opset 12) indexes within each batch", async () => {
  const x = sample("float32", [2, 3, 4], 2);
  await expectExact({
    op: "GatherND",
    inputs: [["x", x], ["i", i64([1, 3, 0, 0, 2, 1, 1, 2], [2, 2, 2])]],
    attributes: { batch_dims: attr.int(1) },
  });
  await expectExact({
    op: "GatherND",
    inputs: [["x", x], ["i", i64([2, 1, 0, 3, -1, 0], [2, 3, 1])]],
    attributes: { batch_dims: attr.int(2) },
  });
});

test("GatherND keeps every dtype", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "GatherND", inputs: [["x", sample(type, [3, 2], i)], ["i", i64([2, 0, 1], [3, 1])]] });
  }
});
