import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, MOVABLE, sample } from "./_tensors.ts";

test("CastLike converts to the second input's dtype, matching onnxruntime", async () => {
  const x = sample("float32", [3, 4], 1);
  for (const [i, type] of MOVABLE.entries()) {
    if (type === "string") continue;
    await expectExact({ op: "CastLike", inputs: [["x", x], ["like", sample(type, [2], i)]], opset: 15 });
    await expectExact({
      op: "CastLike",
      inputs: [["x", sample(type, [5], i)], ["like", sample("float16", [], 1)]],
      opset: 15,
    });
  }
  await expectExact({
    op: "CastLike",
    inputs: [["x", x], ["like", sample("int8", [1], 2)]],
    attributes: { saturate: attr.int(1) },
    opset: 19,
  });
});
