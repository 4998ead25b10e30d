import { describe, expect, test } from "bun:test";
import type { KernelModule } from "../../src/kernels/kernel_module.ts";
import { type Conv2dGeometry, conv2dOutputSize } from "../../src/kernels/ref/f32_conv2d_ref.ts";
import { im2rowRef } from "../../src/kernels/ref/qd8_conv2d_ref.ts";
import { quantizeRowsRef } from "../../src/kernels/ref/quantize_rows_ref.ts";
import { seededRandom } from "../_random.ts";
import { availableVariants, kernelsFor, randomF32 } from "./_kernel_suite.ts";

// bl_qd8_conv_rows quantizes patch rows straight from the image (four or sixteen pixels at a time where
// every tap is inside it, a few float rows at a time in a tile elsewhere). Its codes, scales and zero
// points must be those of the two-step path it replaces: the float patch rows (im2rowRef: exact copies)
// quantized by the same build's bl_qd8_quantize_rows, and, on ordinary data, the TypeScript reference.

interface Geometry extends Conv2dGeometry {
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
}

// [c, h, w, kh, kw, strides, dilations, pads]
const FIXED: Array<[number, number, number, number, number, [number, number], [number, number], Geometry["pads"]]> = [
  [16, 9, 14, 1, 1, [1, 1], [1, 1], [0, 0, 0, 0]], // pointwise: groups cross output rows
  [13, 5, 7, 1, 1, [1, 1], [1, 1], [0, 0, 0, 0]], // pointwise, k = 13 < 16 (tail only)
  [96, 20, 21, 3, 3, [1, 1], [1, 1], [1, 1, 1, 1]], // det's neck shape, smaller image
  [3, 11, 13, 3, 3, [2, 2], [1, 1], [1, 1, 1, 1]], // stride 2: tile path only
  [8, 12, 40, 3, 3, [2, 1], [1, 1], [1, 1, 1, 1]], // stride (2, 1): direct along rows
  [5, 10, 37, 3, 3, [1, 1], [2, 2], [2, 2, 2, 2]], // dilation 2
  [4, 9, 33, 2, 5, [1, 1], [1, 2], [1, 3, 0, 1]], // uneven pads, kw > 4, k = 40
  [7, 6, 30, 1, 3, [1, 1], [1, 1], [0, 1, 0, 1]], // k = 21
  [32, 4, 19, 1, 1, [1, 2], [1, 1], [0, 0, 0, 0]], // 1×1 stride (1, 2): tile path
  [3, 5, 4, 3, 2, [1, 1], [1, 1], [0, 0, 0, 0]], // last taps end at the input's last float
];

function randomGeometries(n: number, seed: number): Geometry[] {
  const next = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const out: Geometry[] = [];
  while (out.length < n) {
    const kh = int(1, 3), kw = int(1, 5);
    const g: Geometry = {
      c: int(1, 40),
      h: int(1, 14),
      w: int(1, 45),
      oc: 1,
      kh,
      kw,
      strides: [int(1, 2), next() < 0.7 ? 1 : 2],
      dilations: [int(1, 2), int(1, 2)],
      pads: [int(0, kh - 1), int(0, kw - 1), int(0, kh - 1), int(0, kw - 1)],
    };
    const [oh, ow] = conv2dOutputSize(g);
    if (oh >= 1 && ow >= 1) out.push(g);
  }
  return out;
}

function geometries(): Geometry[] {
  const fixed = FIXED.map(([c, h, w, kh, kw, strides, dilations, pads]) => ({
    c,
    h,
    w,
    oc: 1,
    kh,
    kw,
    strides,
    dilations,
    pads,
  }));
  return [...fixed, ...randomGeometries(40, 7)];
}

interface Rows {
  q: Int8Array;
  scale: Uint32Array;
  zp: Int32Array;
}

/** bl_qd8_conv_rows over all pixels in chunks of `chunk`, with a tile scratch of `tileRows` rows. */
function convRows(m: KernelModule, x: Float32Array, g: Geometry, asymmetric: boolean, chunk: number, tileRows: number) {
  const [oh, ow] = conv2dOutputSize(g);
  const pixels = oh * ow, k = g.c * g.kh * g.kw, ldq = Math.ceil(k / 8) * 8 + 8;
  const heap = m.heap, ex = m.exports;
  const scratchBytes = (k + tileRows * k + 4) * 4;
  const pd = heap.alloc(60), px = heap.alloc(x.length * 4), ps = heap.alloc(scratchBytes);
  const pq = heap.alloc(pixels * ldq), pscale = heap.alloc(pixels * 4), pz = heap.alloc(pixels * 4);
  try {
    heap.u32(pd, 15).set([g.c, g.h, g.w, 1, 1, g.kh, g.kw, ...g.strides, ...g.dilations, g.pads[0], g.pads[1], oh, ow]);
    heap.f32(px, x.length).set(x);
    heap.u8(pq, pixels * ldq).fill(0x55); // the padding columns must come back zero
    for (let first = 0; first < pixels; first += chunk) {
      const n = Math.min(chunk, pixels - first);
      const status = ex.bl_qd8_conv_rows(
        pd,
        px,
        first,
        n,
        asymmetric ? 1 : 0,
        ps,
        scratchBytes,
        pq + first * ldq,
        ldq,
        pscale + first * 4,
        pz + first * 4,
      );
      expect(status).toBe(0);
    }
    const rows: Rows = {
      q: new Int8Array(heap.u8(pq, pixels * ldq).slice().buffer),
      scale: new Uint32Array(heap.u8(pscale, pixels * 4).slice().buffer),
      zp: new Int32Array(heap.u8(pz, pixels * 4).slice().buffer),
    };
    return { rows, pixels, k, ldq };
  } finally {
    for (const p of [pd, px, ps, pq, pscale, pz]) heap.free(p);
  }
}

/** The two-step path: float patch rows, then the build's own bl_qd8_quantize_rows. */
function twoStep(m: KernelModule, rowsF: Float32Array, pixels: number, k: number, ldq: number, asymmetric: boolean) {
  const heap = m.heap;
  const px = heap.alloc(rowsF.length * 4), pq = heap.alloc(pixels * ldq), ps = heap.alloc(pixels * 4);
  const pz = heap.alloc(pixels * 4);
  try {
    heap.f32(px, rowsF.length).set(rowsF);
    expect(m.exports.bl_qd8_quantize_rows(pixels, k, px, k, asymmetric ? 1 : 0, pq, ldq, ps, pz)).toBe(0);
    return {
      q: new Int8Array(heap.u8(pq, pixels * ldq).slice().buffer),
      scale: new Uint32Array(heap.u8(ps, pixels * 4).slice().buffer),
      zp: new Int32Array(heap.u8(pz, pixels * 4).slice().buffer),
    };
  } finally {
    for (const p of [px, pq, ps, pz]) heap.free(p);
  }
}

function expectSame(ours: Rows, want: Rows, where: string): void {
  for (const key of ["q", "scale", "zp"] as const) {
    const a = ours[key], b = want[key];
    let bad = -1;
    for (let i = 0; i < a.length && bad < 0; i++) if (a[i] !== b[i]) bad = i;
    if (bad >= 0) throw new Error(`${where}: ${key}[${bad}] is ${a[bad]}, the two-step path gives ${b[bad]}`);
  }
}

/** Each NaN tap's code is the row's zero point (clamped to the code range), as the scalar build gives. */
function expectNanAtZeroPoint(
  rows: Rows,
  rowsF: Float32Array,
  pixels: number,
  k: number,
  ldq: number,
  asymmetric: boolean,
  where: string,
): void {
  let nans = 0;
  for (let p = 0; p < pixels; p++) {
    const want = Math.min(127, Math.max(asymmetric ? -128 : -127, rows.zp[p]!));
    for (let j = 0; j < k; j++) {
      if (!Number.isNaN(rowsF[p * k + j]!)) continue;
      nans++;
      if (rows.q[p * ldq + j] !== want) {
        throw new Error(`${where}: NaN tap ${j} of pixel ${p} has code ${rows.q[p * ldq + j]}, expected ${want}`);
      }
    }
  }
  if (rowsF.length > 11 * k) expect(nans).toBeGreaterThan(0);
}

type ImageKind = "uniform" | "sparse" | "tiny" | "mixed" | "nan";

/**
 * Image data: uniform; with zero channels and constant runs; tiny enough that 1/scale overflows; tiny
 * at every seventh pixel only (pointwise rows that overflow among ordinary ones); or with NaNs, which
 * every build encodes as the row's zero point.
 */
function image(g: Geometry, kind: ImageKind, seed: number): Float32Array {
  const x = randomF32(g.c * g.h * g.w, seed, -2, 3);
  if (kind === "sparse") {
    const plane = g.h * g.w;
    for (let ch = 0; ch < g.c; ch += 2) x.fill(0, ch * plane, (ch + 1) * plane);
    x.fill(0.75, 0, Math.min(x.length, 9));
  }
  if (kind === "tiny") { for (let i = 0; i < x.length; i++) x[i] = i % 3 === 0 ? x[i]! * 1e-37 : 0; }
  if (kind === "mixed") { for (let i = 0; i < x.length; i++) if (i % (g.h * g.w) % 7 === 3) x[i] = x[i]! * 1e-37; }
  if (kind === "nan") { for (let i = 5; i < x.length; i += 11) x[i] = NaN; }
  return x;
}

for (const variant of availableVariants()) {
  describe(`f32-qd8-im2row (${variant})`, () => {
    test("bl_qd8_conv_rows gives the codes, scales and zero points of im2row + bl_qd8_quantize_rows", async () => {
      const { module } = await kernelsFor(variant);
      const before = module.heap.allocatedBytes;
      const next = seededRandom(99);
      for (const [i, g] of geometries().entries()) {
        // NaN rows are outside the exact contract under relaxed SIMD: LLVM lowers the min/max of a row to
        // relaxed_min/relaxed_max there, whose NaN handling the engine defines.
        const kinds: ImageKind[] = [
          "uniform",
          "sparse",
          "tiny",
          "mixed",
          ...(variant === "relaxed" ? [] : ["nan" as const]),
        ];
        for (const kind of kinds) {
          const x = image(g, kind, 3 * i + 1);
          const rowsF = im2rowRef(x, g);
          for (const asymmetric of [true, false]) {
            const chunk = 1 + Math.floor(next() * 70), tileRows = 1 + Math.floor(next() * 5);
            const { rows, pixels, k, ldq } = convRows(module, x, g, asymmetric, chunk, tileRows);
            const where = `geometry ${i} ${JSON.stringify(g)} ${kind} asym ${asymmetric} chunk ${chunk}`;
            expectSame(rows, twoStep(module, rowsF, pixels, k, ldq, asymmetric), where);
            if (kind === "nan") expectNanAtZeroPoint(rows, rowsF, pixels, k, ldq, asymmetric, where);
            if (kind === "uniform" || kind === "sparse") {
              const ref = quantizeRowsRef(rowsF, { m: pixels, k, asymmetric });
              const q = new Int8Array(pixels * ldq);
              for (let p = 0; p < pixels; p++) q.set(ref.q.subarray(p * k, (p + 1) * k), p * ldq);
              const scale = new Uint32Array(ref.scale.buffer.slice(0));
              expectSame(rows, { q, scale, zp: ref.zeroPoint }, `${where} (reference)`);
            }
          }
        }
      }
      expect(module.heap.allocatedBytes).toBe(before);
    });

    test("bl_qd8_conv_rows rejects a scratch smaller than the tap offsets and one row", async () => {
      const { module } = await kernelsFor(variant);
      const g: Geometry = {
        c: 2,
        h: 5,
        w: 5,
        oc: 1,
        kh: 3,
        kw: 3,
        strides: [1, 1],
        dilations: [1, 1],
        pads: [1, 1, 1, 1],
      };
      const k = 18, heap = module.heap;
      const pd = heap.alloc(60), px = heap.alloc(50 * 4), ps = heap.alloc((2 * k + 4) * 4), pq = heap.alloc(25 * 24);
      const pscale = heap.alloc(100), pz = heap.alloc(100);
      try {
        heap.u32(pd, 15).set([g.c, g.h, g.w, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 5, 5]);
        const call = (bytes: number) =>
          module.exports.bl_qd8_conv_rows(pd, px, 0, 25, 1, ps, bytes, pq, 24, pscale, pz);
        expect(call((2 * k + 4) * 4 - 4)).toBe(6); // ScratchTooSmall
        expect(call((2 * k + 4) * 4)).toBe(0);
      } finally {
        for (const p of [pd, px, ps, pq, pscale, pz]) heap.free(p);
      }
    });
  });
}
