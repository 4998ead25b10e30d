// The fp32 GEMM tiles' two ways of reading A (kernels/src/f32_gemm_a4.rs): vector loads of rows
// interleaved on the stack (or prepared so, the Winograd weights) and one splat load per row. Every build
// runs both on its own instance: each matches the float64 reference and the two give the same bits.
import { describe, expect, test } from "bun:test";
import { gemmVectorLoadsPay } from "../../src/kernels/_gemm_a_loads.ts";
import { Kernels } from "../../src/kernels/kernels.ts";
import { loadKernelModule } from "../../src/kernels/kernel_module.ts";
import { type Conv2dGeometry, conv2dOutputSize, f32Conv2dRef } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { f32GemmRef } from "../../src/kernels/ref/f32_gemm_ref.ts";
import { availableVariants, expectWithin, F32_ACCUMULATION, randomF32 } from "./_kernel_suite.ts";

/** `[m, n, k]`: rows not a multiple of 4, k = 1, n < 8, partial panels, and k past the 4096-deep stack buffer. */
const GEMM_SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 5, 1],
  [4, 8, 1],
  [5, 7, 3],
  [6, 8, 4],
  [7, 9, 5],
  [13, 17, 33],
  [9, 3, 70],
  [2, 11, 129],
  [5, 9, 4097],
];

/** The conv paths over the GEMM: 1×1 read in place (kdim ≤ 64) and packed (kdim > 64), one pixel (the
 * matrix-vector product), im2col, grouped, and Winograd with output channels not a multiple of 4. */
const CONVS: Array<{ g: Conv2dGeometry; winograd: boolean }> = [
  { g: { c: 24, h: 5, w: 7, oc: 10, kh: 1, kw: 1 }, winograd: false },
  { g: { c: 70, h: 3, w: 9, oc: 7, kh: 1, kw: 1 }, winograd: false },
  { g: { c: 9, h: 1, w: 1, oc: 11, kh: 1, kw: 1 }, winograd: false },
  { g: { c: 5, h: 9, w: 11, oc: 6, kh: 3, kw: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, winograd: false },
  { g: { c: 8, h: 6, w: 6, oc: 6, kh: 3, kw: 3, group: 2, pads: [1, 1, 1, 1] }, winograd: false },
  { g: { c: 7, h: 9, w: 13, oc: 5, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, winograd: true },
  { g: { c: 3, h: 6, w: 37, oc: 9, kh: 3, kw: 3, pads: [0, 1, 2, 1] }, winograd: true },
];

function sameBits(a: Float32Array, b: Float32Array, where: string): void {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let bad = 0;
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) bad++;
  expect(bad, `${where}: values whose bits differ between vector and splat loads`).toBe(0);
}

for (const variant of availableVariants()) {
  describe(`f32 GEMM A loads (${variant})`, () => {
    test("vector and splat loads of A match the reference and each other on odd GEMM shapes", async () => {
      const module = await loadKernelModule(variant);
      const kernels = new Kernels(module);
      let seed = 9100;
      for (const [m, n, k] of GEMM_SHAPES) {
        const a = randomF32(m * k, seed++);
        const b = randomF32(k * n, seed++);
        const bias = randomF32(n, seed++);
        const rowBias = randomF32(m, seed++);
        using w = kernels.packF32Gemm(b, { k, n, bias });
        const ref = f32GemmRef(a, b, { m, n, k, bias, rowBias, activation: "relu" });
        const runs: Float32Array[] = [];
        for (const vector of [0, 1]) {
          module.exports.bl_f32_gemm_set_vector_loads(vector);
          const ours = kernels.gemmF32(a, w, { rowBias, activation: "relu" });
          expectWithin(ours, ref, F32_ACCUMULATION, `${kernels.names.f32Gemm} m=${m} n=${n} k=${k} vector=${vector}`);
          runs.push(ours);
        }
        sameBits(runs[0]!, runs[1]!, `${kernels.names.f32Gemm} m=${m} n=${n} k=${k}`);
      }
    });

    test("vector and splat loads of A match the reference and each other on every GEMM conv path", async () => {
      const module = await loadKernelModule(variant);
      const kernels = new Kernels(module);
      let seed = 9300;
      for (const { g, winograd } of CONVS) {
        const x = randomF32(g.c * g.h * g.w, seed++);
        const wt = randomF32((g.oc * g.c / (g.group ?? 1)) * g.kh * g.kw, seed++);
        const bias = randomF32(g.oc, seed++);
        using conv = kernels.prepareConv2dF32(wt, {
          outChannels: g.oc,
          inChannels: g.c,
          kernel: [g.kh, g.kw],
          bias,
          winograd,
          ...(g.group !== undefined && { group: g.group }),
        });
        const options = {
          height: g.h,
          width: g.w,
          ...(g.strides && { strides: g.strides }),
          ...(g.pads && { pads: g.pads }),
        };
        const [oh, ow] = conv2dOutputSize(g);
        const ref = f32Conv2dRef(x, wt, bias, g);
        const runs: Float32Array[] = [];
        for (const vector of [0, 1]) {
          module.exports.bl_f32_gemm_set_vector_loads(vector);
          const y = kernels.conv2dF32(x, conv, options);
          expect(y.kernel).toBe(winograd ? kernels.names.conv2dWinograd : kernels.names.conv2d);
          expect(y.data.length).toBe(g.oc * oh * ow);
          expectWithin(y.data, ref, F32_ACCUMULATION, `${y.kernel} ${JSON.stringify(g)} vector=${vector}`);
          runs.push(y.data);
        }
        sameBits(runs[0]!, runs[1]!, `${JSON.stringify(g)}`);
      }
    });
  });
}

test("vector loads are chosen for the relaxed build under Deno only", () => {
  expect(gemmVectorLoadsPay("Deno/2.9.6", "relaxed")).toBe(true);
  expect(gemmVectorLoadsPay("Deno/2.9.6", "simd128")).toBe(false);
  expect(gemmVectorLoadsPay("Bun/1.4.4", "relaxed")).toBe(false);
  expect(gemmVectorLoadsPay(undefined, "relaxed")).toBe(false);
});
