// Compact 8-bit parameters (src/graph/compact_params.ts): log8 scales against a per-tensor reference and
// fixed8 zero points — the codes, quantize() fitting against the rounded grid, the bits-per-weight
// accounting, and compressModel's default storage.
import { describe, expect, test } from "bun:test";
import {
  exactLog8Code,
  fixed8Code,
  log8Code,
  log8Reference,
  log8Scale,
  roundFixed8,
} from "../../src/graph/compact_params.ts";
import { groupCount } from "../../src/graph/group_layout.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { compressModel } from "../../src/quant/compress_model.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { groupError, makeGrid } from "../../src/quant/grid.ts";
import { readGroup } from "../../src/quant/group_layout.ts";
import { linear } from "../../src/quant/linear.ts";
import { storageBits } from "../../src/quant/metrics.ts";
import { paramStorage, scaleBitsOptions } from "../../src/quant/param_storage.ts";
import { quantize } from "../../src/quant/quantize.ts";
import { randomTensor, seededRandom } from "../_random.ts";
import { compressFixture } from "./_compress_fixture.ts";

describe("log8 scales and fixed8 zero points", () => {
  test("every log8 code decodes to a float32 16 codes per octave below the reference and encodes back", () => {
    for (const ref of [1, Math.fround(0.0123), Math.fround(3.7e-4), Math.fround(250.5)]) {
      let previous = Infinity;
      for (let q = 0; q < 256; q++) {
        const s = log8Scale(ref, q);
        expect(Math.fround(s)).toBe(s);
        expect(Math.abs(s / (ref * 2 ** (-q / 16)) - 1)).toBeLessThan(1e-6);
        expect(s).toBeLessThan(previous);
        previous = s;
        expect(exactLog8Code(ref, s)).toBe(q);
        expect(log8Code(ref, s)).toBe(q);
      }
      expect(exactLog8Code(ref, Math.fround(log8Scale(ref, 40) * 1.01))).toBe(-1);
    }
  });

  test("log8Code rounds any scale in range to within 2.2 % and clamps the rest", () => {
    const next = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const s = 2 ** (-15.9 * next());
      const r = log8Scale(1, log8Code(1, s)) / s;
      expect(Math.abs(Math.log2(r))).toBeLessThanOrEqual(1 / 32 + 1e-9);
      expect(Math.abs(r - 1)).toBeLessThan(0.022);
    }
    expect(log8Code(1, 5)).toBe(0);
    expect(log8Code(1, 1e-9)).toBe(255);
    expect(log8Code(1, NaN)).toBe(255);
  });

  test("fixed8 zero points have 8 − bits fraction bits and cover the code range", () => {
    for (let bits = 2; bits <= 8; bits++) {
      const units = 1 << (8 - bits);
      expect(roundFixed8((1 << bits) - 1, bits)).toBe((1 << bits) - 1);
      expect(roundFixed8(1 / units, bits)).toBe(1 / units);
      expect(roundFixed8(0.4 / units, bits)).toBe(0);
      expect(fixed8Code(3 / units, bits)).toBe(3);
      expect(fixed8Code(0.3 / units, bits)).toBe(-1);
      expect(fixed8Code(256 / units, bits)).toBe(-1);
    }
    expect(roundFixed8(7.3, 8)).toBe(7);
    expect(roundFixed8(-1, 4)).toBe(0);
  });
});

describe("quantize() with compact parameters", () => {
  const w = randomTensor([24, 120], 7, -1, 1);
  (w.data as Float32Array)[5] = 3; // one outlier sets the reference

  test("stored scales and zeros are exact log8 / fixed8 values; 4-bit block 32 costs 4.5 b/w plus the reference", () => {
    for (const bits of [2, 3, 4, 5, 8]) {
      for (const algorithm of ["minmax", "mse", "hqq"] as const) {
        const q = quantize(w, { kind: "matmul_nk" }, {
          bits,
          blockSize: 32,
          algorithm,
          scaleDtype: "log8",
          zeroPoint: "fixed8",
          rounding: "balanced",
          magnitudeWeight: 1,
        });
        expect(q.scaleRef).toBe(log8Reference(3, bits));
        for (const s of q.scales) expect(exactLog8Code(q.scaleRef!, s)).toBeGreaterThanOrEqual(0);
        for (const z of q.zeros!) expect(fixed8Code(z, bits)).toBeGreaterThanOrEqual(0);
        const b = storageBits(q);
        const groups = groupCount(q.layout); // 24 channels × (32, 32, 32, 24)
        expect(groups).toBe(96);
        expect(b.scales).toBe(groups * 8 + 32);
        expect(b.zeros).toBe(groups * 8);
        expect(b.bitsPerWeight).toBeCloseTo(bits + (16 * 96 + 32) / (24 * 120), 12);
      }
    }
    const full = quantize(randomTensor([64, 256], 2), { kind: "matmul_nk" }, {
      bits: 4,
      blockSize: 32,
      scaleDtype: "log8",
      zeroPoint: "fixed8",
    });
    expect(storageBits(full).bitsPerWeight).toBeCloseTo(4.5 + 32 / (64 * 256), 12);
  });

  test("the algorithms fit against the rounded grid: minmax ≥ mse ≥ hqq on every group, as stored", () => {
    const fits = (["minmax", "mse", "hqq"] as const).map((algorithm) =>
      quantize(w, { kind: "matmul_nk" }, { bits: 3, blockSize: 32, algorithm, scaleDtype: "log8", zeroPoint: "fixed8" })
    );
    const grid = makeGrid(3, false, false, false, { scaleRef: fits[0]!.scaleRef!, fixed8Zero: true });
    const buffer = new Float64Array(32);
    const values = w.data as Float32Array;
    const g = fits[0]!.layout;
    for (let c = 0, k = 0; c < g.channels; c++) {
      for (let b = 0; b < g.blocksPerChannel; b++, k++) {
        const n = readGroup(g, values, c, b, buffer);
        const [e0, e1, e2] = fits.map((q) => groupError(buffer, n, grid, q.scales[k]!, q.zeros![k]!));
        expect(e1!).toBeLessThanOrEqual(e0! * (1 + 1e-12));
        expect(e2!).toBeLessThanOrEqual(e1! * (1 + 1e-12));
      }
    }
    // What dequantize() reconstructs is what the fitters measured (nearest codes on the stored grid).
    const back = dequantize(fits[2]!).data as Float32Array;
    let sse = 0;
    for (let i = 0; i < back.length; i++) sse += (values[i]! - back[i]!) ** 2;
    let measured = 0;
    for (let c = 0, k = 0; c < g.channels; c++) {
      for (let b = 0; b < g.blocksPerChannel; b++, k++) {
        const n = readGroup(g, values, c, b, buffer);
        measured += groupError(buffer, n, grid, fits[2]!.scales[k]!, fits[2]!.zeros![k]!);
      }
    }
    expect(sse).toBeCloseTo(measured, 6);
  });

  test("min-max on a log8 grid rounds the scale up, so the group's range stays covered", () => {
    const next = seededRandom(5);
    const out = new Float64Array(2);
    for (const bits of [4, 6, 8]) {
      const grid = makeGrid(bits, false, false, false, { scaleRef: 1, fixed8Zero: true });
      for (let i = 0; i < 200; i++) {
        const group = Float64Array.from({ length: 32 }, () => (next() - 0.3) * 0.2);
        linear(group, 32, grid, out);
        const lo = Math.min(...group);
        const hi = Math.max(...group);
        expect(out[0]! * grid.codeMax).toBeGreaterThanOrEqual((hi - lo) * (1 - 1e-12));
        // Clipping at either end is at most the fixed8 rounding of the zero point: half a unit.
        const slack = out[0]! * (0.5 / (1 << (8 - bits))) * 1.0001;
        expect(-out[1]! * out[0]!).toBeLessThanOrEqual(lo + slack);
        expect((grid.codeMax - out[1]!) * out[0]!).toBeGreaterThanOrEqual(hi - slack);
      }
    }
  });

  test("bad storage options are RangeErrors naming the choices", () => {
    expect(() => quantize(w, { kind: "matmul_nk" }, { scaleDtype: "log4" as "log8" })).toThrow(/"log8"/);
    expect(() => quantize(w, { kind: "matmul_nk" }, { zeroPoint: "fixed4" as "fixed8" })).toThrow(/"fixed8"/);
  });

  test("an all-zero tensor quantizes to zeros with reference 1", () => {
    const zero = new Tensor("float32", new Float32Array(64), [2, 32]);
    const q = quantize(zero, { kind: "matmul_nk" }, {
      bits: 4,
      blockSize: 16,
      scaleDtype: "log8",
      zeroPoint: "fixed8",
    });
    expect(q.scaleRef).toBe(1);
    expect([...(dequantize(q).data as Float32Array)].every((v) => v === 0)).toBe(true);
  });
});

describe("compressModel's parameter storage", () => {
  test("log8 scales at 2-4 bits and fp16 above, integer zeros unless asked; --scale-bits widths", () => {
    for (const bits of [2, 3, 4]) expect(paramStorage({}, bits)).toEqual({ scaleDtype: "log8", zeroPoint: "integer" });
    for (const bits of [5, 8]) expect(paramStorage({}, bits)).toEqual({ scaleDtype: "float16", zeroPoint: "integer" });
    expect(paramStorage({ scaleDtype: "float32" }, 4)).toEqual({ scaleDtype: "float32", zeroPoint: "integer" });
    expect(paramStorage({ scaleDtype: "log8" }, 8)).toEqual({ scaleDtype: "log8", zeroPoint: "integer" });
    expect(paramStorage({ zeroPoint: "fixed8" }, 4)).toEqual({ scaleDtype: "log8", zeroPoint: "fixed8" });
    expect(paramStorage({ scaleDtype: "log8", zeroPoint: "float" }, 4)).toEqual({
      scaleDtype: "log8",
      zeroPoint: "float",
    });
    expect(scaleBitsOptions(8)).toEqual({ scaleDtype: "log8", zeroPoint: "integer" });
    expect(scaleBitsOptions(16)).toEqual({ scaleDtype: "float16", zeroPoint: "integer" });
    expect(scaleBitsOptions(32)).toEqual({ scaleDtype: "float32", zeroPoint: "integer" });
    expect(() => scaleBitsOptions(12)).toThrow(/8, 16 or 32/);
  });

  test("compressModel stores what the options say, and compact parameters cost less", () => {
    const model = compressFixture();
    const compact = compressModel(model, { bits: 4, blockSize: 32, minSize: 0, zeroPoint: "fixed8" });
    const wide = compressModel(model, { bits: 4, blockSize: 32, minSize: 0, ...scaleBitsOptions(16) });
    expect(compact.model.graph.quantized.size).toBeGreaterThan(0);
    for (const q of compact.model.graph.quantized.values()) {
      expect([q.scaleDtype, q.zeroPoint, q.scaleRef! > 0]).toEqual(["log8", "fixed8", true]);
    }
    for (const q of wide.model.graph.quantized.values()) {
      expect([q.scaleDtype, q.zeroPoint, q.scaleRef]).toEqual(["float16", "integer", undefined]);
    }
    expect(compact.report.totals.bytesAfter).toBeLessThan(wide.report.totals.bytesAfter);
  });
});
