import { describe, expect, test } from "bun:test";
import { float32ToFloat16Array } from "../../src/graph/float16.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { dequantize } from "../../src/quant/dequantize.ts";
import { roundToFloat16 } from "../../src/quant/fp16.ts";
import { unpack } from "../../src/quant/pack.ts";
import { quantize, type QuantizeOptions } from "../../src/quant/quantize.ts";
import type { QuantizedTensor } from "../../src/quant/quantized_tensor.ts";
import { seededRandom } from "../_random.ts";

const BITS = [2, 3, 4, 5, 6, 7, 8];

/** One channel (a [1, n] matrix): group order is the tensor's order. */
function row(values: number[]): Tensor {
  return new Tensor("float32", Float32Array.from(values), [1, values.length]);
}

function codesOf(q: QuantizedTensor): number[] {
  return [...unpack(q.data, q.bits, q.dims.reduce((a, b) => a * b, 1))];
}

function values(t: Tensor): number[] {
  return [...(t.data as Float32Array)];
}

/** Reference codes straight from DESIGN.md §5, for one group. */
function referenceCodes(w: Float32Array, bits: number, mode: "symmetric" | "integer" | "float"): number[] {
  const max = (1 << bits) - 1;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let lo = Math.min(...w);
  let hi = Math.max(...w);
  if (mode === "symmetric") {
    const level = (1 << (bits - 1)) - 1;
    const s = Math.fround(Math.max(-lo, hi) / level);
    return [...w].map((v) => clamp(Math.round(v / s), -level, level) + (1 << (bits - 1)));
  }
  if (mode === "integer") {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  const scale = (hi - lo) / max;
  const s = Math.fround(scale);
  const z = mode === "integer" ? clamp(Math.round(-lo / scale), 0, max) : Math.fround(-lo / scale);
  return [...w].map((v) => clamp(Math.round(v / s + z), 0, max));
}

describe("linear (min-max) codes", () => {
  test("4-bit symmetric: scale absmax/7, codes −7..7 stored as q + 8", () => {
    const q = quantize(row([-1, 0, 0.4, 1, -0.3]), { kind: "matmul_nk" }, { bits: 4, symmetric: true });
    expect(q.scales[0]).toBe(Math.fround(1 / 7));
    expect(codesOf(q)).toEqual([1, 8, 11, 15, 6]);
    expect(values(dequantize(q))).toEqual([-7, 0, 3, 7, -2].map((k) => Math.fround(k * Math.fround(1 / 7))));
  });

  test("4-bit asymmetric, integer zero point: scale (max−min)/15, zero −min/scale, codes 0..15", () => {
    const q = quantize(row([-0.6, 0, 1, 2.4]), { kind: "matmul_nk" }, { bits: 4 });
    expect(q.scales[0]).toBe(Math.fround(0.2));
    expect(q.zeros?.[0]).toBe(3);
    expect(codesOf(q)).toEqual([0, 3, 8, 15]);
    // An all-positive group still has 0 in range (its zero point is code 0).
    const p = quantize(row([1, 2.2, 3, 4]), { kind: "matmul_nk" }, { bits: 2 });
    expect([p.scales[0], p.zeros?.[0], ...codesOf(p)]).toEqual([Math.fround(4 / 3), 0, 1, 2, 2, 3]);
  });

  test("asymmetric, float zero point: min and max are both exact grid points", () => {
    const q = quantize(row([1, 2, 3, 4]), { kind: "matmul_nk" }, { bits: 2, zeroPoint: "float" });
    expect([q.scales[0], q.zeros?.[0], ...codesOf(q)]).toEqual([1, -1, 0, 1, 2, 3]);
    expect(values(dequantize(q))).toEqual([1, 2, 3, 4]);
  });

  for (const bits of BITS) {
    test(`${bits}-bit codes equal the DESIGN.md formulas: symmetric, integer zero and float zero`, () => {
      const next = seededRandom(bits);
      const w = Float32Array.from({ length: 200 }, () => (next() - 0.3) * 2);
      for (const mode of ["symmetric", "integer", "float"] as const) {
        const q = quantize(new Tensor("float32", w, [1, 200]), { kind: "matmul_nk" }, {
          bits,
          symmetric: mode === "symmetric",
          zeroPoint: mode === "float" ? "float" : "integer",
        });
        const codes = codesOf(q);
        expect(codes).toEqual(referenceCodes(w, bits, mode));
        const zero = q.zeros?.[0] ?? 1 << (bits - 1);
        expect(values(dequantize(q))).toEqual(codes.map((u) => Math.fround((u - zero) * q.scales[0]!)));
        if (mode === "symmetric") expect(Math.min(...codes)).toBeGreaterThanOrEqual(1);
      }
    });
  }

  test("a ragged last block gets its own scale, even a one-element block", () => {
    const q = quantize(row([0.1, -0.2, 0.3, 0.4, -5]), { kind: "matmul_nk" }, { bits: 3, blockSize: 2 });
    expect(q.scales.length).toBe(3);
    expect(q.scales[2]).toBe(Math.fround(5 / 7));
    expect(values(dequantize(q))[4]).toBeCloseTo(-5, 6);
    const blockwise = quantize(row([0.1, -0.2, 0.3, 0.4, -5]), { kind: "matmul_nk" }, { bits: 3 });
    expect(blockwise.scales.length).toBe(1);
  });

  test("float16 scales and zero points are exact halves, and codes are fitted against them", () => {
    const next = seededRandom(5);
    const w = new Tensor("float32", Float32Array.from({ length: 640 }, () => next() * 0.01 - 0.004), [10, 64]);
    for (const zeroPoint of ["integer", "float"] as const) {
      const q = quantize(w, { kind: "matmul_nk" }, {
        bits: 4,
        blockSize: 32,
        scaleDtype: "float16",
        zeroPoint,
        algorithm: "hqq",
      });
      for (const s of q.scales) expect(roundToFloat16(s)).toBe(s);
      for (const z of q.zeros!) expect(roundToFloat16(z)).toBe(z);
      const r = values(dequantize(q));
      const worst = Math.max(...r.map((v, i) => Math.abs(v - (w.data as Float32Array)[i]!)));
      expect(worst).toBeLessThan(Math.max(...q.scales)); // within a step: codes match the stored scales
    }
  });

  test("a float16 weight is quantized from its values and keeps its dtype in the record", () => {
    const half = new Tensor("float16", float32ToFloat16Array(new Float32Array([-1, 0.5, 2, 3])), [2, 2]);
    const q = quantize(half, { kind: "matmul_nk" }, { bits: 8, symmetric: true });
    expect(q.dtype).toBe("float16");
    expect(dequantize(q).type).toBe("float32");
    expect(values(dequantize(q))[3]).toBeCloseTo(3, 6);
  });

  test("a group far from 0 relative to its spread keeps a float16 zero point in range", () => {
    const w = row([100, 100.001, 100.002, 100.003]);
    const q = quantize(w, { kind: "matmul_nk" }, { bits: 4, zeroPoint: "float", scaleDtype: "float16" });
    const r = values(dequantize(q));
    r.forEach((v, i) => expect(Math.abs(v - (w.data as Float32Array)[i]!)).toBeLessThanOrEqual(q.scales[0]!));
    const fp32 = quantize(w, { kind: "matmul_nk" }, { bits: 4, zeroPoint: "float" });
    expect(Math.abs(values(dequantize(fp32))[1]! - 100.001)).toBeLessThan(1e-4); // fp32 zero points need no widening
  });

  test("an all-zero group reconstructs as zeros", () => {
    for (const opts of [{}, { zeroPoint: "float" }, { symmetric: true }] as QuantizeOptions[]) {
      expect(values(dequantize(quantize(row([0, 0, 0]), { kind: "matmul_nk" }, opts)))).toEqual([0, 0, 0]);
    }
  });
});

describe("quantize() rejects bad input", () => {
  const w = row([1, 2, 3]);
  test("bits outside 2..8, unknown options, non-float tensors and non-finite weights", () => {
    expect(() => quantize(w, { kind: "matmul_nk" }, { bits: 1, name: "fc.w" })).toThrow(
      /Cannot quantize "fc.w": bits must be an integer from 2 to 8, got 1/,
    );
    expect(() => quantize(w, { kind: "matmul_nk" }, { bits: 9 })).toThrow(RangeError);
    expect(() => quantize(w, { kind: "matmul_nk" }, { bits: 4.5 })).toThrow(RangeError);
    expect(() => quantize(w, { kind: "matmul_nk" }, { blockSize: -2 })).toThrow(/non-negative integer/);
    expect(() => quantize(w, { kind: "matmul_nk" }, { algorithm: "gptq" as "hqq" })).toThrow(
      /unknown algorithm "gptq"/,
    );
    expect(() => quantize(w, { kind: "matmul_nk" }, { hqq: { lpNorm: 2 }, algorithm: "hqq" })).toThrow(/lpNorm/);
    expect(() => quantize(w, { kind: "matmul_nk" }, { zeroPoint: "fp8" as "float" })).toThrow(/zeroPoint/);
    const ints = new Tensor("int32", new Int32Array([1, 2]), [1, 2]);
    expect(() => quantize(ints, { kind: "matmul_nk" })).toThrow(TypeError);
    expect(() => quantize(row([1, NaN]), { kind: "matmul_nk" }, { name: "x" })).toThrow(/"x": element 1 is NaN/);
    expect(() => quantize(row([1, 2]), { kind: "conv_transpose", group: 3 })).toThrow(/group 3 does not divide/);
  });

  test("dequantize() rejects a record whose scales do not match its layout", () => {
    const q = quantize(w, { kind: "matmul_nk" });
    expect(() => dequantize({ ...q, scales: new Float32Array(2) })).toThrow(/needs 1 scales and zero points, got 2/);
    expect(() => dequantize({ ...q, data: new Uint8Array(0) })).toThrow(RangeError);
  });
});
