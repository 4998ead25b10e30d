// `Kernels.conv2dChainF32` (src/kernels/_conv2d_chain.ts) on every wasm build: convs run back to back in kernel
// memory give exactly the bits of the same convs run one by one with `conv2dF32` (chains of 1, 2 and 3 steps:
// 1×1, depthwise 3×3 and 5×5, strided, padded, dilated, Winograd 3×3, grouped, batch 2), stay within the
// fp32 budget of the float64 reference convs, report every kernel that ran, and free their kernel memory
// on success and on error; a squeeze-and-excitation gate between steps has the bits of its ops one by one.
import { describe, expect, test } from "bun:test";
import type { Activation } from "../../src/kernels/activation.ts";
import type { Conv2dChainStep, Kernels, PreparedConv2d } from "../../src/kernels/kernels.ts";
import { type Conv2dGeometry, conv2dOutputSize, f32Conv2dRef } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { availableVariants, expectWithin, F32_ACCUMULATION, kernelsFor, randomF32 } from "../kernels/_kernel_suite.ts";

/** One step of a test chain: weights shape, call geometry, activation. */
interface StepCase {
  oc: number;
  k: [number, number];
  group?: number;
  strides?: [number, number];
  dilations?: [number, number];
  pads?: [number, number, number, number];
  activation?: Activation;
}

/** Test chains: an input `[c, h, w]` and the steps (each step's input channels are the previous step's outputs). */
const CHAINS: Array<{ name: string; c: number; h: number; w: number; steps: StepCase[] }> = [
  { name: "1 step, 1×1", c: 5, h: 7, w: 9, steps: [{ oc: 6, k: [1, 1], activation: "relu" }] },
  {
    name: "2 steps: depthwise 5×5 stride 2 padded → 1×1",
    c: 6,
    h: 13,
    w: 21,
    steps: [
      { oc: 6, k: [5, 5], group: 6, strides: [2, 2], pads: [2, 2, 2, 2], activation: "hardswish" },
      { oc: 9, k: [1, 1] },
    ],
  },
  {
    name: "3 steps: 1×1 expand → depthwise 3×3 stride 2 → 1×1 project",
    c: 8,
    h: 12,
    w: 40,
    steps: [
      { oc: 24, k: [1, 1], activation: "hardswish" },
      { oc: 24, k: [3, 3], group: 24, strides: [2, 2], pads: [1, 1, 1, 1], activation: "relu" },
      { oc: 10, k: [1, 1], activation: { kind: "clip", min: 0, max: 6 } },
    ],
  },
  {
    name: "3 steps: Winograd 3×3 → grouped dilated 3×3 → 2×3 strided with uneven pads",
    c: 6,
    h: 11,
    w: 14,
    steps: [
      { oc: 8, k: [3, 3], pads: [1, 1, 1, 1], activation: "sigmoid" },
      { oc: 4, k: [3, 3], group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] },
      { oc: 5, k: [2, 3], strides: [1, 2], pads: [1, 0, 0, 2], activation: "hardswish" },
    ],
  },
];

/** Packs each step's random weights and bias; returns the handles, their raw weights and the chain steps. */
function pack(kernels: Kernels, c: number, steps: StepCase[], seed: number) {
  const packed: Array<{ conv: PreparedConv2d; w: Float32Array; bias: Float32Array }> = [];
  let channels = c;
  for (const s of steps) {
    const group = s.group ?? 1;
    const w = randomF32(s.oc * (channels / group) * s.k[0] * s.k[1], seed++, -0.5, 0.5);
    const bias = randomF32(s.oc, seed++, -0.2, 0.2);
    const conv = kernels.prepareConv2dF32(w, { outChannels: s.oc, inChannels: channels, kernel: s.k, group, bias });
    packed.push({ conv, w, bias });
    channels = s.oc;
  }
  const chain: Conv2dChainStep[] = steps.map((s, i) => ({
    conv: packed[i]!.conv,
    ...(s.strides && { strides: s.strides }),
    ...(s.dilations && { dilations: s.dilations }),
    ...(s.pads && { pads: s.pads }),
    ...(s.activation && { activation: s.activation }),
  }));
  return { packed, chain };
}

for (const variant of availableVariants()) {
  describe(`conv2dChainF32 (${variant})`, () => {
    test("has the bits of the convs run one by one, within budget of the float64 reference, batch 2", async () => {
      const kernels = await kernelsFor(variant);
      let seed = 500;
      for (const { name, c, h, w, steps } of CHAINS) {
        const { packed, chain } = pack(kernels, c, steps, seed);
        seed += 10;
        try {
          const x = randomF32(2 * c * h * w, seed++, -2, 2);
          const before = kernels.module.heap.allocatedBytes;
          const got = kernels.conv2dChainF32(x, chain, { height: h, width: w, batch: 2 });
          expect(kernels.module.heap.allocatedBytes).toBe(before);
          // One by one: each conv's output copied out and in again.
          let y = x, dims = [2, c, h, w];
          const ran: string[] = [];
          for (const step of chain) {
            const r = kernels.conv2dF32(y, step.conv, { ...step, height: dims[2]!, width: dims[3]!, batch: 2 });
            [y, dims] = [r.data, r.dims];
            ran.push(r.kernel);
          }
          expect(got.dims, name).toEqual(dims as [number, number, number, number]);
          expect(got.kernels, name).toEqual(ran);
          expect(new Uint32Array(got.data.buffer), name).toEqual(new Uint32Array(y.buffer));
          for (const k of ran) expect(kernels.ran()).toContain(k);
          // The float64 reference convs, image by image.
          const size = got.dims[1] * got.dims[2] * got.dims[3];
          for (let b = 0; b < 2; b++) {
            let r = x.subarray(b * c * h * w, (b + 1) * c * h * w);
            let [rc, rh, rw] = [c, h, w];
            steps.forEach((s, i) => {
              const g: Conv2dGeometry = { ...s, c: rc, h: rh, w: rw, kh: s.k[0], kw: s.k[1] };
              r = f32Conv2dRef(r, packed[i]!.w, packed[i]!.bias, g, s.activation);
              [rc, [rh, rw]] = [s.oc, conv2dOutputSize(g)];
            });
            expectWithin(got.data.subarray(b * size, (b + 1) * size), r, F32_ACCUMULATION, `${name} image ${b}`);
          }
        } finally {
          for (const p of packed) p.conv.dispose();
        }
      }
      expect(kernels.ran().some((k) => k.startsWith("f32-conv2d-winograd-"))).toBe(true);
      expect(kernels.ran().some((k) => k.startsWith("f32-dwconv2d-"))).toBe(true);
    });

    test("a squeeze-and-excitation gate between steps: the bits of pool, 1×1 convs and Mul run one by one", async () => {
      const kernels = await kernelsFor(variant);
      // 7 → 16 (1×1) → depthwise 3×3 → gate 16 → 4 → 16 → 1×1 → 5, on 6×11, batch 2.
      const steps: StepCase[] = [
        { oc: 16, k: [1, 1], activation: "hardswish" },
        { oc: 16, k: [3, 3], group: 16, pads: [1, 1, 1, 1] },
        { oc: 4, k: [1, 1], activation: "relu" },
        { oc: 16, k: [1, 1], activation: { kind: "hardsigmoid", alpha: 0.2, beta: 0.5 } },
        { oc: 5, k: [1, 1] },
      ];
      const { packed, chain } = pack(kernels, 7, steps, 700);
      try {
        const [h, w] = [6, 11], x = randomF32(2 * 7 * h * w, 710, -2, 2);
        const [a, b, fc1, fc2, c] = chain as [
          Conv2dChainStep,
          Conv2dChainStep,
          Conv2dChainStep,
          Conv2dChainStep,
          Conv2dChainStep,
        ];
        const before = kernels.module.heap.allocatedBytes;
        const got = kernels.conv2dChainF32(x, [a, b, { gate: [fc1, fc2] }, c], { height: h, width: w, batch: 2 });
        expect(kernels.module.heap.allocatedBytes).toBe(before);
        const one = (y: Float32Array, step: Conv2dChainStep, height: number, width: number) =>
          kernels.conv2dF32(y, step.conv, { ...step, height, width, batch: 2 }).data;
        const d = one(one(x, a, h, w), b, h, w);
        const s = one(one(kernels.globalAveragePoolF32(d, 32), fc1, 1, 1), fc2, 1, 1);
        const gated = d.map((v, i) => v * s[Math.floor(i / (h * w))]!);
        const want = one(gated, c, h, w);
        expect(got.dims).toEqual([2, 5, h, w]);
        expect(new Uint32Array(got.data.buffer)).toEqual(new Uint32Array(want.buffer));
        // The gate's first conv on packed 4-bit weights (low memory mode): the qd8 GEMM on the means row.
        const nb = 16 / 8;
        using packedFc1 = kernels.packQcw({
          n: 4,
          k: 16,
          bits: 4,
          blockSize: 8,
          codes: Uint8Array.from(randomF32(64, 720, 0, 15.99), Math.floor),
          scales: randomF32(4 * nb, 721, 0.01, 0.05),
          offsets: randomF32(4 * nb, 722, -0.3, 0),
          bias: randomF32(4, 723, -0.1, 0.1),
        });
        const held = kernels.module.heap.allocatedBytes; // with the packed weights
        const gemv = { packed: packedFc1, activation: "relu" as const };
        const mixed = kernels.conv2dChainF32(x, [a, b, { gate: [gemv, fc2] }, c], { height: h, width: w, batch: 2 });
        const means = kernels.globalAveragePoolF32(d, 32);
        const r = kernels.qd8F32QcwGemm(means, packedFc1, { asymmetric: true, activation: "relu" });
        const s2 = one(r, fc2, 1, 1);
        const want2 = one(d.map((v, i) => v * s2[Math.floor(i / (h * w))]!), c, h, w);
        expect(new Uint32Array(mixed.data.buffer)).toEqual(new Uint32Array(want2.buffer));
        expect(kernels.ran()).toContain(kernels.names.qc4w);
        expect(() => kernels.conv2dChainF32(x, [{ gate: [fc1, fc2] }, a], { height: h, width: w })).toThrow(
          /gate before any convolution/,
        );
        expect(() => kernels.conv2dChainF32(x, [a, { gate: [fc2, fc1] }, c], { height: h, width: w })).toThrow(
          /gate 1 maps 4 → 16 → 16 → 4 channels after a step giving 16/,
        );
        expect(kernels.module.heap.allocatedBytes).toBe(held);
      } finally {
        for (const p of packed) p.conv.dispose();
      }
    });

    test("a residual is added to the last output in kernel memory: the bits of a float32 Add, every length", async () => {
      const kernels = await kernelsFor(variant);
      // 3×3 → 1×1 project: outputs of 3·5·7 = 105 and 2·105 floats (vector body, 4-wide and scalar tails).
      const { packed, chain } = pack(kernels, 4, [{ oc: 6, k: [3, 3], pads: [1, 1, 1, 1] }, { oc: 3, k: [1, 1] }], 950);
      try {
        for (const batch of [1, 2]) {
          const x = randomF32(batch * 4 * 5 * 7, 951 + batch, -2, 2);
          const plain = kernels.conv2dChainF32(x, chain, { height: 5, width: 7, batch }).data;
          const residual = randomF32(plain.length, 953 + batch, -3, 3);
          // Specials, and FLT_MAX: its sums overflow to ±∞ or not exactly as a float32 Add's.
          [Number.NaN, Infinity, -Infinity, -0, 3.4028234663852886e38].forEach((v, j) => (residual[7 * j + 2] = v));
          const before = kernels.module.heap.allocatedBytes;
          const got = kernels.conv2dChainF32(x, chain, { height: 5, width: 7, batch, residual }).data;
          expect(kernels.module.heap.allocatedBytes).toBe(before);
          const want = Float32Array.from(plain, (v, i) => v + residual[i]!);
          expect([...got].map((v) => (Number.isNaN(v) ? "NaN" : v))).toEqual(
            [...want].map((v) => (Number.isNaN(v) ? "NaN" : v)),
          );
        }
        const x = randomF32(4 * 5 * 7, 960);
        expect(() => kernels.conv2dChainF32(x, chain, { height: 5, width: 7, residual: new Float32Array(104) }))
          .toThrow(
            /residual has 104 elements, expected 105 \(the output's\)/,
          );
      } finally {
        for (const p of packed) p.conv.dispose();
      }
    });

    test("poolings at the end run in kernel memory: the bits of the pool ops run one by one on the conv output", async () => {
      const kernels = await kernelsFor(variant);
      const { packed, chain } = pack(kernels, 5, [{ oc: 6, k: [1, 1], activation: "hardswish" }], 980);
      try {
        const [batch, h, w] = [2, 5, 9];
        const x = randomF32(batch * 5 * h * w, 981, -2, 2);
        const conv = kernels.conv2dF32(x, chain[0]!.conv, { ...chain[0]!, height: h, width: w, batch }).data;
        // MaxPool 2×2 stride 2 (5×9 → 2×4), then the mean of each plane.
        const max = { planes: batch * 6, h, w, oh: 2, ow: 4, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 };
        const pooled = kernels.pool2dF32({ op: "max" }, conv, max);
        const got = kernels.conv2dChainF32(x, [...chain, { pool: { op: "max" }, geometry: max }, {
          globalAveragePool: true,
        }], { height: h, width: w, batch });
        expect(got.dims).toEqual([2, 6, 1, 1]);
        expect(got.data).toEqual(kernels.globalAveragePoolF32(pooled, batch * 6));
        // AveragePool 3×3 stride 1 with pads counted (5×9 → 5×9).
        const avg = { ...max, oh: h, ow: w, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, padEndH: 1, padEndW: 1 };
        const kind = { op: "average", includePad: true } as const;
        const one = kernels.conv2dChainF32(x, [...chain, { pool: kind, geometry: avg }], {
          height: h,
          width: w,
          batch,
        });
        expect(one.dims).toEqual([2, 6, 5, 9]);
        expect(one.data).toEqual(kernels.pool2dF32(kind, conv, avg));
        expect(kernels.ran()).toEqual(expect.arrayContaining([kernels.names.maxPool2d, kernels.names.averagePool2d]));
        const o = { height: h, width: w, batch };
        expect(() => kernels.conv2dChainF32(x, [{ globalAveragePool: true }, ...chain], o)).toThrow(
          /entry 0 is a pooling before any convolution/,
        );
        expect(() => kernels.conv2dChainF32(x, [...chain, { globalAveragePool: true }, ...chain], o)).toThrow(
          /entry 2 follows a pooling; pools end a chain/,
        );
        expect(() => kernels.conv2dChainF32(x, [...chain, { pool: { op: "max" }, geometry: { ...max, h: 4 } }], o))
          .toThrow(/pooling 1 is for 12 planes of 4×9 but the chain gives 2·6 of 5×9/);
      } finally {
        for (const p of packed) p.conv.dispose();
      }
    });

    test("a plan serves many runs with the bits of one-off chains; it holds only its descriptors until disposed", async () => {
      const kernels = await kernelsFor(variant);
      const { packed, chain } = pack(kernels, CHAINS[2]!.c, CHAINS[2]!.steps, 970);
      try {
        const heap = kernels.module.heap;
        const before = heap.allocatedBytes;
        const plan = kernels.planConv2dChainF32(chain, { height: 12, width: 40, batch: 2 });
        expect(plan.outDims).toEqual([2, 10, 6, 20]);
        const held = heap.allocatedBytes;
        expect(held - before).toBeLessThanOrEqual(3 * 64 + 64); // three descriptors (and the allocator's rounding)
        for (const seed of [971, 972, 971]) {
          const x = randomF32(2 * 8 * 12 * 40, seed, -2, 2);
          const got = kernels.runConv2dChainF32(plan, x).data;
          expect(heap.allocatedBytes).toBe(held);
          expect(got).toEqual(kernels.conv2dChainF32(x, chain, { height: 12, width: 40, batch: 2 }).data);
        }
        expect(() => kernels.runConv2dChainF32(plan, new Float32Array(8 * 12 * 40))).toThrow(
          /x has 3840 elements, expected 2·8·12·40/,
        );
        plan.dispose();
        expect(heap.allocatedBytes).toBe(before);
        expect(() => kernels.runConv2dChainF32(plan, new Float32Array(2 * 8 * 12 * 40))).toThrow(/disposed/);
      } finally {
        for (const p of packed) p.conv.dispose();
      }
    });

    test("writes into `out`, and rejects bad chains with messages that say where, freeing what it took", async () => {
      const kernels = await kernelsFor(variant);
      const { packed, chain } = pack(kernels, 4, [{ oc: 6, k: [1, 1] }, { oc: 3, k: [3, 3], pads: [1, 1, 1, 1] }], 900);
      try {
        const heap = kernels.module.heap;
        const before = heap.allocatedBytes;
        const x = randomF32(4 * 5 * 6, 901);
        const out = new Float32Array(3 * 5 * 6);
        expect(kernels.conv2dChainF32(x, chain, { height: 5, width: 6, out }).data).toBe(out);
        expect(() => kernels.conv2dChainF32(x, [], { height: 5, width: 6 })).toThrow(/no steps/);
        expect(() => kernels.conv2dChainF32(x, [chain[1]!, chain[0]!], { height: 5, width: 6 })).toThrow(
          /step 1 takes 4 input channels but step 0 gives 3/,
        );
        expect(() => kernels.conv2dChainF32(x.subarray(1), chain, { height: 5, width: 6 })).toThrow(/x has 119/);
        expect(() => kernels.conv2dChainF32(x, chain, { height: 5, width: 6, out: out.subarray(1) })).toThrow(
          /out has 89 elements, expected 90/,
        );
        expect(() =>
          kernels.conv2dChainF32(x, [chain[0]!, { ...chain[1]!, pads: [0, 0, 0, 0] }], { height: 1, width: 6 })
        )
          .toThrow(/step 1.*empty/);
        expect(heap.allocatedBytes).toBe(before);
      } finally {
        for (const p of packed) p.conv.dispose();
      }
    });
  });
}
