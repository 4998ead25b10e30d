import { test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { attr } from "../../_op_harness.ts";
import { expectExact, i64, sample } from "./_tensors.ts";

test("ConstantOfShape fills with float32 zero by default, for scalars and empty shapes too", async () => {
  await expectExact({ op: "ConstantOfShape", inputs: [["s", i64([2, 3])]] });
  await expectExact({ op: "ConstantOfShape", inputs: [["s", i64([], [0])]], constants: ["s"] });
  await expectExact({ op: "ConstantOfShape", inputs: [["s", i64([3, 0])]] });
});

test("ConstantOfShape fills with the value attribute's dtype and value", async () => {
  for (
    const [i, type] of (["float32", "float64", "float16", "int8", "uint8", "int32", "int64", "uint64", "bool"] as const)
      .entries()
  ) {
    const value = sample(type, [1], i + 3);
    await expectExact({
      op: "ConstantOfShape",
      inputs: [["s", i64([2, 2])]],
      attributes: { value: attr.tensor(value) },
    });
  }
  const big = new Tensor("int64", BigInt64Array.from([-(2n ** 62n) - 3n]), [1]);
  await expectExact({
    op: "ConstantOfShape",
    inputs: [["s", i64([3])]],
    attributes: { value: attr.tensor(big) },
    opset: 20,
  });
});
