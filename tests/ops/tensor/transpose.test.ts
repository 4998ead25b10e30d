import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, MOVABLE, sample } from "./_tensors.ts";

test("Transpose matches onnxruntime for every permutation of a rank-4 tensor", async () => {
  const x = sample("float32", [2, 3, 4, 5], 7);
  const perms: number[][] = [];
  const permute = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) perms.push(prefix);
    rest.forEach((r, i) => permute([...prefix, r], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  permute([], [0, 1, 2, 3]);
  for (const perm of perms) {
    await expectExact({ op: "Transpose", inputs: [["x", x]], attributes: { perm: attr.ints(perm) } });
  }
});

test("Transpose reverses the axes by default, for every dtype", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({ op: "Transpose", inputs: [["x", sample(type, [2, 3, 4], i)]] });
  }
});

test("Transpose handles scalars, size-1 axes, empty tensors and large inner blocks", async () => {
  await expectExact({ op: "Transpose", inputs: [["x", f32([3], [])]] });
  await expectExact({
    op: "Transpose",
    inputs: [["x", sample("float32", [1, 5, 1, 3], 2)]],
    attributes: { perm: attr.ints([2, 3, 0, 1]) },
  });
  await expectExact({
    op: "Transpose",
    inputs: [["x", f32([], [2, 0, 3])]],
    attributes: { perm: attr.ints([1, 2, 0]) },
  });
  await expectExact({
    op: "Transpose",
    inputs: [["x", sample("int64", [3, 4, 40], 5)]],
    attributes: { perm: attr.ints([1, 0, 2]) },
  });
});
