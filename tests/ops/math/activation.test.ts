import { describe, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";
import { expectOpExact, tensor } from "./_exact.ts";
import type { Attribute } from "../../../src/graph/graph.ts";

// Each op with its defaults and with explicit attributes; opset where the op exists.
const CASES: [string, Record<string, Attribute>, number][] = [
  ["LeakyRelu", {}, 17],
  ["LeakyRelu", { alpha: attr.float(0.3) }, 17],
  ["Elu", {}, 17],
  ["Elu", { alpha: attr.float(0.5) }, 17],
  ["Selu", {}, 17],
  ["Selu", { alpha: attr.float(1.5), gamma: attr.float(2) }, 17],
  ["Celu", {}, 17],
  ["Celu", { alpha: attr.float(2) }, 17],
  ["HardSigmoid", {}, 17],
  ["HardSigmoid", { alpha: attr.float(0.1666666716337204), beta: attr.float(0.5) }, 11],
  ["HardSwish", {}, 17],
  ["ThresholdedRelu", {}, 17],
  ["ThresholdedRelu", { alpha: attr.float(0.5) }, 17],
  ["Mish", {}, 18],
  ["Gelu", {}, 20],
  ["Gelu", { approximate: attr.string("none") }, 20],
  ["Gelu", { approximate: attr.string("tanh") }, 20],
];

describe("activations with attributes match onnxruntime", () => {
  CASES.forEach(([op, attributes, opset], i) => {
    test(`${op} ${JSON.stringify(Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.value])))}`, async () => {
      await expectOpMatches({ op, inputs: [["x", randomTensor([2, 3, 5, 7], 100 + i, -6, 6)]], attributes, opset });
    });
  });
});

test("LeakyRelu runs on float64 (the one activation onnxruntime's CPU provider has a double kernel for)", async () => {
  const x = new Tensor("float64", Float64Array.from(randomTensor([4, 9], 5, -4, 4).data as Float32Array), [4, 9]);
  await expectOpMatches({ op: "LeakyRelu", inputs: [["x", x]], attributes: { alpha: attr.float(0.2) } });
});

test("HardSigmoid and HardSwish hit their clamps exactly at the breakpoints", async () => {
  const x = tensor("float32", [-4, -3, -2.5, 0, 2.5, 3, 4], [7]);
  await expectOpExact({ op: "HardSigmoid", inputs: [["x", x]] });
  await expectOpMatches({ op: "HardSwish", inputs: [["x", x]] });
});

test("PRelu broadcasts a per-channel slope, a scalar slope and a full slope", async () => {
  const x = randomTensor([2, 3, 4, 5], 31, -3, 3);
  await expectOpMatches({
    op: "PRelu",
    inputs: [["x", x], ["s", randomTensor([3, 1, 1], 32, 0, 0.5)]],
    constants: ["s"],
  });
  await expectOpMatches({ op: "PRelu", inputs: [["x", x], ["s", randomTensor([1], 33, 0, 0.5)]] });
  await expectOpMatches({ op: "PRelu", inputs: [["x", x], ["s", randomTensor([5], 34, -1, 1)]] });
  await expectOpMatches({ op: "PRelu", inputs: [["x", x], ["s", randomTensor([2, 3, 4, 5], 35, -1, 1)]] });
});

test("LeakyRelu, PRelu and Relu keep infinities and NaN as onnxruntime does", async () => {
  const x = tensor("float32", [-Infinity, Infinity, NaN, -1, -0, 0, 2], [7]);
  await expectOpExact({ op: "LeakyRelu", inputs: [["x", x]], attributes: { alpha: attr.float(0.1) } });
  await expectOpExact({ op: "PRelu", inputs: [["x", x], ["s", tensor("float32", [0.25], [1])]] });
  await expectOpExact({ op: "Relu", inputs: [["x", x]] });
});
