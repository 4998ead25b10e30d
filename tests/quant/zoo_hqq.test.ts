// HQQ as the paper starts it (from min-max) against min-max on every zoo weight, and float zero points
// (HQQ's own, MNN's [min, scale] pairs) with MNN's converter variant of HQQ for comparison.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { HqqOptions } from "../../src/quant/hqq.ts";
import type { QuantizeOptions } from "../../src/quant/quantize.ts";
import { failing, measure, TABLE_HEADER, tableRow, type ZooWeight, zooWeights } from "./_zoo_weights.ts";

/** MNN's converter: zero point only, fixed β = 10 in weight units, 20 iterations, last iterate kept. */
const MNN_HQQ: HqqOptions = { init: "minmax", updateScale: false, kappa: 1, earlyStop: false, normalize: false };

/** Each test quantizes all 5.2 M zoo weights several times: seconds, more on a busy machine. */
const TIMEOUT = 60_000;

let weights: ZooWeight[] = [];
const table: string[] = [];

beforeAll(async () => {
  weights = await zooWeights();
});

afterAll(() => {
  console.log(`zoo weight SQNR (dB): block 32, fp16 scales\n${[TABLE_HEADER, ...table].join("\n")}`);
});

describe("HQQ on the zoo", () => {
  for (const bits of [4, 3]) {
    test(`${bits} bits: hqq() from min-max alone beats min-max on every zoo tensor (integer zero points)`, () => {
      const base: QuantizeOptions = { bits, blockSize: 32, scaleDtype: "float16" };
      const mm = measure(weights, base);
      const pure = measure(weights, { ...base, algorithm: "hqq", hqq: { init: "minmax" } });
      table.push(tableRow("hqq from minmax, int", bits, pure));
      expect(failing(weights, (i) => pure.sse[i]! < mm.sse[i]!)).toEqual([]);
    }, TIMEOUT);

    test(`${bits} bits, float zero points: hqq() beats MNN's zero-only HQQ and min-max`, () => {
      const base: QuantizeOptions = { bits, blockSize: 32, scaleDtype: "float16", zeroPoint: "float" };
      const runs = {
        "minmax, float": measure(weights, base),
        "hqq, float": measure(weights, { ...base, algorithm: "hqq" }),
        "MNN hqq, float": measure(weights, { ...base, algorithm: "hqq", hqq: MNN_HQQ }),
      };
      for (const [label, r] of Object.entries(runs)) table.push(tableRow(label, bits, r));
      const { "minmax, float": mm, "hqq, float": hqq, "MNN hqq, float": mnn } = runs;
      expect(hqq.meanSqnr).toBeGreaterThan(mnn.meanSqnr + 0.1);
      expect(hqq.totalSqnr).toBeGreaterThan(mnn.totalSqnr + 0.1);
      expect(hqq.meanSqnr).toBeGreaterThan(mm.meanSqnr);
      // With float zero points a group of ≤ 2 weights is exact under min-max already (up to fp16 rounding).
      expect(failing(weights, (i) => hqq.sse[i]! <= mm.sse[i]!)).toEqual([]);
      const tiny = (w: ZooWeight) => w.tensor.size / w.tensor.dims[0]! <= 2;
      expect(failing(weights, (i) => tiny(weights[i]!) || hqq.sse[i]! < mm.sse[i]!)).toEqual([]);
    }, TIMEOUT);
  }
});
