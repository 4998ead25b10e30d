import { test } from "bun:test";
import { expectExact, f32, MOVABLE, sample } from "./_tensors.ts";

test("Size counts the elements as an int64 scalar, for every dtype, scalars and empty tensors", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Size", inputs: [["x", sample(type, [2, 3, 4], i)]] });
  }
  await expectExact({ op: "Size", inputs: [["x", f32([1], [])]] });
  await expectExact({ op: "Size", inputs: [["x", f32([], [3, 0])]] });
});
