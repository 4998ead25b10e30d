import { describe, expect, test } from "bun:test";
import { Tensor } from "../../src/graph/tensor.ts";
import { clampedFloat16Bits, FLOAT16_MAX, fromFloat16, roundToFloat16, toFloat16 } from "../../src/quant/fp16.ts";
import { reconstructionError, storageBits } from "../../src/quant/metrics.ts";
import { quantize } from "../../src/quant/quantize.ts";

describe("fp16 storage", () => {
  test("rounds to nearest, ties to even, and clamps finite values to ±65504", () => {
    expect(roundToFloat16(2049)).toBe(2048); // tie → even mantissa
    expect(roundToFloat16(2051)).toBe(2052);
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1);
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToFloat16(2 ** -25 * 1.5)).toBe(2 ** -24); // subnormal
    expect(roundToFloat16(65519)).toBe(FLOAT16_MAX);
    expect(roundToFloat16(1e9)).toBe(FLOAT16_MAX);
    expect(roundToFloat16(-1e9)).toBe(-FLOAT16_MAX);
    expect(roundToFloat16(Infinity)).toBe(Infinity);
    expect(Number.isNaN(roundToFloat16(NaN))).toBe(true);
    expect(clampedFloat16Bits(-70000)).toBe(0xfbff);
  });

  test("toFloat16/fromFloat16 keep shape and values (to half precision)", () => {
    const t = new Tensor("float32", new Float32Array([0.1, -2.5, 1e6, 3e-8, -0]), [5, 1]);
    const h = toFloat16(t);
    expect(h.type).toBe("float16");
    expect(h.dims).toEqual([5, 1]);
    const back = fromFloat16(h);
    expect([...(back.data as Float32Array)]).toEqual([roundToFloat16(0.1), -2.5, 65504, roundToFloat16(3e-8), -0]);
    expect(() => toFloat16(h)).toThrow(TypeError);
    expect(() => fromFloat16(t)).toThrow(TypeError);
  });
});

describe("metrics", () => {
  test("reconstructionError(): SQNR, MSE, max abs error", () => {
    const e = reconstructionError(new Float32Array([3, 4]), new Float32Array([3, 3.5]));
    expect(e.sse).toBe(0.25);
    expect(e.mse).toBe(0.125);
    expect(e.maxAbsError).toBe(0.5);
    expect(e.sqnr).toBeCloseTo(20, 10); // 10·log10(25 / 0.25)
    expect(reconstructionError([1], [1]).sqnr).toBe(Infinity);
    expect(() => reconstructionError([1], [1, 2])).toThrow(RangeError);
  });

  test("storageBits(): codes with padding, scales at their dtype, zero points at `bits` or the scale width", () => {
    const w = new Tensor("float32", Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)), [4, 32]);
    const sym = storageBits(quantize(w, { kind: "matmul_nk" }, { bits: 4, symmetric: true }));
    expect(sym).toEqual({ codes: 512, scales: 128, zeros: 0, total: 640, weights: 128, bitsPerWeight: 5 });
    const int = storageBits(quantize(w, { kind: "matmul_nk" }, { bits: 4, blockSize: 32, scaleDtype: "float16" }));
    expect(int.bitsPerWeight).toBe(4 + (16 + 4) / 32);
    const flt = quantize(w, { kind: "matmul_nk" }, {
      bits: 4,
      blockSize: 32,
      scaleDtype: "float16",
      zeroPoint: "float",
    });
    expect(storageBits(flt).bitsPerWeight).toBe(5);
    // 3-bit groups of 5: continuous 120·3 bits → 45 bytes; byte-aligned 2 bytes per group → 48 bytes.
    const w3 = new Tensor("float32", Float32Array.from({ length: 120 }, (_, i) => Math.cos(i)), [4, 30]);
    expect(storageBits(quantize(w3, { kind: "matmul_nk" }, { bits: 3, blockSize: 5 })).codes).toBe(45 * 8);
    const aligned = quantize(w3, { kind: "matmul_nk" }, { bits: 3, blockSize: 5, packing: "group" });
    expect(storageBits(aligned).codes).toBe(48 * 8);
  });
});
