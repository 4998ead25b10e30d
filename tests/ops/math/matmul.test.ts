import { expect, test } from "bun:test";
import { Tensor } from "../../../src/graph/tensor.ts";
import { InferenceSession } from "../../../src/runtime/session.ts";
import { expectOpMatches, opModel } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

const PAIRS: [number[], number[]][] = [
  [[3, 4], [4, 5]],
  [[1, 7], [7, 1]],
  [[5, 7], [7, 3]], // K not a multiple of the 4-way unroll
  [[4], [4, 5]], // 1-D A: row vector, M dropped
  [[3, 4], [4]], // 1-D B: column vector, N dropped
  [[6], [6]], // both 1-D: a scalar
  [[2, 3, 4], [2, 4, 5]],
  [[2, 3, 4], [4, 5]], // B broadcast over A's batch
  [[3, 4], [2, 4, 5]], // A broadcast over B's batch
  [[2, 1, 3, 4], [5, 4, 6]], // batch dims broadcast both ways
  [[2, 3, 4], [4]],
  [[4], [2, 4, 5]],
  [[1, 8, 40, 32], [1, 8, 32, 40]], // PP-OCRv4 rec attention scores
  [[1, 8, 40, 40], [1, 8, 40, 32]], // and attention · V
  [[0, 4], [4, 3]],
  [[2, 0], [0, 3]], // K = 0: all zeros
];

test("MatMul matches onnxruntime for 1-D, 2-D, batched and broadcast operands", async () => {
  let seed = 200;
  for (const [sa, sb] of PAIRS) {
    await expectOpMatches({ op: "MatMul", inputs: [["a", randomTensor(sa, seed++)], ["b", randomTensor(sb, seed++)]] });
  }
});

test("MatMul with a constant weight and a larger float32 problem stays within budget", async () => {
  const a = randomTensor([1, 40, 120], 300), w = randomTensor([120, 360], 301, -0.2, 0.2);
  await expectOpMatches({ op: "MatMul", inputs: [["a", a], ["w", w]], constants: ["w"] });
});

test("MatMul on float64 matches onnxruntime", async () => {
  const a = randomTensor([3, 5, 6], 310), b = randomTensor([6, 4], 311);
  const f64 = (t: Tensor) => new Tensor("float64", Float64Array.from(t.data as Float32Array), t.dims);
  await expectOpMatches({ op: "MatMul", inputs: [["a", f64(a)], ["b", f64(b)]] });
});

test("MatMul rejects mismatched inner dimensions with both shapes in the message", async () => {
  const a = randomTensor([2, 3], 1), b = randomTensor([4, 2], 2);
  const session = await InferenceSession.create(opModel({ op: "MatMul", inputs: [["a", a], ["b", b]] }), {
    optimization: "none",
  });
  await expect(session.run({ a, b })).rejects.toThrow(/A \[2, 3\] · B \[4, 2\]/);
});
