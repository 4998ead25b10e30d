// The wasm Softmax rows (kernels/src/f32_softmax.rs) give the TypeScript fast path's bits exactly on every
// build: outputs and LogSoftmax's row max and sum, over PP-OCR rec's shapes, odd row lengths (the SIMD
// loops' tails), wide spreads (exp's edge path, underflow), ±Infinity, NaN and signed zeros.
import { describe, expect, test } from "bun:test";
import { KernelError } from "../../src/kernels/kernel_error.ts";
import { maxExpSumRowsTs, softmaxRowsTs } from "../../src/runtime/fast/f32_softmax_op.ts";
import { availableVariants, expectSameBits, kernelsFor, randomF32 } from "./_kernel_suite.ts";

interface Case {
  rows: number;
  n: number;
  lo: number;
  hi: number;
}

const CASES: Case[] = [
  { rows: 40, n: 6625, lo: -12, hi: 12 }, // rec's classifier
  { rows: 320, n: 40, lo: -12, hi: 12 }, // SVTR attention
  { rows: 6, n: 7, lo: -12, hi: 12 },
  { rows: 5, n: 1, lo: -3, hi: 3 },
  { rows: 4, n: 5, lo: -1e-3, hi: 1e-3 },
  { rows: 8, n: 33, lo: -120, hi: 120 }, // exponentials underflow
  { rows: 6, n: 64, lo: -800, hi: 0 }, // exp's edge path: subnormal results, 0
  { rows: 5, n: 777, lo: -744, hi: 0 },
  { rows: 4, n: 1030, lo: -1e30, hi: 1e30 }, // every exponential but the max's is 0
];

/** Rows 0–3: a −∞, a +∞, a NaN, all −∞; row 4 (when there is one): ±0 maxima mixed with negatives. */
function withSpecials(x: Float32Array, n: number): Float32Array {
  if (x.length >= 4 * n && n >= 2) {
    x[1] = -Infinity;
    x[n + 1] = Infinity;
    x[2 * n] = NaN;
    x.fill(-Infinity, 3 * n, 4 * n);
  }
  if (x.length >= 5 * n) {
    for (let i = 4 * n; i < 5 * n; i++) {
      x[i] = i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : -Math.abs(x[i]!);
    }
  }
  return x;
}

for (const variant of availableVariants()) {
  describe(`f32-softmax-rows (${variant})`, () => {
    test("Softmax equals the TypeScript path bit for bit", async () => {
      const kernels = await kernelsFor(variant);
      for (const [i, c] of CASES.entries()) {
        const x = withSpecials(randomF32(c.rows * c.n, 300 + i, c.lo, c.hi), c.n);
        const want = new Float32Array(x.length);
        softmaxRowsTs(x, c.n, want);
        const got = kernels.softmaxRowsF32(x, c.n);
        expectSameBits(got, want, `${variant} softmax ${c.rows}×${c.n} in [${c.lo}, ${c.hi})`);
      }
      expect(kernels.ran()).toContain(`f32-softmax-rows-${variant}`);
      expect(kernels.module.heap.allocatedBytes).toBe(0);
    });

    test("LogSoftmax's row max and sum equal the TypeScript path bit for bit", async () => {
      const kernels = await kernelsFor(variant);
      for (const [i, c] of CASES.entries()) {
        const x = withSpecials(randomF32(c.rows * c.n, 400 + i, c.lo, c.hi), c.n);
        // A zero max may come out with either sign (lane maxima; no output depends on it): compared as numbers.
        const zeroSign = (s: Float64Array) => s.map((v, k) => (k % 2 === 0 && v === 0 ? 0 : v));
        const got = zeroSign(kernels.maxExpSumRowsF32(x, c.n));
        expectSameBits(got, zeroSign(maxExpSumRowsTs(x, c.n)), `${variant} max/sum ${c.rows}×${c.n}`);
      }
      expect(kernels.module.heap.allocatedBytes).toBe(0);
    });

    test("rejects rows that do not tile the input, and the export checks its arguments", async () => {
      const kernels = await kernelsFor(variant);
      expect(() => kernels.softmaxRowsF32(new Float32Array(10), 3)).toThrow(RangeError);
      expect(() => kernels.maxExpSumRowsF32(new Float32Array(4), 0)).toThrow(RangeError);
      expect(() => kernels.softmaxRowsF32(new Float32Array(4), 2, new Float32Array(3))).toThrow(RangeError);
      const m = kernels.module;
      expect(m.exports.bl_f32_softmax_rows(0, 4, 64, 64, 64)).toBe(2); // BadShape
      expect(m.exports.bl_f32_softmax_rows(1, 4, 66, 64, 64)).toBe(1); // BadPointer: misaligned x
      expect(m.exports.bl_f32_max_exp_sum_rows(1, 4, 64, 64, 4)).toBe(1); // BadPointer: misaligned max_sum
      expect(() => m.check(m.exports.bl_f32_softmax_rows(1, 4, 0, 64, 64), "softmax", () => "null x")).toThrow(
        KernelError,
      );
    });
  });
}
