import { describe, expect, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { erf } from "../../../src/runtime/ops/math/erf.ts";
import { attr, expectOpMatches, runOpCase } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { bool, expectOpExact, int64, tensor } from "./_exact.ts";

// Input range per op: where the function is defined and interesting.
const FLOAT_OPS: [string, number, number][] = [
  ["Relu", -3, 3],
  ["Sigmoid", -20, 20],
  ["Tanh", -5, 5],
  ["Exp", -10, 10],
  ["Log", 0.001, 100],
  ["Sqrt", 0, 100],
  ["Sin", -10, 10],
  ["Cos", -10, 10],
  ["Tan", -1.5, 1.5],
  ["Asin", -1, 1],
  ["Acos", -1, 1],
  ["Atan", -10, 10],
  ["Sinh", -5, 5],
  ["Cosh", -5, 5],
  ["Erf", -4, 4],
  ["Floor", -5, 5],
  ["Ceil", -5, 5],
  ["Round", -5, 5],
  ["Reciprocal", 0.1, 10],
  ["Neg", -5, 5],
  ["Abs", -5, 5],
  ["Sign", -5, 5],
  ["Softplus", -30, 30],
  ["Softsign", -10, 10],
];

describe("float unary ops match onnxruntime", () => {
  for (const [op, lo, hi] of FLOAT_OPS) {
    test(op, async () => {
      await expectOpMatches({ op, inputs: [["x", randomTensor([2, 3, 17], op.length, lo, hi)]] });
      // A scalar from the middle of the range: onnxruntime's Sigmoid has ~1e-7 absolute (not relative)
      // error in its tails, which a lone tail element would turn into a large relative error.
      await expectOpMatches({ op, inputs: [["x", randomTensor([], 7, Math.max(lo, -2), Math.min(hi, 2))]] });
    });
  }
  test("Exp, Log, Sqrt, Sigmoid, Tanh on float64", async () => {
    for (const op of ["Exp", "Log", "Sqrt", "Sigmoid", "Tanh"]) {
      const x = new Tensor("float64", Float64Array.from(randomTensor([5, 7], 3, 0.01, 5).data as Float32Array), [5, 7]);
      await expectOpMatches({ op, inputs: [["x", x]] });
    }
  });
});

test("Round rounds halves to even, as onnxruntime does", async () => {
  const x = tensor("float32", [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49, 2.51, -2.51, 1e7 + 0.5, -0], [12]);
  await expectOpExact({ op: "Round", inputs: [["x", x]] });
});

test("special values: Sigmoid and Softplus saturate, Log of 0 is -inf, Sqrt of -1 is NaN", async () => {
  const x = tensor("float32", [-1000, -100, 0, 100, 1000, Infinity, -Infinity], [7]);
  await expectOpExact({ op: "Relu", inputs: [["x", x]] });
  await expectOpExact({ op: "Sign", inputs: [["x", tensor("float32", [-3, 0, 2, -0, Infinity], [5])]] });
  await expectOpExact({ op: "Log", inputs: [["x", tensor("float32", [0, Infinity], [2])]] });
  await expectOpExact({ op: "Sqrt", inputs: [["x", tensor("float32", [-1, 4], [2])]] });
  await expectOpMatches({ op: "Sigmoid", inputs: [["x", tensor("float32", [-1000, -100, 0, 100, 1000], [5])]] });
  await expectOpMatches({ op: "Softplus", inputs: [["x", tensor("float32", [-1000, -100, 0, 100, 1000], [5])]] });
});

test("Neg, Abs and Sign on int32 and int64 are exact", async () => {
  const i32 = tensor("int32", [-5, 0, 7, -2147483647, 2147483647], [5]);
  const i64 = int64([-5n, 0n, 7n, -(2n ** 62n), 2n ** 62n + 1n], [5]);
  for (const op of ["Neg", "Abs", "Sign"]) {
    await expectOpExact({ op, inputs: [["x", i32]] });
    await expectOpExact({ op, inputs: [["x", i64]] });
  }
});

test("Not, IsNaN and IsInf produce bool outputs like onnxruntime", async () => {
  await expectOpExact({ op: "Not", inputs: [["x", bool([0, 1, 1, 0, 0, 1], [2, 3])]] });
  const x = tensor("float32", [NaN, 1, Infinity, -Infinity, 0, -NaN], [2, 3]);
  await expectOpExact({ op: "IsNaN", inputs: [["x", x]] });
  await expectOpExact({ op: "IsInf", inputs: [["x", x]] });
  await expectOpExact({ op: "IsInf", inputs: [["x", x]], attributes: { detect_negative: attr.int(0) } });
  await expectOpExact({ op: "IsInf", inputs: [["x", x]], attributes: { detect_positive: attr.int(0) } });
});

test("Erf agrees with onnxruntime to 1e-6 relative on every element", async () => {
  const values = [0, 1e-8, -1e-8, 0.3, 0.84375, 1.25, 2.4999, 2.5, 2.5001, 2.857, 3.5, 5.9, 6.1, 10, -0.5, -2.5, -7];
  const x = tensor("float32", [...values, ...(randomTensor([200], 99, -6, 6).data as Float32Array)], [
    values.length + 200,
  ]);
  const { ours, ref } = await runOpCase({ op: "Erf", inputs: [["x", x]] });
  const a = ours[0]!.data as Float32Array, b = ref[0]!.data as Float32Array;
  for (let i = 0; i < b.length; i++) {
    expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(b[i]!) + 1e-30);
  }
});

test("erf() is accurate in double across both of its branches", () => {
  // Reference values from mpmath at 30 digits.
  const cases: [number, number][] = [
    [0.1, 0.1124629160182848922032750717439683832217],
    [1, 0.8427007929497148693412206350826092592961],
    [2.4, 0.9993114861033549214302550678293683197377],
    [2.6, 0.9997639655834706507960089967924560353733],
    [4, 0.9999999845827420997199811478403265131160],
  ];
  for (const [x, want] of cases) {
    expect(Math.abs(erf(x) - want)).toBeLessThanOrEqual(4e-16);
    expect(Math.abs(erf(-x) + want)).toBeLessThanOrEqual(4e-16);
  }
  expect(Number.isNaN(erf(NaN))).toBe(true);
  expect(erf(Infinity)).toBe(1);
});
