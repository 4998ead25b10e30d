import { expect, test } from "bun:test";
import { attr, type OpCase } from "../../_op_harness.ts";
import { big, expectExact, i32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** An opset-10+ Slice case with constant starts/ends/axes/steps. */
function sliceCase(
  dims: number[],
  starts: (number | bigint)[],
  ends: (number | bigint)[],
  axes?: number[],
  steps?: number[],
  seed = 1,
): OpCase {
  const list = (v: (number | bigint)[]) => big(v.map(BigInt));
  const inputs: OpCase["inputs"] = [["x", sample("float32", dims, seed)], ["starts", list(starts)], [
    "ends",
    list(ends),
  ]];
  if (axes || steps) inputs.push(axes ? ["axes", i64(axes)] : null);
  if (steps) inputs.push(["steps", i64(steps)]);
  return { op: "Slice", inputs, constants: ["starts", "ends", "axes", "steps"], opset: 13 };
}

test("Slice with positive steps, negative indices and out-of-range ends matches onnxruntime", async () => {
  await expectExact(sliceCase([5, 6], [1, -4], [4, 100]));
  await expectExact(sliceCase([5, 6], [-100, 2], [-1, 5], [0, 1], [2, 3]));
  await expectExact(sliceCase([4, 5, 6], [1], [INT64_MAX], [-1]));
  await expectExact(sliceCase([4, 5, 6], [INT64_MIN, 1], [2, INT64_MAX], [2, 0], [1, 2]));
  await expectExact(sliceCase([4, 5, 6], [3], [1], [1]));
});

test("Slice with negative steps walks backwards, clamping starts and ends", async () => {
  await expectExact(sliceCase([7], [-1], [INT64_MIN], [0], [-1]));
  await expectExact(sliceCase([7], [100], [-100], [0], [-2]));
  await expectExact(sliceCase([4, 7], [5, 3], [1, -8], [1, 0], [-3, -1]));
  await expectExact(sliceCase([4, 7], [0], [3], [1], [-1]));
  await expectExact(sliceCase([3, 4, 5], [-1, INT64_MAX, 4], [INT64_MIN, 0, -6], [-3, 1, 2], [-1, -2, -2]));
});

test("Slice keeps every dtype, takes int32 starts and ends fed at run time, and slices empty tensors", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "Slice",
      inputs: [["x", sample(type, [4, 5], i)], ["starts", i32([3, 1])], ["ends", i32([0, 5])], ["axes", i32([0, 1])], [
        "steps",
        i32([-1, 2]),
      ]],
    });
  }
  await expectExact(sliceCase([0, 4], [0, 1], [1, 3]));
  await expectExact(sliceCase([3, 4], [1], [1], [0]));
});

test("Slice before opset 10 takes starts, ends and axes as attributes", async () => {
  const x = sample("float32", [3, 4, 5], 3);
  await expectExact({
    op: "Slice",
    inputs: [["x", x]],
    attributes: { starts: attr.ints([1, -3]), ends: attr.ints([1000, -1]) },
    opset: 9,
  });
  await expectExact({
    op: "Slice",
    inputs: [["x", x]],
    attributes: { starts: attr.ints([-2]), ends: attr.ints([5]), axes: attr.ints([-1]) },
    opset: 9,
  });
});

test("Slice rejects a zero step and repeated axes", async () => {
  await expect(runOurs(sliceCase([5], [0], [5], [0], [0]))).rejects.toThrow(/step must not be 0/);
  await expect(runOurs(sliceCase([5, 5], [0, 0], [5, 5], [1, -1]))).rejects.toThrow(/repeats an axis/);
});
