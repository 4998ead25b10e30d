import { test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { expectOpMatches } from "../_op_harness.ts";

test("Identity returns its input, as onnxruntime does", async () => {
  const x = new Tensor("float32", new Float32Array([1, -2, 3.5, 4, 5, 6]), [2, 3]);
  await expectOpMatches({ op: "Identity", inputs: [["x", x]] });
});
