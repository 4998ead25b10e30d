import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, MOVABLE, sample } from "./_tensors.ts";

test("DepthToSpace in DCR and CRD modes matches onnxruntime", async () => {
  for (
    const [dims, blocksize] of [[[1, 8, 2, 3], 2], [[2, 18, 3, 2], 3], [[1, 4, 1, 1], 2], [[2, 3, 2, 2], 1]] as const
  ) {
    for (const mode of ["DCR", "CRD"]) {
      await expectExact({
        op: "DepthToSpace",
        inputs: [["x", sample("float32", dims, blocksize)]],
        attributes: { blocksize: attr.int(blocksize), mode: attr.string(mode) },
        opset: 13,
      });
    }
  }
  await expectExact({
    op: "DepthToSpace",
    inputs: [["x", sample("float32", [1, 8, 2, 2], 5)]],
    attributes: { blocksize: attr.int(2) },
    opset: 9,
  });
});

test("DepthToSpace keeps every dtype onnxruntime takes", async () => {
  for (const type of ["float64", "float16", "uint8"] as const) {
    await expectExact({
      op: "DepthToSpace",
      inputs: [["x", sample(type, [1, 8, 2, 3], MOVABLE.indexOf(type))]],
      attributes: { blocksize: attr.int(2), mode: attr.string("CRD") },
    });
  }
});
