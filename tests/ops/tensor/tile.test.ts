import { expect, test } from "bun:test";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Tile repeats along each axis, including 0 and 1 repeats", async () => {
  const x = sample("float32", [2, 3, 4], 1);
  for (const repeats of [[1, 1, 1], [2, 1, 1], [1, 3, 2], [2, 2, 2], [0, 1, 2], [1, 1, 20]]) {
    await expectExact({ op: "Tile", inputs: [["x", x], ["r", i64(repeats)]], constants: ["r"] });
  }
});

test("Tile keeps every dtype and tiles empty tensors", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Tile", inputs: [["x", sample(type, [2, 3], i)], ["r", i64([3, 2])]] });
  }
  await expectExact({ op: "Tile", inputs: [["x", f32([], [0, 2])], ["r", i64([2, 2])]] });
});

test("Tile rejects repeats of the wrong length", async () => {
  await expect(runOurs({ op: "Tile", inputs: [["x", f32([1, 2])], ["r", i64([2, 2])]] })).rejects.toThrow(/repeats/);
});
