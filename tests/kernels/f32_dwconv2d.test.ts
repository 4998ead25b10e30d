// The depthwise kernel's block paths (two output rows × 16/8/4 columns, the overlapping last block,
// rows narrower than 4, split stride-2 rows, strides down larger than the kernel, kernel widths other
// than 3 and 5) against the float64 reference on every build, and the SIMD128 build bit-for-bit against
// the scalar build (both sum bias then the taps in ky, kx order with a separate multiply and add).
import { describe, expect, test } from "bun:test";
import type { Activation } from "../../src/kernels/activation.ts";
import { type Conv2dGeometry, conv2dOutputSize, f32Conv2dRef } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import type { Kernels } from "../../src/kernels/kernels.ts";
import { availableVariants, expectWithin, F32_ACCUMULATION, kernelsFor, randomF32 } from "./_kernel_suite.ts";

type Dw = {
  c: number;
  h: number;
  w: number;
  k: [number, number];
  s?: [number, number];
  p?: [number, number, number, number];
};

/** Depthwise geometries: [c, h, w] with kernel, strides and pads [top, left, bottom, right]. */
const CASES: Dw[] = [
  // PP-OCR families at small channel counts: 3×3 s1/(2,1)/(1,2)/(2,2), 5×5 s1/(2,1)/(2,2).
  { c: 3, h: 12, w: 40, k: [3, 3], p: [1, 1, 1, 1] },
  { c: 2, h: 12, w: 40, k: [3, 3], s: [2, 1], p: [1, 1, 1, 1] },
  { c: 2, h: 6, w: 40, k: [3, 3], s: [1, 2], p: [1, 1, 1, 1] },
  { c: 2, h: 20, w: 20, k: [3, 3], s: [2, 2], p: [1, 1, 1, 1] },
  { c: 3, h: 6, w: 40, k: [5, 5], p: [2, 2, 2, 2] },
  { c: 2, h: 6, w: 40, k: [5, 5], s: [2, 1], p: [2, 2, 2, 2] },
  { c: 2, h: 3, w: 40, k: [5, 5], p: [2, 2, 2, 2] },
  { c: 2, h: 10, w: 10, k: [5, 5], s: [2, 2], p: [2, 2, 2, 2] },
  // Output widths 1, 2, 3 (one output at a time), 5–7 and 13 (last four columns recomputed), 8, 12, 20.
  { c: 2, h: 5, w: 1, k: [3, 3], p: [1, 1, 1, 1] },
  { c: 2, h: 4, w: 2, k: [3, 3], p: [1, 1, 1, 1] },
  { c: 2, h: 7, w: 7, k: [5, 5], s: [1, 2], p: [2, 2, 2, 2] },
  { c: 2, h: 6, w: 5, k: [3, 3], p: [1, 1, 1, 1] },
  { c: 2, h: 5, w: 7, k: [5, 5], p: [2, 2, 2, 2] },
  { c: 2, h: 5, w: 13, k: [3, 3], p: [1, 1, 1, 1] },
  { c: 2, h: 9, w: 8, k: [3, 3], p: [0, 1, 2, 1] },
  { c: 2, h: 5, w: 25, k: [3, 3], s: [1, 2], p: [1, 0, 1, 1] },
  { c: 2, h: 4, w: 20, k: [5, 5], p: [2, 2, 2, 2] },
  // Strides down 3 and 4 (no plane row shared by a row pair), odd output heights, one output row.
  { c: 2, h: 17, w: 22, k: [3, 3], s: [3, 1], p: [1, 1, 1, 1] },
  { c: 2, h: 21, w: 18, k: [3, 3], s: [4, 2], p: [1, 2, 0, 1] },
  { c: 2, h: 3, w: 33, k: [3, 3], p: [0, 1, 0, 1] },
  // Kernel widths other than 3 and 5, non-square kernels, odd and even left pads on split rows.
  { c: 2, h: 9, w: 30, k: [1, 1], s: [2, 2] },
  { c: 2, h: 9, w: 31, k: [2, 2], s: [2, 2], p: [0, 1, 1, 0] },
  { c: 2, h: 11, w: 29, k: [7, 7], p: [3, 3, 3, 3] },
  { c: 2, h: 13, w: 37, k: [7, 7], s: [2, 2], p: [3, 3, 3, 3] },
  { c: 2, h: 8, w: 26, k: [1, 3], s: [1, 2], p: [0, 3, 0, 1] },
  { c: 2, h: 10, w: 19, k: [3, 1], p: [1, 0, 1, 0] },
  { c: 2, h: 9, w: 40, k: [4, 2], s: [2, 2], p: [2, 0, 1, 3] },
  { c: 2, h: 8, w: 24, k: [3, 3], s: [1, 2], p: [1, 4, 1, 0] },
];

const ACTIVATIONS: Activation[] = [
  "none",
  "relu",
  "relu6",
  "hardswish",
  { kind: "hardswish", scale: 0.8, shift: -0.05 },
  "sigmoid",
  {
    kind: "leakyrelu",
    alpha: 0.1,
  },
];

function geometry(g: Dw): Conv2dGeometry {
  return {
    c: g.c,
    h: g.h,
    w: g.w,
    oc: g.c,
    kh: g.k[0],
    kw: g.k[1],
    group: g.c,
    ...(g.s && { strides: g.s }),
    ...(g.p && { pads: g.p }),
  };
}

/** Runs case `i` with activation `a` on one build (two images, so the scratch is reused). */
function run(kernels: Kernels, g: Dw, i: number, a: Activation): { y: Float32Array; kernel: string; x: Float32Array } {
  const x = randomF32(2 * g.c * g.h * g.w, 500 + i, -2, 2);
  using conv = kernels.prepareConv2dF32(randomF32(g.c * g.k[0] * g.k[1], 600 + i), {
    outChannels: g.c,
    inChannels: g.c,
    kernel: g.k,
    group: g.c,
    bias: randomF32(g.c, 700 + i),
  });
  const r = kernels.conv2dF32(x, conv, {
    height: g.h,
    width: g.w,
    batch: 2,
    activation: a,
    ...(g.s && { strides: g.s }),
    ...(g.p && { pads: g.p }),
  });
  return { y: r.data, kernel: r.kernel, x };
}

for (const variant of availableVariants()) {
  describe(`f32-dwconv2d blocks (${variant})`, () => {
    test("match the float64 reference on every block path", async () => {
      const kernels = await kernelsFor(variant);
      CASES.forEach((g, i) => {
        const geo = geometry(g);
        const [oh, ow] = conv2dOutputSize(geo);
        const wt = randomF32(g.c * g.k[0] * g.k[1], 600 + i), bias = randomF32(g.c, 700 + i);
        for (const a of ["none", ACTIVATIONS[i % ACTIVATIONS.length]!] as Activation[]) {
          const { y, kernel, x } = run(kernels, g, i, a);
          expect(kernel).toBe(kernels.names.dwconv2d);
          const size = g.c * g.h * g.w, outSize = g.c * oh * ow;
          for (let b = 0; b < 2; b++) {
            const ref = f32Conv2dRef(x.subarray(b * size, (b + 1) * size), wt, bias, geo, a);
            expectWithin(
              y.subarray(b * outSize, (b + 1) * outSize),
              ref,
              F32_ACCUMULATION,
              `${JSON.stringify(g)} ${b}`,
            );
          }
        }
      });
    });
  });
}

for (const variant of availableVariants()) {
  test(`f32-dwconv2d (${variant}) skips the taps on padding rows, as the reference does`, async () => {
    // PP-OCR cls's shape at few channels: 2 rows, 5×5, pads 2. Weight rows 0 and 4 only ever meet padding
    // rows: made infinite, a summed zero tap would give NaN (∞·0); skipped, the outputs are the reference's.
    const kernels = await kernelsFor(variant);
    const g: Dw = { c: 3, h: 2, w: 21, k: [5, 5], p: [2, 2, 2, 2] };
    const wt = randomF32(g.c * 25, 42);
    for (let ch = 0; ch < g.c; ch++) {
      for (const kx of [0, 1, 2, 3, 4]) wt[ch * 25 + kx] = wt[ch * 25 + 20 + kx] = Infinity;
    }
    const x = randomF32(g.c * g.h * g.w, 43, -2, 2), bias = randomF32(g.c, 44);
    using conv = kernels.prepareConv2dF32(wt, { outChannels: g.c, inChannels: g.c, kernel: g.k, group: g.c, bias });
    const y = kernels.conv2dF32(x, conv, { height: g.h, width: g.w, pads: g.p! }).data;
    expect(y.every(Number.isFinite)).toBe(true);
    expectWithin(y, f32Conv2dRef(x, wt, bias, geometry(g), "none"), F32_ACCUMULATION, "padding rows skipped");
  });
}

const variants = availableVariants();
describe("f32-dwconv2d simd128 vs scalar", () => {
  test.skipIf(!variants.includes("simd128") || !variants.includes("scalar"))(
    "give the same bits on every block path and activation",
    async () => {
      const [simd, scalar] = [await kernelsFor("simd128"), await kernelsFor("scalar")];
      CASES.forEach((g, i) => {
        for (const a of ACTIVATIONS) {
          const fast = run(simd, g, i, a).y, slow = run(scalar, g, i, a).y;
          let diff = 0;
          for (let j = 0; j < fast.length; j++) if (!Object.is(fast[j], slow[j])) diff++;
          expect(`${JSON.stringify(g)} ${JSON.stringify(a)}: ${diff} of ${fast.length} differ`).toBe(
            `${JSON.stringify(g)} ${JSON.stringify(a)}: 0 of ${fast.length} differ`,
          );
        }
      });
    },
  );
});
