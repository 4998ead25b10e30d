import { describe, expect, test } from "bun:test";
import type { Activation } from "../../src/kernels/activation.ts";
import { type Conv2dGeometry, conv2dOutputSize, f32Conv2dRef } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { seededRandom } from "../_random.ts";
import {
  availableVariants,
  expectWithin,
  F32_ACCUMULATION,
  kernelsFor,
  randomF32,
  randomInt,
} from "./_kernel_suite.ts";

/** Geometries from the zoo models' families (3×3 s1/s2, 1×1, 5×5 depthwise, grouped, dilated) plus random ones. */
function geometries(): Conv2dGeometry[] {
  const g: Conv2dGeometry[] = [
    { c: 3, h: 17, w: 19, oc: 8, kh: 3, kw: 3, strides: [2, 2], pads: [1, 1, 1, 1] },
    { c: 8, h: 9, w: 11, oc: 13, kh: 1, kw: 1 },
    // 1×1 stride-1 unpadded (the GEMM on the input read in place): whole panels only, grouped, one channel.
    { c: 20, h: 8, w: 16, oc: 9, kh: 1, kw: 1 },
    { c: 12, h: 7, w: 13, oc: 10, kh: 1, kw: 1, group: 2, dilations: [2, 2] },
    { c: 1, h: 3, w: 5, oc: 6, kh: 1, kw: 1 },
    // 1×1 on a 1×1 image (the matrix-vector product): 8-row blocks, row and k tails, grouped.
    { c: 37, h: 1, w: 1, oc: 21, kh: 1, kw: 1 },
    { c: 24, h: 1, w: 1, oc: 16, kh: 1, kw: 1, group: 2 },
    // Wide enough for panels of 8 pixels with every tap inside the image (the unchecked copy), dilated too.
    { c: 6, h: 10, w: 37, oc: 9, kh: 3, kw: 3, pads: [1, 1, 1, 1] },
    { c: 5, h: 12, w: 30, oc: 7, kh: 3, kw: 3, dilations: [2, 2], pads: [1, 2, 1, 0] },
    { c: 3, h: 9, w: 41, oc: 8, kh: 3, kw: 3, strides: [2, 2], pads: [1, 1, 1, 1] },
    // Stride 2, one 8-pixel panel per row: the last row's taps end within 16 floats of the plane's end.
    { c: 2, h: 7, w: 17, oc: 4, kh: 3, kw: 3, strides: [2, 2] },
    // 1×1 that must not take that path: strided, padded.
    { c: 6, h: 9, w: 10, oc: 7, kh: 1, kw: 1, strides: [2, 2] },
    { c: 6, h: 5, w: 6, oc: 7, kh: 1, kw: 1, pads: [1, 0, 0, 1] },
    { c: 16, h: 12, w: 10, oc: 16, kh: 3, kw: 3, group: 16, pads: [1, 1, 1, 1] },
    { c: 12, h: 13, w: 15, oc: 12, kh: 3, kw: 3, group: 12, strides: [2, 2], pads: [1, 1, 1, 1] },
    { c: 6, h: 11, w: 23, oc: 6, kh: 5, kw: 5, group: 6, pads: [2, 2, 2, 2] },
    { c: 6, h: 11, w: 9, oc: 6, kh: 5, kw: 5, group: 6, strides: [2, 2], pads: [2, 2, 2, 2] },
    { c: 8, h: 10, w: 10, oc: 12, kh: 3, kw: 3, group: 4, pads: [1, 0, 1, 2] },
    { c: 4, h: 14, w: 13, oc: 5, kh: 3, kw: 3, dilations: [2, 2], pads: [2, 2, 2, 2] },
    { c: 4, h: 14, w: 13, oc: 4, kh: 3, kw: 3, group: 4, dilations: [2, 3], strides: [3, 1], pads: [0, 3, 1, 0] },
    { c: 2, h: 5, w: 40, oc: 3, kh: 2, kw: 4, strides: [1, 3], pads: [1, 0, 0, 2] },
    // Wide depthwise rows: the 16-output fast path, its 4-wide and scalar tails.
    { c: 5, h: 7, w: 41, oc: 5, kh: 3, kw: 3, group: 5, pads: [1, 1, 1, 1] },
    { c: 4, h: 9, w: 45, oc: 4, kh: 3, kw: 3, group: 4, strides: [2, 2], pads: [1, 1, 1, 1] },
    { c: 3, h: 9, w: 77, oc: 3, kh: 5, kw: 5, group: 3, strides: [2, 2], pads: [2, 2, 2, 2] },
    { c: 3, h: 6, w: 38, oc: 3, kh: 5, kw: 5, group: 3, strides: [1, 1], pads: [0, 2, 1, 2] },
    // Depthwise stride-2 rows split into even/odd columns (odd and even left pads, sh ≠ sw), two-row
    // stride-1 steps with an odd row count, and stride 1 across with 2 down (one row at a time).
    { c: 3, h: 10, w: 39, oc: 3, kh: 3, kw: 3, group: 3, strides: [2, 2], pads: [0, 0, 1, 1] },
    { c: 3, h: 11, w: 50, oc: 3, kh: 3, kw: 3, group: 3, strides: [1, 2], pads: [1, 2, 0, 0] },
    { c: 2, h: 12, w: 36, oc: 2, kh: 5, kw: 5, group: 2, strides: [2, 2], pads: [1, 3, 2, 0] },
    { c: 2, h: 13, w: 35, oc: 2, kh: 3, kw: 3, group: 2 },
    { c: 2, h: 12, w: 30, oc: 2, kh: 3, kw: 3, group: 2, strides: [2, 1], pads: [1, 1, 1, 1] },
  ];
  const next = seededRandom(41);
  for (let i = 0; i < 8; i++) {
    const group = [1, 1, 2, 3][randomInt(next, 0, 3)]!;
    const dw = next() < 0.3;
    const c = dw ? randomInt(next, 1, 9) : group * randomInt(next, 1, 4);
    const kh = randomInt(next, 1, 4), kw = randomInt(next, 1, 4);
    g.push({
      c,
      h: randomInt(next, kh, 16),
      w: randomInt(next, kw, 16),
      oc: dw ? c : group * randomInt(next, 1, 5),
      kh,
      kw,
      group: dw ? c : group,
      strides: [randomInt(next, 1, 2), randomInt(next, 1, 3)],
      pads: [randomInt(next, 0, 1), randomInt(next, 0, 2), randomInt(next, 0, 1), randomInt(next, 0, 1)],
    });
  }
  return g;
}

for (const variant of availableVariants()) {
  describe(`f32-conv2d / f32-dwconv2d (${variant})`, () => {
    test("match the direct float64 convolution on zoo-like and random geometries", async () => {
      const kernels = await kernelsFor(variant);
      let seed = 3000;
      for (const g of geometries()) {
        const group = g.group ?? 1;
        const x = randomF32(2 * g.c * g.h * g.w, seed++);
        const wt = randomF32(g.oc * (g.c / group) * g.kh * g.kw, seed++);
        const bias = randomF32(g.oc, seed++);
        using conv = kernels.prepareConv2dF32(wt, {
          outChannels: g.oc,
          inChannels: g.c,
          kernel: [g.kh, g.kw],
          group,
          bias,
          winograd: false, // im2col's suite: f32_winograd.test.ts covers the Winograd path
        });
        const options = { height: g.h, width: g.w, batch: 2, ...(g.strides && { strides: g.strides }) };
        const y = kernels.conv2dF32(x, conv, {
          ...options,
          ...(g.pads && { pads: g.pads }),
          ...(g.dilations && { dilations: g.dilations }),
        });
        const [oh, ow] = conv2dOutputSize(g);
        expect(y.dims).toEqual([2, g.oc, oh, ow]);
        const size = g.c * g.h * g.w;
        for (let b = 0; b < 2; b++) {
          const ref = f32Conv2dRef(x.subarray(b * size, (b + 1) * size), wt, bias, g);
          const ours = y.data.subarray(b * g.oc * oh * ow, (b + 1) * g.oc * oh * ow);
          expectWithin(ours, ref, F32_ACCUMULATION, `${y.kernel} ${JSON.stringify(g)} image ${b}`);
        }
      }
    });

    test("fuses activations and picks the depthwise kernel only when group = channels = outputs", async () => {
      const kernels = await kernelsFor(variant);
      const acts: Activation[] = ["relu", "relu6", "hardswish", "sigmoid", { kind: "clip", min: -0.1, max: 0.3 }, {
        kind: "hardswish",
        scale: 1.25,
        shift: 0.5,
      }];
      for (const [group, oc] of [[1, 6], [6, 6], [3, 6]] as const) {
        const g: Conv2dGeometry = { c: 6, h: 9, w: 14, oc, kh: 3, kw: 3, group, pads: [1, 1, 1, 1] };
        const x = randomF32(6 * 9 * 14, 70 + group, -2, 2);
        const wt = randomF32(oc * (6 / group) * 9, 80 + group);
        using conv = kernels.prepareConv2dF32(wt, {
          outChannels: oc,
          inChannels: 6,
          kernel: [3, 3],
          group,
          winograd: false,
        });
        for (const activation of acts) {
          const y = kernels.conv2dF32(x, conv, { height: 9, width: 14, pads: [1, 1, 1, 1], activation });
          expect(y.kernel).toBe(group === 6 ? kernels.names.dwconv2d : kernels.names.conv2d);
          expectWithin(
            y.data,
            f32Conv2dRef(x, wt, undefined, g, activation),
            F32_ACCUMULATION,
            `${y.kernel} ${JSON.stringify(activation)}`,
          );
        }
      }
    });

    test("col2im of disjoint ConvTranspose windows is the permutation of the plain conv's output", async () => {
      const kernels = await kernelsFor(variant);
      // [c, h, w, kh, kw]: kw = 2 (the interleaving path) with and without a 4-wide tail, kw = 3, kh = 1.
      for (const [c, h, w, kh, kw] of [[5, 7, 12, 2, 2], [3, 5, 9, 2, 2], [4, 6, 7, 3, 3], [2, 3, 11, 1, 2]] as const) {
        const oc = 3, rows = oc * kh * kw;
        const x = randomF32(2 * c * h * w, 200 + w, -2, 2);
        using conv = kernels.prepareConv2dF32(randomF32(rows * c, 201 + w), {
          outChannels: rows,
          inChannels: c,
          kernel: [1, 1],
          bias: randomF32(rows, 202 + w),
        });
        const o = { height: h, width: w, batch: 2, activation: "hardswish" } as const;
        const plain = kernels.conv2dF32(x, conv, o).data;
        const y = kernels.conv2dF32(x, conv, { ...o, col2im: [kh, kw] });
        expect(y.dims).toEqual([2, oc, h * kh, w * kw]);
        const want = new Float32Array(plain.length);
        for (let b = 0; b < 2; b++) {
          for (let r = 0; r < rows; r++) {
            const ch = Math.floor(r / (kh * kw)), a = Math.floor((r % (kh * kw)) / kw), e = r % kw;
            for (let yy = 0; yy < h; yy++) {
              for (let xx = 0; xx < w; xx++) {
                want[((b * oc + ch) * h * kh + yy * kh + a) * w * kw + xx * kw + e] =
                  plain[(b * rows + r) * h * w + yy * w + xx]!;
              }
            }
          }
        }
        expect(y.data).toEqual(want);
      }
      using bad = kernels.prepareConv2dF32(new Float32Array(5), { outChannels: 5, inChannels: 1, kernel: [1, 1] });
      expect(() => kernels.conv2dF32(new Float32Array(4), bad, { height: 2, width: 2, col2im: [2, 2] }))
        .toThrow(/divisible by 4/);
    });

    test("a 1×1 stride-1 unpadded conv (packed panels or matrix-vector) gives the im2col path's bits", async () => {
      const kernels = await kernelsFor(variant);
      // A bottom pad row sends the same conv through im2col; its first h rows are the same outputs.
      // 256 channels × 551 or 560 pixels take two chunks of packed panels (the binding's 512 KiB scratch);
      // the 1×1 images run the matrix-vector product (8-row blocks, row tails, k tails).
      const shapes: Array<readonly [number, number, number, number]> = [[24, 10, 13, 11], [7, 4, 16, 4]];
      shapes.push([40, 6, 21, 9], [256, 19, 29, 5], [256, 20, 28, 3], [37, 1, 1, 21], [64, 1, 1, 16], [3, 1, 1, 5]);
      for (const [c, h, w, oc] of shapes) {
        const x = randomF32(c * h * w, 90 + c, -2, 2);
        const wt = randomF32(oc * c, 91 + c);
        const bias = randomF32(oc, 92 + c);
        using conv = kernels.prepareConv2dF32(wt, { outChannels: oc, inChannels: c, kernel: [1, 1], bias });
        for (const activation of ["none", "hardswish"] as const) {
          const direct = kernels.conv2dF32(x, conv, { height: h, width: w, activation });
          const padded = kernels.conv2dF32(x, conv, { height: h, width: w, pads: [0, 0, 1, 0], activation });
          for (let o = 0; o < oc; o++) {
            expect(direct.data.subarray(o * h * w, (o + 1) * h * w))
              .toEqual(padded.data.subarray(o * (h + 1) * w, o * (h + 1) * w + h * w));
          }
        }
      }
    });

    test("stores subnormal weights as zero (conv, 1×1 and 3×3) and leaves the caller's array alone", async () => {
      const kernels = await kernelsFor(variant);
      for (const k of [1, 3] as const) {
        // Every product is subnormal: kept, each output would be a nonzero multiple of 1e-40.
        const wt = new Float32Array(4 * 6 * k * k).fill(1e-40);
        using conv = kernels.prepareConv2dF32(wt, { outChannels: 4, inChannels: 6, kernel: [k, k], winograd: false });
        const y = kernels.conv2dF32(new Float32Array(6 * 5 * 9).fill(1), conv, { height: 5, width: 9 });
        expect(y.data.every((v) => v === 0)).toBe(true);
        expect(wt[0]).toBe(Math.fround(1e-40));
      }
    });

    test("rejects inconsistent shapes with messages that name the field", async () => {
      const kernels = await kernelsFor(variant);
      expect(() => kernels.prepareConv2dF32(new Float32Array(10), { outChannels: 2, inChannels: 3, kernel: [3, 3] }))
        .toThrow(
          /weights have 10 elements, expected 54/,
        );
      expect(() =>
        kernels.prepareConv2dF32(new Float32Array(8), { outChannels: 4, inChannels: 6, kernel: [1, 1], group: 4 })
      )
        .toThrow(/group 4 must divide/);
      using conv = kernels.prepareConv2dF32(new Float32Array(18), { outChannels: 2, inChannels: 1, kernel: [3, 3] });
      expect(() => kernels.conv2dF32(new Float32Array(5), conv, { height: 2, width: 2 })).toThrow(/empty/);
      expect(() => kernels.conv2dF32(new Float32Array(5), conv, { height: 3, width: 3 })).toThrow(/x has 5 elements/);
    });
  });
}
