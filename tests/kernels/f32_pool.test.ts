// The wasm 2-D pooling kernels (kernels/src/f32_pool.rs) give the TypeScript fast path's bits exactly (and so the
// reference kernels') on every build: whole-window interiors and borders, padding, ceil mode, empty windows,
// strides 1–3, windows up to 5 wide, count_include_pad 0 and 1, batch 2, with NaN, ±Infinity and ±0 in the data;
// and GlobalAveragePool (kernels/src/f32_plane_means.rs), its float64 sums in the same order.
import { describe, expect, test } from "bun:test";
import type { Attribute, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { KernelError } from "../../src/kernels/kernel_error.ts";
import { Kernels } from "../../src/kernels/kernels.ts";
import { f32PoolOp, pool2dGeometry, WASM_POOL_MIN_OUTPUTS } from "../../src/runtime/fast/f32_pool_ops.ts";
import { Attrs } from "../../src/runtime/op.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { seededRandom } from "../_random.ts";
import { availableVariants, expectSameBits, kernelsFor, randomF32 } from "./_kernel_suite.ts";

const ints = (value: number[]): Attribute => ({ kind: "ints", value });
const int = (value: number): Attribute => ({ kind: "int", value });

interface Case {
  what: string;
  dims: number[];
  attrs: Record<string, Attribute>;
}

const CASES: Case[] = [
  { what: "cls's MaxPool 2×2 s2", dims: [1, 200, 2, 96], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
  {
    what: "rec's AveragePool 3×2 s(3,2)",
    dims: [1, 480, 3, 80],
    attrs: { kernel_shape: ints([3, 2]), strides: ints([3, 2]) },
  },
  {
    what: "3×3 s2 pad 1, batch 2, odd sizes",
    dims: [2, 3, 13, 17],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) },
  },
  {
    what: "3×3 s2 ceil_mode",
    dims: [1, 4, 10, 11],
    attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) },
  },
  {
    what: "2×5 s(1,3), asymmetric pads",
    dims: [2, 3, 9, 23],
    attrs: { kernel_shape: ints([2, 5]), strides: ints([1, 3]), pads: ints([0, 2, 1, 2]) },
  },
  {
    what: "4×4 s1 pad 2 (stride-1 vectors, partial windows)",
    dims: [1, 5, 12, 29],
    attrs: { kernel_shape: ints([4, 4]), strides: ints([1, 1]), pads: ints([2, 2, 1, 2]) },
  },
  {
    what: "5×3 s2 ceil_mode, pads",
    dims: [2, 2, 15, 21],
    attrs: { kernel_shape: ints([5, 3]), strides: ints([2, 2]), pads: ints([1, 0, 2, 1]), ceil_mode: int(1) },
  },
  {
    what: "2×2 s1, SAME_UPPER",
    dims: [1, 3, 7, 18],
    attrs: { kernel_shape: ints([2, 2]), strides: ints([1, 1]), auto_pad: { kind: "string", value: "SAME_UPPER" } },
  },
  {
    what: "windows wholly in padding (empty)",
    dims: [1, 2, 4, 9],
    attrs: { kernel_shape: ints([2, 2]), strides: ints([1, 1]), pads: ints([2, 3, 2, 3]) },
  },
  {
    what: "2×2 s2 ceil_mode, odd sizes (partial last row and column)",
    dims: [1, 3, 7, 3],
    attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: int(1) },
  },
];

/**
 * Random values with specials: a seeded fifth of the elements is NaN, ±Infinity or ±0, and the last plane
 * holds only those and ±1 (ties of ±0 and NaN first taps in every window).
 */
function withSpecials(dims: number[], seed: number): Float32Array {
  const x = randomF32(dims.reduce((a, b) => a * b, 1), seed, -4, 4);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1];
  const next = seededRandom(seed + 1);
  const plane = dims[2]! * dims[3]!;
  for (let i = 0; i < x.length; i++) {
    const dense = i >= x.length - plane;
    if (dense || next() < 0.2) x[i] = specials[Math.floor(next() * (dense ? 7 : 5))]!;
  }
  return x;
}

function node(op: string, attributes: Record<string, Attribute>): Node {
  return { op, name: op, inputs: ["x"], outputs: ["y"], attributes, domain: "" } as Node;
}

/** The reference kernel's output and the TypeScript fast path's (which must agree) for `op` on `x`. */
function oracles(op: string, c: Case, x: Float32Array): Float32Array {
  const n = node(op, c.attrs), attrs = new Attrs(c.attrs), ctx = { node: n, opset: 19, runSubgraph: () => [] };
  const input = new Tensor("float32", x, c.dims);
  const ref = OPS.get(op)!.run([input], attrs, ctx)[0]!.data as Float32Array;
  const ts = f32PoolOp(n, OPS.get(op)!)!.run([input], attrs, ctx)[0]!.data as Float32Array;
  expectSameBits(ts, ref, `${op} ${c.what}: TypeScript fast path vs reference`);
  return ts;
}

const KINDS = [
  { op: "MaxPool", kind: { op: "max" }, extra: {} },
  { op: "AveragePool", kind: { op: "average", includePad: false }, extra: { count_include_pad: int(0) } },
  { op: "AveragePool", kind: { op: "average", includePad: true }, extra: { count_include_pad: int(1) } },
] as const;

for (const variant of availableVariants()) {
  describe(`f32-pool2d (${variant})`, () => {
    for (const { op, kind, extra } of KINDS) {
      const label = op === "MaxPool"
        ? op
        : `${op} count_include_pad=${kind.op === "average" && kind.includePad ? 1 : 0}`;
      test(`${label} equals the TypeScript fast path bit for bit`, async () => {
        const kernels = await kernelsFor(variant);
        for (const [i, base] of CASES.entries()) {
          const c = { ...base, attrs: { ...base.attrs, ...extra } };
          const x = withSpecials(c.dims, 500 + i);
          const want = oracles(op, c, x);
          const g = pool2dGeometry(c.dims, new Attrs(c.attrs))!;
          expectSameBits(kernels.pool2dF32(kind, x, g), want, `${variant} ${label} ${c.what}`);
        }
        expect(kernels.module.heap.allocatedBytes).toBe(0);
      });
    }

    test("the fast op runs the kernel on large inputs (SIMD builds) and keeps the bits", async () => {
      const kernels = new Kernels((await kernelsFor(variant)).module); // its own record of what ran
      const c = CASES[0]!;
      expect(c.dims[1]! * 48).toBeGreaterThanOrEqual(WASM_POOL_MIN_OUTPUTS);
      const n = node("MaxPool", c.attrs),
        attrs = new Attrs(c.attrs),
        ctx = { node: n, opset: 19, runSubgraph: () => [] };
      const x = withSpecials(c.dims, 77);
      const got = f32PoolOp(n, OPS.get("MaxPool")!, kernels)!.run([new Tensor("float32", x, c.dims)], attrs, ctx)[0]!;
      expect(got.dims).toEqual([1, 200, 1, 48]);
      expectSameBits(got.data as Float32Array, oracles("MaxPool", c, x), `${variant} fast op`);
      expect(kernels.ran().includes(`f32-maxpool2d-chw-${variant}`)).toBe(variant !== "scalar");
    });

    test("GlobalAveragePool equals the TypeScript fast path bit for bit (8/4/1-plane paths, any plane size)", async () => {
      const kernels = await kernelsFor(variant);
      const op = OPS.get("GlobalAveragePool")!, n = node("GlobalAveragePool", {}), attrs = new Attrs({});
      const ctx = { node: n, opset: 19, runSubgraph: () => [] };
      // planes 8·k + 4 + 1 and odd plane sizes: every path and every tail; cls's [1,200,2,96]; batch 2.
      for (const [i, dims] of [[1, 13, 3, 5], [2, 7, 1, 1], [1, 200, 2, 96], [1, 8, 4, 4], [2, 9, 3, 11]].entries()) {
        // Plain values (every sum's rounding shows) and with specials (NaN/∞ planes).
        for (const x of [randomF32(dims.reduce((a, b) => a * b, 1), 800 + i, -4, 4), withSpecials(dims, 900 + i)]) {
          const ref = op.run([new Tensor("float32", x, dims)], attrs, ctx)[0]!;
          const ts = f32PoolOp(n, op)!.run([new Tensor("float32", x, dims)], attrs, ctx)[0]!;
          expectSameBits(
            ts.data as Float32Array,
            ref.data as Float32Array,
            `GlobalAveragePool ${dims}: TypeScript vs reference`,
          );
          const got = kernels.globalAveragePoolF32(x, dims[0]! * dims[1]!);
          expectSameBits(got, ref.data as Float32Array, `${variant} GlobalAveragePool ${dims}`);
        }
      }
      // Through the fast op: large inputs take the kernel on SIMD builds, with the same dims and bits.
      const own = new Kernels(kernels.module);
      const dims = [1, 200, 2, 96], x = withSpecials(dims, 950);
      const fast = f32PoolOp(n, op, own)!.run([new Tensor("float32", x, dims)], attrs, ctx)[0]!;
      expect(fast.dims).toEqual([1, 200, 1, 1]);
      expectSameBits(
        fast.data as Float32Array,
        op.run([new Tensor("float32", x, dims)], attrs, ctx)[0]!.data as Float32Array,
        "fast op",
      );
      expect(own.ran().includes(`f32-global-avgpool-chw-${variant}`)).toBe(variant !== "scalar");
      expect(() => kernels.globalAveragePoolF32(new Float32Array(10), 3)).toThrow(RangeError);
      expect(kernels.module.heap.allocatedBytes).toBe(0);
    });

    test("a zero stride or a length that does not match the geometry is rejected", async () => {
      const kernels = await kernelsFor(variant);
      const g = { planes: 1, h: 4, w: 4, oh: 2, ow: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 };
      expect(() => kernels.pool2dF32({ op: "max" }, new Float32Array(16), { ...g, sw: 0 })).toThrow(KernelError);
      expect(() => kernels.pool2dF32({ op: "max" }, new Float32Array(15), g)).toThrow(RangeError);
      expect(kernels.module.heap.allocatedBytes).toBe(0);
    });
  });
}
