// f32-conv2d-winograd-2x2-*: every build against the float32-step reference (scalar and SIMD128 exactly)
// and against the float64 direct convolution within the Winograd budget; the routing rule; Deno's bits.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Activation } from "../../src/kernels/activation.ts";
import { KernelStatus } from "../../src/kernels/status.ts";
import { type Conv2dGeometry, conv2dOutputSize, f32Conv2dRef } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { f32Conv2dWinogradRef } from "../../src/kernels/ref/f32_winograd_ref.ts";
import {
  availableVariants,
  type Budget,
  EXACT,
  expectWithin,
  F32_ACCUMULATION,
  kernelsFor,
  randomF32,
} from "./_kernel_suite.ts";
import { winogradCase } from "./_winograd_case.ts";

/**
 * Winograd F(2×2, 3×3) vs the float64 direct convolution, as a fraction of max|ref|. The transforms
 * add a few float32 roundings per tile but the GEMMs sum 16 shorter dot products (length c, not 9c):
 * measured at most 6.3e-7 on random operands up to c = 256 (im2col + GEMM: 1.5e-6), every build.
 */
const WINOGRAD: Budget = { name: "winograd-f2x2-3x3", kind: "relative", tolerance: 2e-6 };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Odd and even output sizes (partial tiles, rows padded to 4 tiles), pads 0..2 and asymmetric, oc not a
 * multiple of the GEMM's 4 rows, and one image big enough for several chunks of tile rows. */
const GEOMETRIES: Conv2dGeometry[] = [
  { c: 8, h: 9, w: 13, oc: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
  { c: 16, h: 11, w: 17, oc: 12, kh: 3, kw: 3 },
  { c: 5, h: 8, w: 8, oc: 9, kh: 3, kw: 3, pads: [2, 2, 2, 2] },
  { c: 3, h: 6, w: 37, oc: 5, kh: 3, kw: 3, pads: [0, 1, 2, 1] },
  { c: 2, h: 7, w: 30, oc: 1, kh: 3, kw: 3, pads: [1, 0, 0, 2] },
  { c: 7, h: 4, w: 4, oc: 6, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
  { c: 96, h: 20, w: 40, oc: 24, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
];

/** Piecewise-linear activations (the reference replays them exactly) and sigmoid (within budget). */
const ACTIVATIONS: Activation[] = [
  "relu",
  "hardswish",
  { kind: "clip", min: -0.2, max: 0.4 },
  {
    kind: "leakyrelu",
    alpha: 0.1,
  },
  { kind: "hardswish", scale: 1.25, shift: 0.5 },
  "sigmoid",
];

for (const variant of availableVariants()) {
  describe(`f32-conv2d-winograd-2x2 (${variant})`, () => {
    test("matches the float32-step reference (exactly off the relaxed build) and the float64 direct conv", async () => {
      const kernels = await kernelsFor(variant);
      let seed = 7000;
      for (const g of GEOMETRIES) {
        const [oh, ow] = conv2dOutputSize(g);
        const x = randomF32(2 * g.c * g.h * g.w, seed++);
        const wt = randomF32(g.oc * g.c * 9, seed++);
        const bias = randomF32(g.oc, seed++);
        using conv = kernels.prepareConv2dF32(wt, { outChannels: g.oc, inChannels: g.c, kernel: [3, 3], bias });
        const y = kernels.conv2dF32(x, conv, { height: g.h, width: g.w, batch: 2, ...(g.pads && { pads: g.pads }) });
        expect(y.kernel).toBe(kernels.names.conv2dWinograd);
        const size = g.c * g.h * g.w, outSize = g.oc * oh * ow;
        for (let b = 0; b < 2; b++) {
          const xb = x.subarray(b * size, (b + 1) * size);
          const ours = y.data.subarray(b * outSize, (b + 1) * outSize);
          const where = `${y.kernel} ${JSON.stringify(g)} image ${b}`;
          expectWithin(ours, f32Conv2dRef(xb, wt, bias, g), WINOGRAD, where);
          if (variant !== "relaxed") expectWithin(ours, f32Conv2dWinogradRef(xb, wt, bias, g), EXACT, where);
        }
      }
    });

    // Clamping activations shrink max|ref| below the pre-activation scale the error follows: checked within
    // the conv suite's accumulation budget against float64, and exactly against the float32-step reference.
    test("fuses bias and every activation kind", async () => {
      const kernels = await kernelsFor(variant);
      const g: Conv2dGeometry = { c: 6, h: 9, w: 14, oc: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1] };
      const x = randomF32(6 * 9 * 14, 71, -2, 2);
      const wt = randomF32(7 * 6 * 9, 72);
      const bias = randomF32(7, 73);
      using conv = kernels.prepareConv2dF32(wt, { outChannels: 7, inChannels: 6, kernel: [3, 3], bias });
      for (const activation of ACTIVATIONS) {
        const y = kernels.conv2dF32(x, conv, { height: 9, width: 14, pads: [1, 1, 1, 1], activation });
        expect(y.kernel).toBe(kernels.names.conv2dWinograd);
        const where = `${y.kernel} ${JSON.stringify(activation)}`;
        expectWithin(y.data, f32Conv2dRef(x, wt, bias, g, activation), F32_ACCUMULATION, where);
        if (variant !== "relaxed" && activation !== "sigmoid") {
          expectWithin(y.data, f32Conv2dWinogradRef(x, wt, bias, g, activation), EXACT, where);
        }
      }
    });

    test("im2col keeps strided, dilated, grouped, single-channel, tiny and opted-out convs", async () => {
      const kernels = await kernelsFor(variant);
      const cases: Array<[Conv2dGeometry, boolean]> = [
        [{ c: 8, h: 12, w: 12, oc: 8, kh: 3, kw: 3, strides: [2, 2], pads: [1, 1, 1, 1] }, true],
        [{ c: 8, h: 12, w: 12, oc: 8, kh: 3, kw: 3, dilations: [2, 2], pads: [2, 2, 2, 2] }, true],
        [{ c: 8, h: 12, w: 12, oc: 8, kh: 3, kw: 3, group: 2, pads: [1, 1, 1, 1] }, true],
        [{ c: 1, h: 12, w: 12, oc: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, true],
        [{ c: 8, h: 3, w: 12, oc: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, true], // 3 output rows: below the rule
        [{ c: 8, h: 12, w: 12, oc: 8, kh: 3, kw: 3, pads: [1, 1, 1, 1] }, false],
      ];
      let seed = 7100;
      for (const [g, winograd] of cases) {
        const group = g.group ?? 1;
        const x = randomF32(g.c * g.h * g.w, seed++);
        const wt = randomF32(g.oc * (g.c / group) * 9, seed++);
        using conv = kernels.prepareConv2dF32(wt, {
          outChannels: g.oc,
          inChannels: g.c,
          kernel: [3, 3],
          group,
          winograd,
        });
        const y = kernels.conv2dF32(x, conv, {
          height: g.h,
          width: g.w,
          ...(g.strides && { strides: g.strides }),
          ...(g.dilations && { dilations: g.dilations }),
          ...(g.pads && { pads: g.pads }),
        });
        expect(y.kernel, JSON.stringify(g)).toBe(kernels.names.conv2d);
        expectWithin(y.data, f32Conv2dRef(x, wt, undefined, g), WINOGRAD, `${y.kernel} ${JSON.stringify(g)}`);
      }
    });

    test("the kernel declines convs it does not run, and dispose() frees the transformed weights", async () => {
      const kernels = await kernelsFor(variant);
      const { exports: ex, heap } = kernels.module;
      const pd = heap.alloc(15 * 4);
      try {
        // c, h, w, oc, group, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow
        heap.u32(pd, 15).set([4, 8, 8, 4, 1, 3, 3, 2, 2, 1, 1, 1, 1, 4, 4]);
        expect(ex.bl_f32_conv2d_winograd_scratch_min(pd)).toBe(0);
        expect(ex.bl_f32_conv2d_winograd(pd, 64, 64, 0, 64, 0, 0, 0, 64, 1 << 20)).toBe(KernelStatus.BadConvParams);
        heap.u32(pd, 15).set([4, 8, 8, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 8, 8]);
        expect(ex.bl_f32_conv2d_winograd_scratch_min(pd) >>> 0).toBeGreaterThan(0);
        expect(ex.bl_f32_conv2d_winograd(pd, 64, 64, 0, 64, 0, 0, 0, 64, 16)).toBe(KernelStatus.ScratchTooSmall);
      } finally {
        heap.free(pd);
      }
      expect(ex.bl_f32_winograd_transform_weights(0, 3, 64, 64)).toBe(KernelStatus.BadShape);
      // 16 matrices, output channels padded to the GEMM tile's 4 interleaved rows; 0 when too large.
      expect(ex.bl_f32_winograd_weights_bytes(5, 3)).toBe(16 * 8 * 3 * 4);
      expect(ex.bl_f32_winograd_weights_bytes(0, 3)).toBe(0);
      expect(ex.bl_f32_winograd_weights_bytes(65535, 65535)).toBe(0);
      expect(ex.bl_f32_winograd_transform_weights(65535, 65535, 64, 64)).toBe(KernelStatus.Overflow);
      const conv = kernels.prepareConv2dF32(randomF32(4 * 4 * 9, 1), { outChannels: 4, inChannels: 4, kernel: [3, 3] });
      const transformed = conv.winograd!;
      expect(transformed.bytes).toBe(16 * 4 * 4 * 4);
      conv.dispose();
      expect(() => transformed.ptr).toThrow(/disposed/);
    });
  });
}

describe("f32-conv2d-winograd-2x2 determinism", () => {
  test("the SIMD128 build gives the same bits under Deno as under Bun", async () => {
    if (!availableVariants().includes("simd128")) return;
    const kernels = await kernelsFor("simd128");
    const here = winogradCase(kernels);
    const run = spawnSync(`${ROOT}node_modules/.bin/deno`, ["run", "--allow-read", "tests/kernels/_winograd_bits.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr.includes("error") ? run.stderr : "").toBe("");
    expect(run.stdout.trim()).toBe(`${kernels.names.conv2dWinograd} ${here}`);
  });
});
