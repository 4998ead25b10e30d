// Weight reconstruction error of min-max, the clipping search and HQQ on every quantizable weight of
// the real zoo models, 4 and 3 bits, block 32, fp16 scales, integer zero points (the compact setting).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { QuantizeOptions } from "../../src/quant/quantize.ts";
import type { QuantAlgorithm } from "../../src/quant/quantized_tensor.ts";
import { failing, measure, TABLE_HEADER, tableRow, type ZooWeight, zooWeights } from "./_zoo_weights.ts";

const BASE: QuantizeOptions = { blockSize: 32, scaleDtype: "float16", zeroPoint: "integer" };
const ALGORITHMS: QuantAlgorithm[] = ["minmax", "mse", "hqq"];

/** Each test quantizes all 5.2 M zoo weights three times: seconds, more on a busy machine. */
const TIMEOUT = 60_000;

let weights: ZooWeight[] = [];
const table: string[] = [];

beforeAll(async () => {
  weights = await zooWeights();
});

afterAll(() => {
  const count = weights.reduce((a, w) => a + w.tensor.size, 0);
  console.log(
    `zoo weight SQNR (dB): ${weights.length} tensors, ${count} weights; block 32, fp16 scales, integer zero points\n` +
      [TABLE_HEADER, ...table].join("\n"),
  );
});

describe("zoo weights, integer zero points", () => {
  test("the zoo has the expected quantizable weights (Conv, ConvTranspose, MatMul, Gemm, LSTM)", () => {
    const ops = new Set(weights.map((w) => w.op));
    for (const op of ["Conv", "ConvTranspose", "MatMul", "Gemm", "LSTM"]) expect(ops.has(op)).toBe(true);
    expect(weights.reduce((a, w) => a + w.tensor.size, 0)).toBeGreaterThan(5_000_000);
  });

  for (const bits of [4, 3]) {
    test(`clip search and hqq() lower the ${bits}-bit, block-32 error below min-max on every zoo tensor`, () => {
      const [mm, mse, hqq] = ALGORITHMS.map((algorithm) => {
        const r = measure(weights, { ...BASE, bits, algorithm });
        table.push(tableRow(algorithm, bits, r));
        return r;
      }) as [ReturnType<typeof measure>, ReturnType<typeof measure>, ReturnType<typeof measure>];
      expect(failing(weights, (i) => mse.sse[i]! < mm.sse[i]!)).toEqual([]);
      expect(failing(weights, (i) => hqq.sse[i]! < mm.sse[i]!)).toEqual([]);
      expect(failing(weights, (i) => hqq.sse[i]! <= mse.sse[i]!)).toEqual([]);
      expect(mse.meanSqnr).toBeGreaterThan(mm.meanSqnr);
      expect(hqq.meanSqnr).toBeGreaterThanOrEqual(mse.meanSqnr);
      // fp16 scale + 4-bit zero point per group of 32 input channels × kernel window.
      if (bits === 4) expect(mm.bitsPerWeight).toBeLessThanOrEqual(4.6);
    }, TIMEOUT);
  }
});
