import { describe, expect, test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { clipSearch } from "../../src/quant/clip_search.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { groupError, type GroupFitter, makeGrid, makeWorkspace } from "../../src/quant/grid.ts";
import { hqq, type HqqOptions } from "../../src/quant/hqq.ts";
import { linear } from "../../src/quant/linear.ts";
import { reconstructionError } from "../../src/quant/metrics.ts";
import { quantize, type QuantizeOptions } from "../../src/quant/quantize.ts";
import { seededRandom } from "../_random.ts";

/** Laplacian-ish weights with a few large outliers, like trained conv weights. */
function weights(n: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: n }, () => {
    const v = -Math.log(1 - next()) * (next() < 0.5 ? -0.02 : 0.02);
    return next() < 0.005 ? v * 8 : v;
  });
}

const MNN: HqqOptions = { init: "minmax", updateScale: false, kappa: 1, earlyStop: false, normalize: false };

function sseOf(w: Tensor, options: QuantizeOptions): number {
  return reconstructionError(
    w.data as Float32Array,
    dequantize(quantize(w, { kind: "conv" }, options)).data as Float32Array,
  ).sse;
}

describe("clip search and HQQ", () => {
  const w = new Tensor("float32", weights(64 * 96 * 9, 1), [64, 96, 3, 3]);
  for (const bits of [2, 3, 4, 8]) {
    for (const zeroPoint of ["integer", "float"] as const) {
      test(`${bits}-bit, ${zeroPoint} zero: every group's error is minmax ≥ mse ≥ hqq, and pure HQQ ≤ minmax`, () => {
        const grid = makeGrid(bits, false, zeroPoint === "integer", true);
        const n = 288;
        const group = new Float64Array(n);
        const work = makeWorkspace();
        const p = new Float64Array(2);
        const errorOf = (fit: GroupFitter) => {
          fit(group, n, grid, p, work);
          return groupError(group, n, grid, p[0]!, p[1]!);
        };
        let strict = 0;
        const fitters = [linear, clipSearch(), hqq(), hqq({ init: "minmax" })];
        for (let g = 0; g < 64 * 3; g++) {
          group.set((w.data as Float32Array).subarray(g * n, (g + 1) * n));
          const [mm, mse, full, pure] = fitters.map(errorOf) as [number, number, number, number];
          expect(mse).toBeLessThanOrEqual(mm);
          expect(full).toBeLessThanOrEqual(mse);
          expect(pure).toBeLessThanOrEqual(mm);
          if (pure < mm && mse < mm) strict++;
        }
        // At 8 bits min-max is often already the best grid for a group; below that it almost never is.
        if (bits <= 4) expect(strict).toBeGreaterThan(64 * 3 * 0.9);
      });
    }
  }

  test("full HQQ beats MNN's zero-only, fixed-β variant at 2, 3 and 4 bits", () => {
    for (const bits of [2, 3, 4]) {
      const base: QuantizeOptions = { bits, blockSize: 32, zeroPoint: "float", algorithm: "hqq" };
      const mnn = sseOf(w, { ...base, hqq: MNN });
      expect(sseOf(w, { ...base, hqq: { init: "minmax" } })).toBeLessThan(mnn);
      expect(sseOf(w, base)).toBeLessThan(mnn);
    }
  });

  test("symmetric grids: the search shrinks the absmax and HQQ refits the scale", () => {
    const base: QuantizeOptions = { bits: 4, blockSize: 32, symmetric: true };
    const mm = sseOf(w, base);
    expect(sseOf(w, { ...base, algorithm: "mse" })).toBeLessThan(mm);
    expect(sseOf(w, { ...base, algorithm: "hqq", hqq: { init: "minmax" } })).toBeLessThan(mm);
  });

  test("the clip search's coarse-to-fine scan finds (nearly) what the full scan finds", () => {
    const base: QuantizeOptions = { bits: 3, blockSize: 32, algorithm: "mse" };
    const full = sseOf(w, { ...base, clipSearch: { coarse: 1 } });
    expect(sseOf(w, base)).toBeLessThan(full * 1.005);
  });

  test("one outlier: the clipping search narrows the step below min-max's and lowers the error", () => {
    const group = new Float64Array([-0.1, -0.07, -0.05, -0.02, 0, 0.01, 0.04, 0.06, 0.08, 0.1, 1]);
    const grid = makeGrid(3, false, false, false);
    const p = new Float64Array(2);
    linear(group, group.length, grid, p);
    const mm = groupError(group, group.length, grid, p[0]!, p[1]!);
    const step = p[0]!;
    clipSearch()(group, group.length, grid, p, makeWorkspace());
    expect(p[0]!).toBeLessThan(step);
    expect(groupError(group, group.length, grid, p[0]!, p[1]!)).toBeLessThan(mm);
  });

  test("options are validated", () => {
    expect(() => hqq({ lpNorm: 0 })).toThrow(/lpNorm must be in \(0, 1\]/);
    expect(() => hqq({ kappa: 0.5 })).toThrow(/kappa/);
    expect(() => hqq({ iterations: -1 })).toThrow(/iterations/);
    expect(() => hqq({ patience: 0 })).toThrow(/patience/);
    expect(() => hqq({ init: "zero" as "mse" })).toThrow(/init/);
    expect(() => clipSearch({ steps: 0 })).toThrow(/steps/);
    expect(() => clipSearch({ minRatio: 1.5 })).toThrow(/minRatio/);
    expect(() => clipSearch({ coarse: 0 })).toThrow(/coarse/);
  });
});
