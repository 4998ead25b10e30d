import { describe, test } from "bun:test";
import { attr } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectOpExact, int64, tensor } from "./_exact.ts";

describe("ArgMax and ArgMin match onnxruntime", () => {
  for (const op of ["ArgMax", "ArgMin"]) {
    test(`${op} over every axis, keepdims 0/1`, async () => {
      const x = randomTensor([3, 4, 5], 700);
      await expectOpExact({ op, inputs: [["x", x]] });
      for (const axis of [0, 1, 2, -1, -3]) {
        for (const keepdims of [0, 1]) {
          await expectOpExact({
            op,
            inputs: [["x", x]],
            attributes: { axis: attr.int(axis), keepdims: attr.int(keepdims) },
          });
        }
      }
    });
    test(`${op} breaks ties to the first index, or the last with select_last_index`, async () => {
      const ties = tensor("float32", [1, 3, 3, 0, 0, 0, 2, 1, 2, -1, -1, 5], [3, 4]);
      for (const last of [0, 1]) {
        for (const axis of [0, 1]) {
          await expectOpExact({
            op,
            inputs: [["x", ties]],
            attributes: { axis: attr.int(axis), select_last_index: attr.int(last) },
            opset: 13,
          });
        }
      }
    });
    test(`${op} on int32 and int64`, async () => {
      await expectOpExact({
        op,
        inputs: [["x", tensor("int32", [4, -2, 9, 9, 0, -7], [2, 3])]],
        attributes: { axis: attr.int(1) },
      });
      await expectOpExact({
        op,
        inputs: [["x", int64([4n, -2n, 9n, 9n, 0n, -7n], [2, 3])]],
        attributes: { axis: attr.int(0) },
      });
    });
  }
});

test("ArgMax over the class axis of a CTC output (PP-OCR rec decoding)", async () => {
  await expectOpExact({
    op: "ArgMax",
    inputs: [["p", randomTensor([1, 40, 6625], 701, 0, 1)]],
    attributes: { axis: attr.int(2), keepdims: attr.int(0) },
  });
});
