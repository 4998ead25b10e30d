import { test } from "bun:test";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectOpExact, int64, tensor } from "./_exact.ts";

test("CumSum matches onnxruntime on every axis with exclusive and reverse", async () => {
  const x = randomTensor([3, 4, 5], 800);
  for (const axis of [0, 1, 2, -1]) {
    for (const exclusive of [0, 1]) {
      for (const reverse of [0, 1]) {
        await expectOpMatches({
          op: "CumSum",
          inputs: [["x", x], ["axis", int64([BigInt(axis)], [])]],
          constants: ["axis"],
          attributes: { exclusive: attr.int(exclusive), reverse: attr.int(reverse) },
        });
      }
    }
  }
  await expectOpMatches({ op: "CumSum", inputs: [["x", x], ["axis", tensor("int32", [1], [])]] });
});

test("CumSum on int32 and int64 is exact (position ids from an attention mask)", async () => {
  const mask = int64([1n, 1n, 1n, 0n, 1n, 1n, 0n, 0n], [2, 4]);
  await expectOpExact({ op: "CumSum", inputs: [["m", mask], ["axis", int64([1n], [])]] });
  await expectOpExact({
    op: "CumSum",
    inputs: [["m", mask], ["axis", int64([-1n], [])]],
    attributes: { exclusive: attr.int(1), reverse: attr.int(1) },
  });
  await expectOpExact({
    op: "CumSum",
    inputs: [["m", tensor("int32", [5, -2, 7, 1], [4])], ["axis", tensor("int32", [0], [])]],
  });
});
