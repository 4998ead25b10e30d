import { describe, test } from "bun:test";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { tensor } from "./_exact.ts";

const x = randomTensor([2, 3, 4, 5], 500, -4, 4);

describe("Softmax, LogSoftmax and Hardmax match onnxruntime in old and new opset semantics", () => {
  for (const op of ["Softmax", "LogSoftmax", "Hardmax"]) {
    test(`${op}, opset 11: flattened to 2-D at axis (default 1)`, async () => {
      await expectOpMatches({ op, inputs: [["x", x]], opset: 11 });
      for (const axis of [0, 1, 2, 3, -1, -3]) {
        await expectOpMatches({ op, inputs: [["x", x]], attributes: { axis: attr.int(axis) }, opset: 11 });
      }
    });
    test(`${op}, opset 13: one axis (default -1)`, async () => {
      await expectOpMatches({ op, inputs: [["x", x]], opset: 13 });
      for (const axis of [0, 1, 2, 3, -1, -2, -4]) {
        await expectOpMatches({ op, inputs: [["x", x]], attributes: { axis: attr.int(axis) }, opset: 13 });
      }
    });
  }
});

test("Softmax and LogSoftmax are stable for large logits", async () => {
  const big = tensor("float32", [1000, 1001, 1002, -1000, -1001, -1e30, 88, 89, 90], [3, 3]);
  for (const op of ["Softmax", "LogSoftmax"]) {
    await expectOpMatches({ op, inputs: [["x", big]], opset: 13 });
    await expectOpMatches({ op, inputs: [["x", big]], opset: 11 });
  }
});

test("Softmax over the last axis of PP-OCR rec attention scores (opset 9, axis -1 is the whole row)", async () => {
  await expectOpMatches({
    op: "Softmax",
    inputs: [["x", randomTensor([1, 8, 40, 40], 501, -8, 8)]],
    attributes: { axis: attr.int(-1) },
    opset: 9,
  });
});

test("Hardmax picks the first of equal maxima", async () => {
  await expectOpMatches({ op: "Hardmax", inputs: [["x", tensor("float32", [1, 3, 3, 2, 2, 2], [2, 3])]], opset: 13 });
});
