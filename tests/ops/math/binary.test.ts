import { describe, expect, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { attr, expectOpMatches, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { bool, expectOpExact, int64, tensor } from "./_exact.ts";

// Shape pairs that exercise broadcasting in every direction.
const SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]],
  [[], [2, 3]],
  [[2, 3], []],
  [[1], [4]],
  [[4], [1]],
  [[3, 1], [1, 4]],
  [[1, 4], [3, 1]],
  [[2, 3, 4], [4]],
  [[4], [2, 3, 4]],
  [[2, 1, 4], [3, 1]],
  [[1, 3, 1, 1], [2, 3, 5, 5]],
  [[2, 3, 5, 5], [3, 1, 1]],
  [[2, 1, 5, 1], [1, 3, 1, 4]],
  [[0, 3], [1, 3]],
];

describe("arithmetic matches onnxruntime with broadcasting in every direction", () => {
  for (const op of ["Add", "Sub", "Mul", "Div", "Max", "Min"]) {
    test(`${op} (float32)`, async () => {
      let seed = 1;
      for (const [sa, sb] of SHAPES) {
        const a = randomTensor(sa, seed++, -3, 3);
        const b = randomTensor(sb, seed++, 0.5, 3);
        await expectOpMatches({ op, inputs: [["a", a], ["b", b]] });
      }
    });
  }
});

test("Add, Sub, Mul, Div, Max, Min on int32 wrap and truncate toward zero like onnxruntime", async () => {
  const a = tensor("int32", [7, -7, 7, -7, 2147483647, -2147483648, 65536, 123456789], [8]);
  const b = tensor("int32", [2, 2, -2, -2, 1, 3, 65536, -987], [8]);
  for (const op of ["Add", "Sub", "Mul", "Div", "Max", "Min"]) {
    await expectOpExact({ op, inputs: [["a", a], ["b", b]] });
  }
  await expectOpExact({
    op: "Div",
    inputs: [["a", tensor("int32", [-9, 9, -1, 1, 0, 8], [2, 3])], ["b", tensor("int32", [4, -4, 3], [3])]],
  });
});

test("int64 arithmetic is exact beyond 2^53 and broadcasts (shape subgraph style)", async () => {
  const a = int64([9007199254740993n, -9007199254740993n, 7n, -7n, 4611686018427387904n, 3n], [2, 3]);
  const b = int64([2n, -3n, 5n], [3]);
  for (const op of ["Add", "Sub", "Mul", "Div", "Max", "Min"]) {
    await expectOpExact({ op, inputs: [["a", a], ["b", b]] });
  }
  // Shape arithmetic as exporters write it: Shape → Gather → Mul/Div by a scalar constant.
  const dims = int64([1n, 3n, 48n, 320n], [4]);
  await expectOpExact({ op: "Div", inputs: [["d", dims], ["k", int64([4n], [])]], constants: ["k"] });
  await expectOpExact({ op: "Mul", inputs: [["d", dims], ["k", int64([-1n], [1])]], constants: ["k"] });
});

test("float32 division by zero gives inf and NaN like onnxruntime", async () => {
  const a = tensor("float32", [1, -1, 0, 2.5, -0], [5]);
  const b = tensor("float32", [0, 0, 0, -0, 0], [5]);
  await expectOpExact({ op: "Div", inputs: [["a", a], ["b", b]] });
});

test("float64 arithmetic matches onnxruntime", async () => {
  const a = new Tensor("float64", Float64Array.from(randomTensor([3, 4], 5).data as Float32Array), [3, 4]);
  const b = new Tensor("float64", Float64Array.from(randomTensor([4], 6, 1, 2).data as Float32Array), [4]);
  for (const op of ["Add", "Sub", "Mul", "Div"]) await expectOpMatches({ op, inputs: [["a", a], ["b", b]] });
});

describe("comparisons give bool outputs that match onnxruntime", () => {
  // Small integers as floats so that ties occur.
  const a = tensor("float32", [0, 1, 2, 3, 1, 2, 3, 0, 2, 2, 1, 3], [3, 4]);
  const b = tensor("float32", [2, 1, 0, 3], [4]);
  const c = tensor("float32", [1, 2, 3], [3, 1]);
  for (const op of ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"]) {
    test(op, async () => {
      await expectOpExact({ op, inputs: [["a", a], ["b", b]] });
      await expectOpExact({ op, inputs: [["b", b], ["c", c]] });
      await expectOpExact({
        op,
        inputs: [["a", tensor("int32", [1, 5, -3, 4], [4])], ["b", tensor("int32", [5], [])]],
      });
      await expectOpExact({ op, inputs: [["a", int64([1n, 2n ** 60n, -3n], [3])], ["b", int64([2n ** 60n], [1])]] });
    });
  }
  test("Equal on bool", async () => {
    await expectOpExact({ op: "Equal", inputs: [["a", bool([0, 1, 1, 0], [2, 2])], ["b", bool([1, 0], [2])]] });
  });
  test("comparisons with NaN are false, as in onnxruntime", async () => {
    const n = tensor("float32", [NaN, 1, NaN], [3]);
    for (const op of ["Equal", "Less", "GreaterOrEqual"]) {
      await expectOpExact({ op, inputs: [["a", n], ["b", tensor("float32", [NaN, 1, 0], [3])]] });
    }
  });
});

test("And, Or, Xor broadcast bool inputs like onnxruntime", async () => {
  const a = bool([0, 1, 0, 1, 1, 0], [2, 3]);
  const b = bool([1, 0, 1], [3]);
  const c = bool([1, 0], [2, 1]);
  for (const op of ["And", "Or", "Xor"]) {
    await expectOpExact({ op, inputs: [["a", a], ["b", b]] });
    await expectOpExact({ op, inputs: [["b", b], ["c", c]] });
  }
});

test("Mod follows the divisor's sign with fmod=0 and the dividend's with fmod=1", async () => {
  const a = tensor("int32", [7, -7, 7, -7, 0, 6], [6]);
  const b = tensor("int32", [3, 3, -3, -3, 5, 3], [6]);
  await expectOpExact({ op: "Mod", inputs: [["a", a], ["b", b]] });
  await expectOpExact({ op: "Mod", inputs: [["a", a], ["b", b]], attributes: { fmod: attr.int(1) } });
  const la = int64([7n, -7n, 7n, -7n, 2n ** 62n + 1n], [5]);
  const lb = int64([3n, 3n, -3n, -3n, 3n], [5]);
  await expectOpExact({ op: "Mod", inputs: [["a", la], ["b", lb]] });
  // onnxruntime computes fmod=1 through double (inexact beyond 2^53); bitloop stays exact, so compare small values.
  const sa = int64([7n, -7n, 7n, -7n, 2n ** 40n + 1n], [5]);
  await expectOpExact({ op: "Mod", inputs: [["a", sa], ["b", lb]], attributes: { fmod: attr.int(1) } });
  const fa = tensor("float32", [5.5, -5.5, 5.5, -5.5, 1.25], [5]);
  const fb = tensor("float32", [2, 2, -2, -2, 0.5], [5]);
  await expectOpExact({ op: "Mod", inputs: [["a", fa], ["b", fb]], attributes: { fmod: attr.int(1) } });
  await expectOpMatches({
    op: "Mod",
    inputs: [["a", randomTensor([3, 4], 3, -10, 10)], ["b", randomTensor([4], 4, 0.5, 3)]],
    attributes: { fmod: attr.int(1) },
  });
});

test("Pow takes a float base with float or integer exponents", async () => {
  const base = randomTensor([2, 3, 4], 11, 0.1, 3);
  await expectOpMatches({ op: "Pow", inputs: [["x", base], ["y", randomTensor([4], 12, -2, 3)]] });
  await expectOpMatches({ op: "Pow", inputs: [["x", base], ["y", tensor("float32", [2], [])]], constants: ["y"] });
  await expectOpMatches({ op: "Pow", inputs: [["x", base], ["y", tensor("float32", [0.5], [1])]], constants: ["y"] });
  const signed = randomTensor([3, 4], 13, -3, 3);
  await expectOpMatches({ op: "Pow", inputs: [["x", signed], ["y", tensor("int32", [0, 1, 2, 3], [4])]] });
  await expectOpMatches({ op: "Pow", inputs: [["x", signed], ["y", int64([3n, -1n, 2n, 2n], [4])]] });
  await expectOpExact({ op: "Pow", inputs: [["x", tensor("int64", [2, -3, 5, 7], [4])], ["y", int64([3n], [])]] });
  await expectOpExact({
    op: "Pow",
    inputs: [["x", tensor("int32", [2, -3, 5, 7], [4])], ["y", tensor("int32", [2], [])]],
  });
});

describe("variadic ops fold any number of broadcast inputs", () => {
  for (const op of ["Sum", "Mean", "Max", "Min"]) {
    test(op, async () => {
      const x = randomTensor([2, 3, 4], 21);
      await expectOpMatches({ op, inputs: [["x", x]] });
      await expectOpMatches({ op, inputs: [["x", x], ["y", randomTensor([4], 22)]] });
      await expectOpMatches({
        op,
        inputs: [["x", x], ["y", randomTensor([3, 1], 23)], ["z", randomTensor([2, 1, 1], 24)]],
      });
    });
  }
  test("Max and Min on int64", async () => {
    for (const op of ["Max", "Min"]) {
      await expectOpExact({
        op,
        inputs: [["x", int64([1n, -5n, 2n ** 55n], [3])], ["y", int64([3n], [1])], ["z", int64([-2n, 4n, 1n], [3])]],
      });
    }
  });
});

test("mixed input types are rejected with a message naming both types", async () => {
  const model = opModel({
    op: "Add",
    inputs: [["a", tensor("float32", [1, 2], [2])], ["b", tensor("int64", [1, 2], [2])]],
  });
  const session = await InferenceSession.create(model, { optimization: "none" });
  const run = session.run({ a: tensor("float32", [1, 2], [2]), b: tensor("int64", [1, 2], [2]) });
  await expect(run).rejects.toThrow(/int64.*float32/);
});

test("shapes that do not broadcast are rejected with both shapes in the message", async () => {
  const a = tensor("float32", [1, 2, 3], [3]), b = tensor("float32", [1, 2], [2]);
  const session = await InferenceSession.create(opModel({ op: "Mul", inputs: [["a", a], ["b", b]] }), {
    optimization: "none",
  });
  await expect(session.run({ a, b })).rejects.toThrow(/\[3\] and \[2\]/);
});
