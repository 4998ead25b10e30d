// A conv's input scale in kernel memory (`bl_f32_scale_planes`, `inputScale` of conv2dF32 / conv2dChainF32) on
// every build: the conv of x scaled per image and channel has exactly the bits of the conv of the float32
// product `x · s` computed in JavaScript (what the SE gate's Mul op stores), ±Inf and -0 included; NaNs are
// NaN in both (a NaN the multiply creates, ∞·0, has the sign bit set on x86 wasm and not in JavaScript).
import { describe, expect, test } from "bun:test";
import { availableVariants, kernelsFor, randomF32 } from "./_kernel_suite.ts";

/** The values' bits, every NaN as one canonical NaN. */
function bits(a: Float32Array): number[] {
  return [...new Uint32Array(a.buffer, a.byteOffset, a.length)].map((b, i) => (Number.isNaN(a[i]) ? 0x7fc00000 : b));
}

/** `x` (batch × c planes of `plane`) times one factor per image and channel, rounded to float32 as a Mul stores it. */
function scaled(x: Float32Array, scale: Float32Array, plane: number): Float32Array {
  return x.map((v, i) => v * scale[Math.floor(i / plane)]!);
}

for (const variant of availableVariants()) {
  describe(`input scale in kernel memory (${variant})`, () => {
    test("conv2dF32 with inputScale = conv2dF32 of the product, bit for bit (1×1 deep and shallow, depthwise, 3×3)", async () => {
      const kernels = await kernelsFor(variant);
      const cases = [
        { c: 72, oc: 16, k: 1, h: 2, w: 9, group: 1, batch: 2 }, // packed 1×1 (c > 64), odd plane
        { c: 24, oc: 8, k: 1, h: 3, w: 5, group: 1, batch: 1 }, // 1×1 read in place
        { c: 12, oc: 12, k: 3, h: 5, w: 7, group: 12, batch: 2 }, // depthwise
        { c: 5, oc: 6, k: 3, h: 6, w: 11, group: 1, batch: 1 }, // im2col
        { c: 3, oc: 4, k: 1, h: 1, w: 1, group: 1, batch: 2 }, // one pixel
      ];
      for (const [i, g] of cases.entries()) {
        const w = randomF32(g.oc * (g.c / g.group) * g.k * g.k, 10 + i);
        using conv = kernels.prepareConv2dF32(w, {
          outChannels: g.oc,
          inChannels: g.c,
          kernel: [g.k, g.k],
          group: g.group,
          bias: randomF32(g.oc, 20 + i),
        });
        const plane = g.h * g.w;
        const x = randomF32(g.batch * g.c * plane, 30 + i, -3, 3);
        [Number.NaN, Infinity, -Infinity, -0].forEach((v, j) => (x[5 * j + 1] = v));
        const scale = randomF32(g.batch * g.c, 40 + i, -2, 2);
        scale[0] = -0;
        const pads = [(g.k - 1) / 2, (g.k - 1) / 2, (g.k - 1) / 2, (g.k - 1) / 2] as const;
        const o = { batch: g.batch, height: g.h, width: g.w, pads, activation: "relu6" as const };
        const fused = kernels.conv2dF32(x, conv, { ...o, inputScale: scale }).data;
        const plain = kernels.conv2dF32(scaled(x, scale, plane), conv, o).data;
        expect(bits(fused)).toEqual(bits(plain));
      }
    });

    test("conv2dChainF32 scales the chain's input the same way; a wrong-length scale is refused", async () => {
      const kernels = await kernelsFor(variant);
      const [c, h, w] = [70, 3, 10];
      using a = kernels.prepareConv2dF32(randomF32(32 * c, 1), { outChannels: 32, inChannels: c, kernel: [1, 1] });
      using b = kernels.prepareConv2dF32(randomF32(32 * 9, 2), {
        outChannels: 32,
        inChannels: 32,
        kernel: [3, 3],
        group: 32,
      });
      const steps = [{ conv: a, activation: "hardswish" as const }, { conv: b, pads: [1, 1, 1, 1] as const }];
      const x = randomF32(2 * c * h * w, 3, -3, 3);
      const scale = randomF32(2 * c, 4, 0, 1);
      const fused = kernels.conv2dChainF32(x, steps, { batch: 2, height: h, width: w, inputScale: scale }).data;
      const plain = kernels.conv2dChainF32(scaled(x, scale, h * w), steps, { batch: 2, height: h, width: w }).data;
      expect(bits(fused)).toEqual(bits(plain));
      expect(() => kernels.conv2dF32(x, a, { batch: 2, height: h, width: w, inputScale: scale.subarray(1) })).toThrow(
        /inputScale has 139 values, expected one per image and input channel \(2·70\)/,
      );
    });
  });
}
