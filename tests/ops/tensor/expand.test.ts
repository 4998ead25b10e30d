import { expect, test } from "bun:test";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Expand broadcasts both ways: to a larger shape, and keeping input dims where the shape says 1", async () => {
  const x = sample("float32", [3, 1], 1);
  for (const shape of [[2, 3, 4], [3, 1], [1], [1, 1, 1], [3, 5], [2, 1, 6]]) {
    await expectExact({ op: "Expand", inputs: [["x", x], ["shape", i64(shape)]], constants: ["shape"] });
  }
  await expectExact({ op: "Expand", inputs: [["x", sample("float32", [4, 1, 2], 2)], ["shape", i64([3, 1])]] });
});

test("Expand keeps every dtype and handles scalars and zero-size dims", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Expand", inputs: [["x", sample(type, [2, 1], i)], ["shape", i64([2, 2, 3])]] });
  }
  await expectExact({ op: "Expand", inputs: [["x", f32([7], [])], ["shape", i64([2, 3])]] });
  await expectExact({ op: "Expand", inputs: [["x", f32([7], [1])], ["shape", i64([2, 0])]] });
});

test("Expand rejects shapes that cannot broadcast", async () => {
  await expect(runOurs({ op: "Expand", inputs: [["x", f32([1, 2, 3])], ["shape", i64([2])]] })).rejects.toThrow(
    /broadcast/,
  );
});
