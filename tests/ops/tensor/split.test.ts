import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Split into equal pieces by output count, along any axis, for every dtype", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "Split",
      inputs: [["x", sample(type, [2, 6], i)]],
      outputs: 3,
      attributes: { axis: attr.int(-1) },
    });
  }
  await expectExact({ op: "Split", inputs: [["x", sample("float32", [4, 3], 1)]], outputs: 2, opset: 11 });
});

test("Split sizes come from an attribute before opset 13 and from an input after", async () => {
  const x = sample("float32", [3, 7, 2], 2);
  await expectExact({
    op: "Split",
    inputs: [["x", x]],
    outputs: 3,
    attributes: { axis: attr.int(1), split: attr.ints([2, 0, 5]) },
    opset: 11,
  });
  await expectExact({
    op: "Split",
    inputs: [["x", x]],
    outputs: 2,
    attributes: { axis: attr.int(-2), split: attr.ints([6, 1]) },
    opset: 9,
  });
  await expectExact({
    op: "Split",
    inputs: [["x", x], ["split", i64([1, 4, 2])]],
    constants: ["split"],
    outputs: 3,
    attributes: { axis: attr.int(1) },
    opset: 13,
  });
});

test("Split with num_outputs (opset 18) makes the last piece smaller when the length does not divide", async () => {
  for (const [length, pieces] of [[7, 3], [7, 4], [8, 3], [6, 3], [5, 1]] as const) {
    await expectExact({
      op: "Split",
      inputs: [["x", sample("int64", [2, length], length)]],
      outputs: pieces,
      attributes: { axis: attr.int(1), num_outputs: attr.int(pieces) },
      opset: 18,
    });
  }
});

test("Split rejects an uneven split without sizes, and sizes that do not add up", async () => {
  await expect(runOurs({ op: "Split", inputs: [["x", f32([1, 2, 3, 4, 5])]], outputs: 2 })).rejects.toThrow(
    /equal pieces/,
  );
  await expect(runOurs({ op: "Split", inputs: [["x", f32([1, 2, 3])], ["s", i64([1, 1])]], outputs: 2 }))
    .rejects.toThrow(/add up/);
  await expect(
    runOurs({
      op: "Split",
      inputs: [["x", f32([1, 2, 3, 4, 5, 6])]],
      outputs: 5,
      attributes: { num_outputs: attr.int(5) },
      opset: 18,
    }),
  ).rejects.toThrow(/none for the last/);
});
