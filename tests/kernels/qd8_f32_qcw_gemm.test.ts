import { describe, expect, test } from "bun:test";
import type { Activation } from "../../src/kernels/activation.ts";
import { f32GemmRef } from "../../src/kernels/ref/f32_gemm_ref.ts";
import {
  qcwBlockLength,
  qcwBlocks,
  qcwOffsets,
  type QcwWeights,
  qd8F32QcwGemmRef,
} from "../../src/kernels/ref/qd8_f32_qcw_gemm_ref.ts";
import { quantizeRowsRef } from "../../src/kernels/ref/quantize_rows_ref.ts";
import { seededRandom } from "../_random.ts";
import {
  availableVariants,
  EXACT,
  expectWithin,
  kernelsFor,
  randomF32,
  randomInt,
  randomInts,
  TRANSCENDENTAL,
} from "./_kernel_suite.ts";

const BITS = [8, 4, 2] as const;

/** Random weights: symmetric (default offsets) or MNN-style asymmetric (float min as offset). */
function weights(n: number, k: number, bits: 2 | 4 | 8, blockSize: number, asym: boolean, seed: number): QcwWeights {
  const nb = qcwBlocks(k, blockSize);
  const w: QcwWeights = {
    n,
    k,
    bits,
    blockSize,
    codes: randomInts(n * k, seed, 2 ** bits),
    scales: randomF32(n * nb, seed + 1, 0.001, 0.05),
    bias: randomF32(n, seed + 2),
  };
  if (asym) w.offsets = randomF32(n * nb, seed + 3, -0.5, 0.1);
  return w;
}

/** Random and odd-edge shapes (k not a multiple of 8, the block, or the tile; n not a multiple of 8; m past one row tile). */
function shapes(): Array<[number, number, number]> {
  const fixed: Array<[number, number, number]> = [
    [1, 1, 1],
    [6, 8, 8],
    [7, 9, 13],
    [2, 16, 64],
    [13, 17, 67],
    // past one 8-row tile (the widest): remainders 7, 6 and 1
    [15, 9, 24],
    [14, 8, 16],
    [17, 11, 40],
  ];
  const next = seededRandom(31);
  for (let i = 0; i < 6; i++) fixed.push([randomInt(next, 1, 15), randomInt(next, 1, 30), randomInt(next, 1, 100)]);
  return fixed;
}

describe("qd8F32QcwGemmRef", () => {
  test("approximates the fp32 GEMM of the dequantized weights (cosine ≥ 0.999 at 8 bits)", () => {
    const [m, n, k] = [5, 12, 96];
    const x = randomF32(m * k, 1, -1, 1);
    for (const asymmetric of [false, true]) {
      const w = weights(n, k, 8, 32, true, 9);
      const offsets = qcwOffsets(w);
      const bl = qcwBlockLength(k, 32);
      const dequant = new Float32Array(n * k).map((_, i) => {
        const j = Math.floor(i / k), b = Math.floor((i % k) / bl);
        return w.codes[i]! * w.scales[j * 3 + b]! + offsets[j * 3 + b]!;
      });
      const ref = f32GemmRef(x, dequant, { m, n, k, bLayout: "nk", bias: w.bias! });
      const got = qd8F32QcwGemmRef(quantizeRowsRef(x, { m, k, asymmetric }), w);
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < ref.length; i++) {
        dot += ref[i]! * got[i]!;
        na += ref[i]! ** 2;
        nb += got[i]! ** 2;
      }
      expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.999);
    }
  });
});

for (const variant of availableVariants()) {
  describe(`qd8-f32-qcXw-gemm (${variant})`, () => {
    for (const bits of BITS) {
      test(`qc${bits}w equals the reference exactly: per channel and per block, both weight and activation modes`, async () => {
        const kernels = await kernelsFor(variant);
        let seed = 1000 * bits;
        for (const [m, n, k] of shapes()) {
          for (const blockSize of [0, 8, 16, 32]) {
            for (const [asymW, asymA] of [[false, false], [true, true], [true, false]] as const) {
              const w = weights(n, k, bits, blockSize, asymW, seed);
              const x = randomF32(m * k, seed + 7, -2, 1.5);
              seed += 10;
              using packed = kernels.packQcw(w);
              const ours = kernels.qd8F32QcwGemm(x, packed, { asymmetric: asymA });
              const ref = qd8F32QcwGemmRef(quantizeRowsRef(x, { m, k, asymmetric: asymA }), w);
              const where = `${packed.bits}-bit m=${m} n=${n} k=${k} block=${blockSize} asymW=${asymW} asymA=${asymA}`;
              expectWithin(ours, ref, EXACT, `${kernels.names[`qc${bits}w`]} ${where}`);
            }
          }
        }
      });
    }

    test("stays exact at extreme codes and long k (int32 sums past 2^24, rounded conversions)", async () => {
      const kernels = await kernelsFor(variant);
      const [m, n, k] = [3, 9, 4100];
      for (const bits of BITS) {
        const w = weights(n, k, bits, 0, true, 90 + bits);
        w.codes.fill(2 ** bits - 1);
        for (let j = 0; j < k; j += 7) w.codes[j] = 0;
        const x = new Float32Array(m * k).map((_, i) => (i % 3 === 0 ? -1 : i % 3 === 1 ? 1 : 0.999));
        for (const asymmetric of [false, true]) {
          using packed = kernels.packQcw(w);
          const ours = kernels.qd8F32QcwGemm(x, packed, { asymmetric });
          const ref = qd8F32QcwGemmRef(quantizeRowsRef(x, { m, k, asymmetric }), w);
          expectWithin(ours, ref, EXACT, `${bits}-bit extreme k=${k} asymmetric=${asymmetric}`);
        }
      }
    });

    test("fuses every activation (piecewise-linear exactly, sigmoid/tanh within their budget)", async () => {
      const kernels = await kernelsFor(variant);
      const [m, n, k] = [7, 21, 40];
      const w = weights(n, k, 4, 16, true, 77);
      const x = randomF32(m * k, 78, -3, 3);
      const q = quantizeRowsRef(x, { m, k, asymmetric: true });
      using packed = kernels.packQcw(w);
      const cases: Array<[Activation, typeof EXACT]> = [
        ["relu", EXACT],
        ["relu6", EXACT],
        ["hardswish", EXACT],
        [{ kind: "hardswish", scale: -0.5, shift: 0.25 }, EXACT],
        [{ kind: "clip", min: -0.3, max: 0.2 }, EXACT],
        [{ kind: "hardsigmoid", alpha: 0.2, beta: 0.5 }, EXACT],
        [{ kind: "leakyrelu", alpha: 0.01 }, EXACT],
        ["sigmoid", TRANSCENDENTAL],
        ["tanh", TRANSCENDENTAL],
        ["swish", TRANSCENDENTAL],
      ];
      for (const [activation, budget] of cases) {
        const ours = kernels.qd8F32QcwGemm(q, packed, { activation });
        expectWithin(
          ours,
          qd8F32QcwGemmRef(q, w, activation),
          budget,
          `${kernels.names.qc4w} ${JSON.stringify(activation)}`,
        );
      }
    });

    test("stays exact when a row tile mixes zero and non-zero activation zero points (per block and per channel)", async () => {
      const kernels = await kernelsFor(variant);
      const [m, n, k] = [19, 13, 72];
      for (const bits of BITS) {
        for (const blockSize of [0, 32]) {
          const w = weights(n, k, bits, blockSize, true, 300 + bits + blockSize);
          const q = quantizeRowsRef(randomF32(m * k, 301 + bits, -2, 1.5), { m, k, asymmetric: true });
          // Every third row keeps zero point 0 (the epilogue's za·colsum step must still run for the rest).
          for (let i = 0; i < m; i += 3) q.zeroPoint[i] = 0;
          using packed = kernels.packQcw(w);
          const where = `${bits}-bit block=${blockSize} mixed zero points`;
          expectWithin(kernels.qd8F32QcwGemm(q, packed), qd8F32QcwGemmRef(q, w), EXACT, where);
        }
      }
    });

    test("stays exact at the zero-point fold's i16 limit (colsum 2^15 - 8) and one step past it", async () => {
      const kernels = await kernelsFor(variant);
      // SIMD tiles start each block's sums at -za·colsum by an i16 dot while bl·(2^bits - 1) ≤ 32767:
      // the largest such block (all codes at max: colsum = 32760 or 32640) and the next block size up
      // (the fallback), with extreme zero points -128 and 127, over 9 rows (a full 8-row tile and one more).
      const [m, n] = [9, 9];
      for (const bits of BITS) {
        const limit = Math.floor(32767 / (2 ** bits - 1) / 8) * 8;
        for (const blockSize of [limit, limit + 8]) {
          const k = 2 * blockSize + 24;
          const w = weights(n, k, bits, blockSize, true, 500 + bits);
          w.codes.fill(2 ** bits - 1);
          for (let j = 0; j < n * k; j += 97) w.codes[j] = 0;
          const q = quantizeRowsRef(randomF32(m * k, 501 + bits, -1, 1), { m, k, asymmetric: true });
          q.q.fill(127, 0, k);
          q.q.fill(-128, k, 2 * k);
          for (let i = 0; i < m; i++) q.zeroPoint[i] = i % 2 === 0 ? -128 : 127;
          using packed = kernels.packQcw(w);
          const where = `${bits}-bit block=${blockSize} extreme colsums and zero points`;
          expectWithin(kernels.qd8F32QcwGemm(q, packed), qd8F32QcwGemmRef(q, w), EXACT, where);
        }
      }
    });

    test("takes pre-quantized rows and rejects wrong shapes before calling the kernel", async () => {
      const kernels = await kernelsFor(variant);
      const w = weights(10, 24, 2, 8, false, 5);
      const x = randomF32(3 * 24, 6);
      using packed = kernels.packQcw(w);
      const q = kernels.quantizeRowsInt8(x, { k: 24 });
      expectWithin(kernels.qd8F32QcwGemm(q, packed), kernels.qd8F32QcwGemm(x, packed), EXACT, "pre-quantized rows");
      expect(() => kernels.qd8F32QcwGemm(randomF32(25, 1), packed)).toThrow(/expected rows of k = 24/);
      expect(() => kernels.packQcw({ ...w, bits: 3 as 2 })).toThrow(RangeError);
      expect(() => kernels.packQcw({ ...w, blockSize: 12 })).toThrow(/multiple of 8/);
      expect(() => kernels.packQcw({ ...w, scales: new Float32Array(3) })).toThrow(/scales has 3 elements/);
      expect(() => kernels.packQcw({ ...w, codes: new Uint8Array(240).fill(4) })).toThrow(/CodeOutOfRange/);
    });
  });
}
