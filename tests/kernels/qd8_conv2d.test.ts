import { describe, expect, test } from "bun:test";
import type { Conv2dGeometry } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { qd8Conv2dRef } from "../../src/kernels/ref/qd8_conv2d_ref.ts";
import { qcwBlocks, type QcwWeights } from "../../src/kernels/ref/qd8_f32_qcw_gemm_ref.ts";
import { availableVariants, EXACT, expectWithin, kernelsFor, randomF32, randomInts } from "./_kernel_suite.ts";

// [c, h, w, oc, kh, kw, strides, dilations, pads, bits, blockSize]
type Case = [
  number,
  number,
  number,
  number,
  number,
  number,
  [number, number],
  [number, number],
  [
    number,
    number,
    number,
    number,
  ],
  2 | 4 | 8,
  number,
];
const CASES: Case[] = [
  [16, 9, 14, 24, 1, 1, [1, 1], [1, 1], [0, 0, 0, 0], 4, 16], // pointwise: the transposed-input path
  [3, 11, 13, 16, 3, 3, [2, 2], [1, 1], [1, 1, 1, 1], 8, 0], // k = 27, not a multiple of 8
  [8, 7, 20, 10, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1], 4, 24],
  [5, 6, 9, 7, 1, 3, [1, 1], [1, 1], [0, 1, 0, 1], 2, 0],
  [4, 10, 10, 9, 3, 3, [1, 2], [2, 1], [2, 1, 0, 2], 4, 0], // dilation, uneven pads and strides
  [64, 24, 40, 32, 1, 1, [1, 1], [1, 1], [0, 0, 0, 0], 4, 32], // more pixels than one chunk
  [32, 20, 24, 12, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1], 4, 32], // 3×3 over several chunks (row copies by vector)
  [6, 9, 17, 5, 2, 4, [1, 2], [1, 1], [1, 2, 0, 1], 8, 0], // four taps per kernel row, strided
  [3, 5, 4, 4, 3, 2, [1, 1], [1, 1], [0, 0, 0, 0], 4, 0], // last taps end at the input's last float
];

function weights(n: number, k: number, bits: 2 | 4 | 8, blockSize: number, seed: number): QcwWeights {
  const nb = qcwBlocks(k, blockSize);
  return {
    n,
    k,
    bits,
    blockSize,
    codes: randomInts(n * k, seed, 2 ** bits),
    scales: randomF32(n * nb, seed + 1, 0.001, 0.05),
    offsets: randomF32(n * nb, seed + 2, -0.3, 0.1),
    bias: randomF32(n, seed + 3),
  };
}

for (const variant of availableVariants()) {
  describe(`f32-qd8-im2row + qd8-f32-qcXw-gemm conv (${variant})`, () => {
    test("equals im2row + quantize + qd8 GEMM + transpose of the reference exactly", async () => {
      const kernels = await kernelsFor(variant);
      const before = kernels.module.heap.allocatedBytes;
      for (const [i, [c, h, w, oc, kh, kw, strides, dilations, pads, bits, blockSize]] of CASES.entries()) {
        const g: Conv2dGeometry = { c, h, w, oc, kh, kw, strides, dilations, pads };
        const wt = weights(oc, c * kh * kw, bits, blockSize, 10 * i);
        using packed = kernels.packQcw(wt);
        const x = randomF32(2 * c * h * w, 10 * i + 5, -2, 3);
        for (const asymmetric of [false, true]) {
          const r = kernels.qd8Conv2d(x, packed, {
            channels: c,
            height: h,
            width: w,
            kernel: [kh, kw],
            batch: 2,
            strides,
            dilations,
            pads,
            asymmetric,
            activation: { kind: "hardswish", scale: 0.5, shift: 0.25 },
          });
          const per = r.data.length / 2;
          for (let b = 0; b < 2; b++) {
            const want = qd8Conv2dRef(x.subarray(b * c * h * w, (b + 1) * c * h * w), wt, g, {
              asymmetric,
              activation: { kind: "hardswish", scale: 0.5, shift: 0.25 },
            });
            expectWithin(
              r.data.subarray(b * per, (b + 1) * per),
              want,
              EXACT,
              `case ${i} image ${b} asym ${asymmetric}`,
            );
          }
        }
      }
      expect(kernels.ran().some((k) => k.startsWith("f32-qd8-im2row-"))).toBe(true);
      expect(kernels.module.heap.allocatedBytes).toBe(before); // every call freed its buffers
    });

    test("inputScale: the bits of the conv of the float32 product x·s (an SE gate), batch 2; a wrong length is refused", async () => {
      const kernels = await kernelsFor(variant);
      for (const [i, [c, h, w, oc, kh, kw]] of [[40, 3, 10, 16, 1, 1], [6, 7, 9, 8, 3, 3]].entries()) {
        using packed = kernels.packQcw(weights(oc, c * kh * kw, 4, 0, 50 + i));
        const x = randomF32(2 * c * h * w, 60 + i, -2, 2);
        const scale = randomF32(2 * c, 70 + i, 0, 1);
        const product = x.map((v, j) => v * scale[Math.floor(j / (h * w))]!);
        const pads = [(kh - 1) / 2, (kw - 1) / 2, (kh - 1) / 2, (kw - 1) / 2] as const;
        const o = { channels: c, height: h, width: w, kernel: [kh, kw] as const, batch: 2, pads, asymmetric: true };
        const fused = kernels.qd8Conv2d(x, packed, { ...o, inputScale: scale }).data;
        const plain = kernels.qd8Conv2d(product, packed, o).data;
        expect([...new Uint32Array(fused.buffer)]).toEqual([...new Uint32Array(plain.buffer)]);
        expect(() => kernels.qd8Conv2d(x, packed, { ...o, inputScale: scale.subarray(1) })).toThrow(
          /inputScale has .* values, expected one per image and input channel/,
        );
      }
    });

    test("one pixel per image: the bits of the qd8 GEMM on the images as rows (the low-mode op's shortcut)", async () => {
      const kernels = await kernelsFor(variant);
      for (const [i, [c, oc, bits, blockSize]] of [[200, 50, 4, 32], [72, 40, 8, 0], [120, 480, 2, 24]].entries()) {
        using packed = kernels.packQcw(weights(oc, c, bits as 2 | 4 | 8, blockSize!, 80 + i));
        const x = randomF32(3 * c, 90 + i, -2, 2);
        const o = { asymmetric: true, activation: "relu" as const };
        const conv = kernels.qd8Conv2d(x, packed, { ...o, channels: c, height: 1, width: 1, kernel: [1, 1], batch: 3 });
        const gemm = kernels.qd8F32QcwGemm(x, packed, o);
        expect([...new Uint32Array(conv.data.buffer)]).toEqual([...new Uint32Array(gemm.buffer)]);
      }
    });

    test("rejects weights whose k does not match the conv", async () => {
      const kernels = await kernelsFor(variant);
      using packed = kernels.packQcw(weights(4, 12, 4, 0, 3));
      expect(() =>
        kernels.qd8Conv2d(new Float32Array(2 * 5 * 5), packed, { channels: 2, height: 5, width: 5, kernel: [3, 3] })
      ).toThrow(RangeError);
    });
  });
}
