import { test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { expectExact, sample } from "./_tensors.ts";

test("EyeLike puts ones on diagonal k of a 2-D tensor", async () => {
  for (const dims of [[3, 3], [2, 4], [4, 2], [0, 3]]) {
    for (const k of [-4, -1, 0, 1, 3]) {
      await expectExact({ op: "EyeLike", inputs: [["x", sample("float32", dims, 1)]], attributes: { k: attr.int(k) } });
    }
  }
});

test("EyeLike takes its dtype from the input or from the dtype attribute", async () => {
  for (const type of ["float64", "float16", "int32", "int64", "uint64"] as const) {
    await expectExact({ op: "EyeLike", inputs: [["x", sample(type, [3, 4], 2)]], attributes: { k: attr.int(1) } });
  }
  for (const dtype of [1, 6, 7, 11, 13]) {
    await expectExact({
      op: "EyeLike",
      inputs: [["x", sample("int32", [3, 3], 3)]],
      attributes: { dtype: attr.int(dtype) },
    });
  }
});
