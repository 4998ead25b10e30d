import { describe, test } from "bun:test";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectOpExact, int64, tensor } from "./_exact.ts";

const OPS = [
  "ReduceSum",
  "ReduceMean",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceL1",
  "ReduceL2",
  "ReduceSumSquare",
  "ReduceLogSum",
  "ReduceLogSumExp",
];
// Positive inputs near 1 keep LogSum defined and Prod well scaled.
const x = randomTensor([2, 3, 4, 5], 600, 0.5, 1.5);
const signed = randomTensor([3, 4, 5], 602, -5, 5);
const AXES = [[1], [-1], [0, 2], [1, -1], [0, 1, 2, 3], [3, 0]];

describe("Reduce ops match onnxruntime with axes as attribute (old opsets)", () => {
  for (const op of OPS) {
    test(op, async () => {
      const opset = op === "ReduceSum" ? 11 : 13;
      for (const axes of AXES) {
        for (const keepdims of [0, 1]) {
          await expectOpMatches({
            op,
            inputs: [["x", x]],
            attributes: { axes: attr.ints(axes), keepdims: attr.int(keepdims) },
            opset,
          });
        }
      }
      await expectOpMatches({ op, inputs: [["x", x]], opset }); // no axes: all of them
      await expectOpMatches({ op, inputs: [["x", x]], attributes: { keepdims: attr.int(0) }, opset });
    });
  }
});

describe("Reduce ops match onnxruntime with axes as input (ReduceSum 13+, others 18+)", () => {
  for (const op of OPS) {
    test(op, async () => {
      const opset = op === "ReduceSum" ? 13 : 18;
      for (const axes of AXES) {
        const a = int64(axes.map(BigInt), [axes.length]);
        await expectOpMatches({ op, inputs: [["x", x], ["axes", a]], constants: ["axes"], opset });
        await expectOpMatches({ op, inputs: [["x", x], ["axes", a]], attributes: { keepdims: attr.int(0) }, opset });
      }
      const empty = int64([], [0]);
      await expectOpMatches({ op, inputs: [["x", x], ["axes", empty]], opset });
      await expectOpMatches({ op, inputs: [["x", x]], attributes: { keepdims: attr.int(0) }, opset });
      for (const noop of [0, 1]) {
        const attributes = { noop_with_empty_axes: attr.int(noop) };
        await expectOpMatches({ op, inputs: [["x", x], ["axes", empty]], constants: ["axes"], attributes, opset });
        await expectOpMatches({ op, inputs: [["x", x]], attributes, opset });
        await expectOpMatches({ op, inputs: [["x", signed]], attributes, opset });
      }
    });
  }
});

test("ReduceMean over the last axis as in decomposed LayerNorm (PP-OCR rec opset 9, Silero opset 18)", async () => {
  const h = randomTensor([1, 40, 120], 601, -3, 3);
  await expectOpMatches({ op: "ReduceMean", inputs: [["h", h]], attributes: { axes: attr.ints([-1]) }, opset: 9 });
  await expectOpMatches({
    op: "ReduceMean",
    inputs: [["h", h], ["axes", int64([-1n], [1])]],
    constants: ["axes"],
    attributes: { keepdims: attr.int(1), noop_with_empty_axes: attr.int(0) },
    opset: 18,
  });
});

test("ReduceLogSumExp is stable for large inputs, ReduceMax/Min keep signs", async () => {
  const big = tensor("float32", [1000, 1001, -1000, -1002, 5, 6], [3, 2]);
  await expectOpMatches({
    op: "ReduceLogSumExp",
    inputs: [["x", big]],
    attributes: { axes: attr.ints([1]) },
    opset: 13,
  });
  for (const op of ["ReduceMax", "ReduceMin", "ReduceSum", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceProd"]) {
    const opset = op === "ReduceSum" ? 11 : 13;
    await expectOpMatches({ op, inputs: [["x", signed]], attributes: { axes: attr.ints([0, 2]) }, opset });
  }
});

test("ReduceSum, ReduceMax, ReduceMin and ReduceProd on int32 and int64", async () => {
  const i32 = tensor("int32", [1, -2, 3, 4, 5, -6, 7, 8, 9, 10, -11, 12], [2, 3, 2]);
  const i64 = int64([1n, -2n, 3n, 4n, 5n, -6n, 7n, 8n, 9n, 10n, -11n, 12n], [2, 3, 2]);
  for (const op of ["ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"]) {
    const opset = op === "ReduceSum" ? 11 : 13;
    for (const t of [i32, i64]) {
      await expectOpExact({ op, inputs: [["x", t]], attributes: { axes: attr.ints([1]) }, opset });
      await expectOpExact({
        op,
        inputs: [["x", t]],
        attributes: { axes: attr.ints([0, 2]), keepdims: attr.int(0) },
        opset,
      });
    }
  }
});
