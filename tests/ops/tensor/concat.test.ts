import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Concat joins along every axis, negative ones included", async () => {
  for (const axis of [0, 1, 2, -1, -3]) {
    const dims = (n: number) => [2, 3, 4].map((d, k) => (k === (axis + 3) % 3 ? n : d));
    await expectExact({
      op: "Concat",
      inputs: [["a", sample("float32", dims(1), 1)], ["b", sample("float32", dims(3), 2)], [
        "c",
        sample("float32", dims(2), 3),
      ]],
      attributes: { axis: attr.int(axis) },
    });
  }
});

test("Concat keeps every dtype and skips inputs of length 0 along the axis", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "Concat",
      inputs: [["a", sample(type, [2, 0], i)], ["b", sample(type, [2, 3], i + 1)], ["c", sample(type, [2, 1], i + 2)]],
      attributes: { axis: attr.int(1) },
    });
  }
  await expectExact({
    op: "Concat",
    inputs: [["a", f32([], [0, 2])], ["b", f32([], [0, 2])]],
    attributes: { axis: attr.int(0) },
  });
});

test("Concat of one input, of 1-D tensors and of a constant with a fed tensor", async () => {
  await expectExact({ op: "Concat", inputs: [["a", sample("int64", [3, 2], 1)]], attributes: { axis: attr.int(-2) } });
  await expectExact({
    op: "Concat",
    inputs: [["a", sample("int64", [3], 1)], ["b", sample("int64", [5], 2)]],
    constants: ["b"],
    attributes: { axis: attr.int(0) },
  });
});

test("Concat rejects shapes that differ off the axis", async () => {
  await expect(
    runOurs({
      op: "Concat",
      inputs: [["a", f32([1, 2], [1, 2])], ["b", f32([1, 2, 3], [1, 3])]],
      attributes: { axis: attr.int(0) },
    }),
  ).rejects.toThrow(/incompatible/);
});
