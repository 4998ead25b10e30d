import { describe, expect, test } from "bun:test";
import { flushSubnormals, MIN_NORMAL_F32 } from "../../src/kernels/_flush_subnormals.ts";
import type { Activation } from "../../src/kernels/activation.ts";
import { f32GemmRef } from "../../src/kernels/ref/f32_gemm_ref.ts";
import { seededRandom } from "../_random.ts";
import {
  availableVariants,
  expectWithin,
  F32_ACCUMULATION,
  kernelsFor,
  randomF32,
  randomInt,
} from "./_kernel_suite.ts";

const ACTIVATIONS: Activation[] = [
  "none",
  "relu",
  "relu6",
  "hardswish",
  "sigmoid",
  "tanh",
  "swish",
  { kind: "clip", min: -0.5, max: 0.25 },
  { kind: "hardsigmoid", alpha: 0.2, beta: 0.5 },
  { kind: "leakyrelu", alpha: 0.1 },
  { kind: "hardswish", scale: 0.75, shift: -0.125 },
];

/** Fixed edge shapes (tile multiples, one past, one short) plus seeded random ones. */
function shapes(): Array<[number, number, number]> {
  const fixed: Array<[number, number, number]> = [[1, 1, 1], [6, 8, 4], [7, 9, 5], [5, 7, 3], [12, 16, 32], [
    13,
    17,
    33,
  ]];
  const next = seededRandom(11);
  for (let i = 0; i < 12; i++) fixed.push([randomInt(next, 1, 20), randomInt(next, 1, 40), randomInt(next, 1, 70)]);
  fixed.push([37, 70, 150]);
  return fixed;
}

for (const variant of availableVariants()) {
  describe(`f32-gemm (${variant})`, () => {
    test("matches the float64 reference on random and odd-edge shapes, both B layouts, with bias", async () => {
      const kernels = await kernelsFor(variant);
      let seed = 100;
      for (const [m, n, k] of shapes()) {
        for (const layout of ["kn", "nk"] as const) {
          const a = randomF32(m * k, seed++);
          const b = randomF32(k * n, seed++);
          const bias = randomF32(n, seed++);
          using w = kernels.packF32Gemm(b, { k, n, layout, bias });
          const ours = kernels.gemmF32(a, w);
          const ref = f32GemmRef(a, b, { m, n, k, bLayout: layout, bias });
          expectWithin(ours, ref, F32_ACCUMULATION, `${kernels.names.f32Gemm} m=${m} n=${n} k=${k} ${layout}`);
        }
      }
    });

    test("fuses every activation, with row bias and no column bias", async () => {
      const kernels = await kernelsFor(variant);
      const [m, n, k] = [9, 19, 23];
      const a = randomF32(m * k, 1, -2, 2);
      const b = randomF32(k * n, 2, -2, 2);
      const rowBias = randomF32(m, 3);
      using w = kernels.packF32Gemm(b, { k, n });
      for (const activation of ACTIVATIONS) {
        const ours = kernels.gemmF32(a, w, { activation, rowBias });
        const ref = f32GemmRef(a, b, { m, n, k, rowBias, activation });
        expectWithin(ours, ref, F32_ACCUMULATION, `${kernels.names.f32Gemm} ${JSON.stringify(activation)}`);
      }
    });

    test("writes into a caller's array and leaves no kernel memory behind", async () => {
      const kernels = await kernelsFor(variant);
      const before = kernels.module.heap.allocatedBytes;
      const out = new Float32Array(3 * 5);
      {
        using w = kernels.packF32Gemm(randomF32(4 * 5, 4), { k: 4, n: 5 });
        const got = kernels.gemmF32(randomF32(3 * 4, 5), w, { out });
        if (got !== out) throw new Error("out was not used");
      }
      if (kernels.module.heap.allocatedBytes !== before) throw new Error("leaked kernel memory");
    });

    test("stores subnormal B values as zero and leaves the caller's array alone", async () => {
      const kernels = await kernelsFor(variant);
      // Every product is subnormal: kept, the sums would be 5 · 1e-40 and 5 · -1e-40, not zero.
      const b = new Float32Array(5 * 2).map((_, i) => (i % 2 === 0 ? 1e-40 : -1e-40));
      using w = kernels.packF32Gemm(b, { k: 5, n: 2 });
      expect([...kernels.gemmF32(new Float32Array(5).fill(1), w)]).toEqual([0, 0]);
      expect(b[0]).toBe(Math.fround(1e-40));
      // The smallest normal value is kept.
      using normal = kernels.packF32Gemm(new Float32Array([MIN_NORMAL_F32, -MIN_NORMAL_F32]), { k: 1, n: 2 });
      expect([...kernels.gemmF32(new Float32Array([1]), normal)]).toEqual([MIN_NORMAL_F32, -MIN_NORMAL_F32]);
    });
  });
}

test("flushSubnormals zeroes exactly the nonzero values below 2^-126 in magnitude", () => {
  const below = Math.fround(MIN_NORMAL_F32 * (1 - 2 ** -23)); // the largest subnormal
  const w = new Float32Array([below, -below, MIN_NORMAL_F32, -MIN_NORMAL_F32, 2 ** -149, 0, -0, 1, Infinity, NaN]);
  expect(flushSubnormals(w)).toBe(3);
  expect([...w]).toEqual([0, 0, MIN_NORMAL_F32, -MIN_NORMAL_F32, 0, 0, -0, 1, Infinity, NaN]);
});
