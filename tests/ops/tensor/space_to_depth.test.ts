import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, sample } from "./_tensors.ts";

test("SpaceToDepth matches onnxruntime for several block sizes", async () => {
  for (
    const [dims, blocksize] of [[[1, 2, 4, 6], 2], [[2, 3, 6, 3], 3], [[1, 1, 2, 2], 2], [[2, 3, 2, 2], 1]] as const
  ) {
    await expectExact({
      op: "SpaceToDepth",
      inputs: [["x", sample("float32", dims, blocksize)]],
      attributes: { blocksize: attr.int(blocksize) },
    });
  }
  for (const type of ["float64", "float16", "uint8"] as const) {
    await expectExact({
      op: "SpaceToDepth",
      inputs: [["x", sample(type, [1, 2, 4, 4], 9)]],
      attributes: { blocksize: attr.int(2) },
      opset: 13,
    });
  }
});
