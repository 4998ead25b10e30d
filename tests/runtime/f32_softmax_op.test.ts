// The float32 Softmax/LogSoftmax fast path stays inside its error budget against the reference kernel (which
// keeps Math.exp) on every shape and axis it takes, under both opset semantics, and hands every other call to
// the reference; its exp is within 1 ulp of Math.exp and gives the same bits under Deno as under Bun.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Attribute, Node } from "../../src/graph/graph.ts";
import { Tensor } from "../../src/graph/tensor.ts";
import { expF64 } from "../../src/runtime/fast/exp_f64.ts";
import { f32SoftmaxOp, WASM_SOFTMAX_MIN_ELEMENTS } from "../../src/runtime/fast/f32_softmax_op.ts";
import { Attrs, type OpDefinition } from "../../src/runtime/op.ts";
import { OPS } from "../../src/runtime/registry.ts";
import { randomTensor, seededRandom } from "../_random.ts";
import { availableVariants, kernelsFor } from "../kernels/_kernel_suite.ts";
import { Kernels } from "../../src/kernels/kernels.ts";
import { expF64Digest } from "./_exp_f64_digest.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function node(op: string, axis?: number): Node {
  const attributes: Record<string, Attribute> = axis === undefined ? {} : { axis: { kind: "int", value: axis } };
  return { op, name: op, inputs: ["x"], outputs: ["y"], attributes, domain: "" };
}

/** The reference definition wrapped to count its calls, and the fast op built over it. */
function spied(n: Node): { fast: OpDefinition; calls: () => number } {
  const ref = OPS.get(n.op)!;
  let calls = 0;
  const def: OpDefinition = { ...ref, run: (...args) => (calls++, ref.run(...args)) };
  return { fast: f32SoftmaxOp(n, def)!, calls: () => calls };
}

function run(def: OpDefinition, n: Node, x: Tensor, opset: number): Tensor {
  return def.run([x], new Attrs(n.attributes), { node: n, opset, runSubgraph: () => [] })[0]!;
}

/** Distance in float32 steps between two finite floats of the same sign (0 when equal). */
const f32 = new Float32Array(2), i32 = new Int32Array(f32.buffer);
function steps(a: number, b: number): number {
  f32[0] = a, f32[1] = b;
  return Math.abs(i32[0]! - i32[1]!);
}

/** float32 spacing at |v|. */
function ulp32(v: number): number {
  f32[0] = Math.abs(v);
  i32[1] = i32[0]! + 1;
  return f32[1]! - f32[0]!;
}

interface Case {
  dims: number[];
  axis?: number;
  opset: number;
  lo?: number;
  hi?: number;
  /** Length of the rows the op normalizes over, for the LogSoftmax bound. */
  row: number;
}

const CASES: Case[] = [
  { dims: [1, 40, 6625], axis: 2, opset: 11, row: 6625 }, // PP-OCR rec's classifier (legacy semantics)
  { dims: [1, 40, 6625], axis: -1, opset: 13, row: 6625 },
  { dims: [2, 8, 40, 40], axis: 3, opset: 13, row: 40 }, // SVTR attention
  { dims: [3, 7], opset: 13, row: 7 }, // default axis -1
  { dims: [2, 3, 4, 1], axis: 2, opset: 13, row: 4 }, // axis followed by a size-1 axis
  { dims: [2, 3, 4], axis: 1, opset: 11, row: 12 }, // coerced to [2, 12]
  { dims: [2, 3, 4], opset: 11, row: 12 }, // default axis 1, coerced
  { dims: [2, 3, 4], axis: 0, opset: 12, row: 24 }, // coerced to [1, 24]
  { dims: [4, 50], axis: 1, opset: 13, lo: -120, hi: 120, row: 50 }, // exponentials underflow
  { dims: [5], axis: 0, opset: 13, lo: -1e-3, hi: 1e-3, row: 5 },
  { dims: [3, 64], axis: -1, opset: 13, lo: -800, hi: 0, row: 64 }, // exp's edge path: subnormal results, 0
];

/** A row with -Infinity, one with +Infinity, one with NaN, written into the first rows of `x`. */
function withSpecials(x: Tensor, row: number): Tensor {
  const d = x.data as Float32Array;
  if (d.length >= 4 * row && row >= 2) {
    d[1] = -Infinity;
    d[row + 1] = Infinity;
    d[2 * row] = NaN;
    d.fill(-Infinity, 3 * row, 4 * row);
  }
  return x;
}

describe("expF64", () => {
  test("gives the exact IEEE result at the edges", () => {
    expect(expF64(0)).toBe(1);
    expect(expF64(-0)).toBe(1);
    expect(expF64(NaN)).toBeNaN();
    expect(expF64(Infinity)).toBe(Infinity);
    expect(expF64(-Infinity)).toBe(0);
    expect(expF64(709.79)).toBe(Infinity);
    expect(expF64(-745.2)).toBe(0);
    expect(Number.isFinite(expF64(709.78))).toBe(true);
    expect(expF64(-745.1)).toBeGreaterThan(0);
  });

  test("is within 1 ulp of Math.exp over its whole range and equal to it almost always", () => {
    const next = seededRandom(7);
    const a = new Float64Array(2), bits = new BigInt64Array(a.buffer);
    let differing = 0;
    const count = 200_000;
    for (let i = 0; i < count; i++) {
      const x = i % 2 === 0 ? -40 * next() : -745 + 1454 * next();
      a[0] = expF64(x), a[1] = Math.exp(x);
      const d = bits[0]! - bits[1]!;
      expect(d >= -1n && d <= 1n).toBe(true);
      if (d !== 0n) differing++;
    }
    expect(differing / count).toBeLessThan(0.01);
  });

  test("gives the same bits under Deno as under Bun", () => {
    const deno = spawnSync(`${ROOT}node_modules/.bin/deno`, ["run", "tests/runtime/_exp_f64_digest.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(deno.stderr).toBe("");
    expect(deno.stdout.trim()).toBe(expF64Digest());
  });
});

describe("f32 Softmax fast path", () => {
  test("is within 1 float32 ulp of the reference, identical on all but a few elements", () => {
    let total = 0, differing = 0;
    for (const [i, c] of CASES.entries()) {
      const n = node("Softmax", c.axis);
      const { fast, calls } = spied(n);
      const x = withSpecials(randomTensor(c.dims, 100 + i, c.lo ?? -12, c.hi ?? 12), c.row);
      const want = run(OPS.get("Softmax")!, n, x, c.opset);
      const got = run(fast, n, x, c.opset);
      expect(calls()).toBe(0);
      expect(got.dims).toEqual(want.dims);
      expect(got.type).toBe("float32");
      const g = got.data as Float32Array, w = want.data as Float32Array;
      for (let k = 0; k < w.length; k++) {
        if (Number.isNaN(w[k])) expect(g[k]).toBeNaN();
        else expect(steps(g[k]!, w[k]!)).toBeLessThanOrEqual(1);
        if (!Object.is(g[k], w[k]) && !Number.isNaN(w[k])) differing++;
      }
      total += w.length;
    }
    expect(differing / total).toBeLessThan(1e-4);
  });

  test("LogSoftmax is within 1 float32 ulp plus 4 double ulps of the row shift of the reference", () => {
    let total = 0, differing = 0;
    for (const [i, c] of CASES.entries()) {
      const n = node("LogSoftmax", c.axis);
      const { fast, calls } = spied(n);
      const x = withSpecials(randomTensor(c.dims, 200 + i, c.lo ?? -12, c.hi ?? 12), c.row);
      const want = run(OPS.get("LogSoftmax")!, n, x, c.opset);
      const got = run(fast, n, x, c.opset);
      expect(calls()).toBe(0);
      expect(got.dims).toEqual(want.dims);
      const g = got.data as Float32Array, w = want.data as Float32Array, xd = x.data as Float32Array;
      for (let k = 0; k < w.length; k++) {
        if (!Number.isFinite(w[k])) {
          expect(Object.is(g[k], w[k]) || (Number.isNaN(g[k]) && Number.isNaN(w[k]))).toBe(true);
          continue;
        }
        const shift = Math.abs(xd[k]! - w[k]!); // |max + log(sum)| as the reference rounded it
        expect(Math.abs(g[k]! - w[k]!)).toBeLessThanOrEqual(ulp32(w[k]!) + 4 * Number.EPSILON * shift);
        if (g[k] !== w[k]) differing++;
      }
      total += w.length;
    }
    expect(differing / total).toBeLessThan(1e-4);
  });

  test("hands strided axes, other dtypes and bad axes to the reference kernel", () => {
    const strided = node("Softmax", 1);
    const a = spied(strided);
    const x = randomTensor([2, 3, 4], 5);
    expect(Array.from(run(a.fast, strided, x, 13).data as Float32Array)).toEqual(
      Array.from(run(OPS.get("Softmax")!, strided, x, 13).data as Float32Array),
    );
    expect(a.calls()).toBe(1);

    const last = node("Softmax", -1);
    const b = spied(last);
    const x64 = new Tensor("float64", new Float64Array([1, 2, 3, 4]), [2, 2]);
    const got = run(b.fast, last, x64, 13);
    expect(got.type).toBe("float64");
    expect(b.calls()).toBe(1);

    const bad = node("LogSoftmax", 3);
    const c = spied(bad);
    expect(() => run(c.fast, bad, x, 13)).toThrow(RangeError);
    expect(c.calls()).toBe(1);
  });

  test("takes only Softmax and LogSoftmax", () => {
    expect(f32SoftmaxOp(node("Hardmax"), OPS.get("Hardmax")!)).toBeUndefined();
    expect(f32SoftmaxOp(node("Relu"), OPS.get("Relu")!)).toBeUndefined();
  });
});

describe("f32 Softmax fast path on the wasm kernels", () => {
  /** Both ops on every case, with and without kernels: the same bits (any NaN matching any NaN). */
  for (const variant of availableVariants().filter((v) => v !== "scalar")) {
    test(`gives the TypeScript path's bits on every case, both ops (${variant})`, async () => {
      const kernels = new Kernels((await kernelsFor(variant)).module);
      for (const op of ["Softmax", "LogSoftmax"]) {
        for (const [i, c] of CASES.entries()) {
          const n = node(op, c.axis);
          const x = withSpecials(randomTensor(c.dims, 500 + i, c.lo ?? -12, c.hi ?? 12), c.row);
          const want = run(f32SoftmaxOp(n, OPS.get(op)!)!, n, x, c.opset).data as Float32Array;
          const got = run(f32SoftmaxOp(n, OPS.get(op)!, kernels)!, n, x, c.opset).data as Float32Array;
          const where = `${op} ${variant} [${c.dims}] axis ${c.axis} opset ${c.opset}`;
          let differing = 0;
          for (let k = 0; k < want.length; k++) {
            if (!(Number.isNaN(want[k]) ? Number.isNaN(got[k]) : Object.is(got[k], want[k]))) differing++;
          }
          expect(differing, where).toBe(0);
        }
      }
      expect(kernels.ran()).toEqual([`f32-softmax-rows-${variant}`]);
    });
  }

  test("keeps inputs below the size threshold, and the scalar build, on the TypeScript path", async () => {
    const n = node("Softmax", -1);
    const small = randomTensor([2, WASM_SOFTMAX_MIN_ELEMENTS / 2 - 1], 9);
    for (const variant of availableVariants()) {
      const kernels = new Kernels((await kernelsFor(variant)).module);
      run(f32SoftmaxOp(n, OPS.get("Softmax")!, kernels)!, n, small, 13);
      expect(kernels.ran()).toEqual([]);
      run(f32SoftmaxOp(n, OPS.get("Softmax")!, kernels)!, n, randomTensor([4, 64], 10), 13);
      expect(kernels.ran()).toEqual(variant === "scalar" ? [] : [`f32-softmax-rows-${variant}`]);
    }
  });
});
