import { expect, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, f32, i32, i64, MOVABLE, runOurs, sample } from "./_tensors.ts";
import { seededRandom } from "../../_random.ts";

/** Random indices in [-dim, dim) for an indices tensor of shape `dims`. */
function indices(dims: number[], dim: number, seed: number) {
  const next = seededRandom(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return i64(Array.from({ length: n }, () => Math.floor(next() * 2 * dim) - dim), dims);
}

test("GatherElements picks along every axis, with negative indices and smaller index shapes", async () => {
  const x = sample("float32", [3, 4, 5], 1);
  for (const axis of [0, 1, 2, -1]) {
    const a = (axis + 3) % 3;
    const dims = [2, 3, 4];
    dims[a] = 6;
    await expectExact({
      op: "GatherElements",
      inputs: [["x", x], ["indices", indices(dims, x.dims[a]!, axis + 10)]],
      attributes: { axis: attr.int(axis) },
    });
  }
});

test("GatherElements keeps every dtype and takes int32 indices", async () => {
  for (const [i, type] of MOVABLE.entries()) {
    await expectExact({
      op: "GatherElements",
      inputs: [["x", sample(type, [3, 3], i)], ["indices", i32([1, 2, 0, -1, 0, 2], [2, 3])]],
      attributes: { axis: attr.int(0) },
    });
  }
  await expectExact({
    op: "GatherElements",
    inputs: [["x", sample("float32", [3, 3], 1)], ["indices", i64([], [0, 3])]],
  });
});

test("GatherElements rejects indices out of range", async () => {
  await expect(runOurs({ op: "GatherElements", inputs: [["x", f32([1, 2, 3])], ["indices", i64([3])]] })).rejects
    .toThrow(
      /out of range/,
    );
});
