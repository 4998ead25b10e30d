import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Gather along every axis with negative indices matches onnxruntime", async () => {
  const x = sample("float32", [3, 4, 5], 1);
  for (const axis of [0, 1, 2, -1, -3]) {
    await expectExact({
      op: "Gather",
      inputs: [["x", x], ["indices", i64([2, -1, 0, -3, 1, 2], [2, 3])]],
      constants: ["indices"],
      attributes: { axis: attr.int(axis) },
    });
  }
});

test("Gather with scalar indices drops the axis; int32 indices and every dtype work", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "Gather",
      inputs: [["x", sample(type, [4, 3], i)], ["indices", i64([-2], [])]],
      attributes: { axis: attr.int(1) },
    });
    // onnxruntime 1.30 copies only the first string of each block along axis 0 (a bug), so strings
    // are checked along the last axis, where blocks are single elements.
    const axis = attr.int(type === "string" ? 1 : 0);
    await expectExact({
      op: "Gather",
      inputs: [["x", sample(type, [4, 3], i)], ["indices", i32([2, 0, -3])]],
      attributes: { axis },
    });
  }
});

test("Gather of shape values (the Shape→Gather pattern), empty indices and empty data", async () => {
  await expectExact({
    op: "Gather",
    inputs: [["x", i64([1, 3, 224, 224])], ["indices", i64([0], [])]],
    constants: ["indices"],
  });
  await expectExact({ op: "Gather", inputs: [["x", sample("float32", [3, 2], 2)], ["indices", i64([], [0])]] });
  await expectExact({
    op: "Gather",
    inputs: [["x", f32([], [0, 3])], ["indices", i64([1, 2])]],
    attributes: { axis: attr.int(1) },
  });
});

test("Gather rejects an index out of range", async () => {
  await expect(runOurs({ op: "Gather", inputs: [["x", f32([1, 2, 3])], ["indices", i64([3])]] })).rejects.toThrow(
    /out of range/,
  );
  await expect(runOurs({ op: "Gather", inputs: [["x", f32([1, 2, 3])], ["indices", i64([-4])]] })).rejects.toThrow(
    /out of range/,
  );
});
