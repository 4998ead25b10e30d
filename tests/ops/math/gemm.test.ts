import { describe, test } from "bun:test";
import { attr, expectOpMatches } from "../../_op_harness.ts";
import { randomTensor } from "../../_random.ts";

const M = 5, K = 7, N = 6;

describe("Gemm matches onnxruntime for every transpose combination and C shape", () => {
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      test(`transA=${transA} transB=${transB}`, async () => {
        const a = randomTensor(transA ? [K, M] : [M, K], 400 + transA);
        const b = randomTensor(transB ? [N, K] : [K, N], 402 + transB);
        const attributes = { transA: attr.int(transA), transB: attr.int(transB) };
        for (const cDims of [[], [1], [N], [1, N], [M, 1], [M, N]]) {
          const c = randomTensor(cDims, 410 + cDims.length);
          await expectOpMatches({
            op: "Gemm",
            inputs: [["a", a], ["b", b], ["c", c]],
            constants: ["b", "c"],
            attributes,
          });
        }
        await expectOpMatches({ op: "Gemm", inputs: [["a", a], ["b", b]], attributes, opset: 11 });
        await expectOpMatches({
          op: "Gemm",
          inputs: [["a", a], ["b", b], ["c", randomTensor([N], 420)]],
          attributes: { ...attributes, alpha: attr.float(0.5), beta: attr.float(-2) },
        });
      });
    }
  }
});

test("Gemm ignores C when beta is 0 and needs C before opset 11", async () => {
  const a = randomTensor([M, K], 430), b = randomTensor([N, K], 431);
  await expectOpMatches({
    op: "Gemm",
    inputs: [["a", a], ["b", b], ["c", randomTensor([N], 432)]],
    attributes: { transB: attr.int(1), beta: attr.float(0) },
  });
  await expectOpMatches({
    op: "Gemm",
    inputs: [["a", a], ["b", b], ["c", randomTensor([M, N], 433)]],
    attributes: { transB: attr.int(1), alpha: attr.float(2) },
    opset: 9,
  });
});

test("Gemm as a Silero-style LSTM cell projection (batch 1, transB, bias)", async () => {
  const x = randomTensor([1, 192], 440), w = randomTensor([512, 192], 441, -0.1, 0.1), bias = randomTensor([512], 442);
  await expectOpMatches({
    op: "Gemm",
    inputs: [["x", x], ["w", w], ["bias", bias]],
    constants: ["w", "bias"],
    attributes: { transB: attr.int(1) },
    opset: 18,
  });
});
