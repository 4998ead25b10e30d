import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

test("Reshape copies dims for 0 and infers -1, as onnxruntime does, for every dtype", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "Reshape",
      inputs: [["x", sample(type, [2, 3, 4], i)], ["shape", i64([0, -1, 2])]],
      constants: ["shape"],
    });
  }
});

test("Reshape handles scalars, empty tensors and a shape fed at run time", async () => {
  await expectExact({
    op: "Reshape",
    inputs: [["x", f32([5], [1, 1])], ["shape", i64([], [0])]],
    constants: ["shape"],
  });
  await expectExact({ op: "Reshape", inputs: [["x", f32([7], [])], ["shape", i64([1, -1])]] });
  await expectExact({ op: "Reshape", inputs: [["x", f32([], [0, 3])], ["shape", i64([-1, 0])]], constants: ["shape"] });
  await expectExact({
    op: "Reshape",
    inputs: [["x", f32([], [2, 0, 3])], ["shape", i64([3, 0])]],
    constants: ["shape"],
  });
});

test("Reshape with allowzero=1 (opset 14) makes 0 a real dimension", async () => {
  await expectExact({
    op: "Reshape",
    inputs: [["x", f32([], [0, 4])], ["shape", i64([4, 0])]],
    constants: ["shape"],
    attributes: { allowzero: attr.int(1) },
    opset: 14,
  });
  await expectExact({
    op: "Reshape",
    inputs: [["x", sample("int64", [2, 6], 3)], ["shape", i64([3, -1, 2])]],
    constants: ["shape"],
    attributes: { allowzero: attr.int(1) },
    opset: 18,
  });
});

test("Reshape rejects two -1s and element counts that do not fit", async () => {
  const bad = async (shape: number[]) =>
    await runOurs({ op: "Reshape", inputs: [["x", f32([1, 2, 3, 4, 5, 6], [2, 3])], ["shape", i64(shape)]] });
  await expect(bad([-1, -1])).rejects.toThrow(/more than one -1/);
  await expect(bad([4, -1])).rejects.toThrow(/do not divide/);
  await expect(bad([7])).rejects.toThrow(/do not fit/);
});
