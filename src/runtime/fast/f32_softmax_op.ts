/**
 * Fast path for float32 `Softmax` and `LogSoftmax` whose normalized elements are contiguous: the axis is
 * the last one (or followed only by size-1 axes) from opset 13, and always before opset 13, where the
 * input is coerced to 2-D `[prod(dims[:axis]), prod(dims[axis:])]` (the reference kernel's two
 * semantics, `ops/math/softmax.ts`). Other dtypes, strided axes and Hardmax run the reference kernel.
 *
 * Why the reference is slow: per element it calls `Math.exp`, an out-of-line call into the C library on
 * both engines (14–22 ns on Deno, about 10 on Bun on the dev VM: three quarters of the kernel's time).
 * The rest is small: a monomorphic copy of the reference loop that keeps `Math.exp` was only about 10 %
 * faster. This path runs the same algorithm over contiguous `Float32Array` rows with `expF64`
 * (`exp_f64.ts`), a table-driven exp written out inline in the row loop (`expSumF32`), which is also
 * deterministic: the same bits under Deno, Bun and any CPU (`Math.exp` is not: Deno's and Bun's disagree
 * by 1 ulp on about 0.08 % of arguments).
 *
 * Error budget against the reference kernel (which keeps `Math.exp`): the same max, the same float64 sum
 * in the same order, the same rounding points; only the exponentials may differ, by at most 1 ulp of a
 * double (`expF64` is within 0.51 ulp of the true value, Math.exp 0.50). Softmax outputs are therefore
 * within 1 float32 ulp of the reference and almost always identical: 0 of 555 922 elements differed in
 * the tests (random logits, special values, both opset semantics), 0 of 265 000 in PP-OCR rec's output.
 * LogSoftmax outputs `x − (max + log(sum))` are within 1 float32 ulp of the output plus 4 double ulps of
 * `max + log(sum)` (0 of 555 922 differed). NaN, ±Infinity and underflowing exponentials give exactly
 * the reference's values.
 *
 * With the wasm kernels loaded (a SIMD build), inputs of at least {@link WASM_SOFTMAX_MIN_ELEMENTS}
 * elements run in `kernels/src/f32_softmax.rs`: the same double-precision operations in the same order,
 * so the output is this TypeScript path's bit for bit on every build (tests/kernels/f32_softmax.test.ts);
 * LogSoftmax takes only each row's max and sum from wasm and keeps `Math.log` and the subtraction here.
 * Measured (one process, interleaved, medians; copy-in/copy-out included; time ratio wasm / TypeScript):
 * rec's three Softmax calls per run ([1, 40, 6625] and twice [1, 8, 40, 40]) 0.67 under Deno, 0.81 under
 * Bun, SIMD128 and relaxed builds alike; one call under Deno: 6625-element rows 0.57–0.61, 40-element
 * rows 0.69–0.71, 128 elements 0.58–0.68, 64 elements 0.88, 32 elements 0.95–1.24 (hence the threshold);
 * the scalar build 0.99–1.03 on large rows (no gain), so it keeps the TypeScript path.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import type { Attrs, OpDefinition } from "../op.ts";
import { expSumF32 } from "./exp_f64.ts";

/** Fewest elements (all rows together) a call sends to the wasm kernel: below it the copies cost more. */
export const WASM_SOFTMAX_MIN_ELEMENTS = 128;

/** The length of the contiguous rows `x` is normalized over, or undefined when the fast path does not apply. */
function rowLength(x: Tensor, attrs: Attrs, opset: number): number | undefined {
  const dims = x.dims, rank = dims.length;
  if (x.type !== "float32" || rank === 0 || x.size === 0) return undefined;
  const legacy = opset < 13;
  const given = attrs.int("axis", legacy ? 1 : -1);
  const axis = given < 0 ? given + rank : given;
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) return undefined;
  let n = dims[axis]!;
  for (let d = axis + 1; d < rank; d++) {
    if (legacy) n *= dims[d]!;
    else if (dims[d] !== 1) return undefined;
  }
  return n;
}

/** The largest of `x[start .. end)` (a NaN never replaces it); -Infinity if empty. */
function rowMax(x: Float32Array, start: number, end: number): number {
  let max = -Infinity;
  for (let p = start; p < end; p++) {
    const v = x[p]!;
    if (v > max) max = v;
  }
  return max;
}

/**
 * Softmax over each contiguous row of `n` elements of `x` into `y`, in TypeScript: the path without
 * kernels and the oracle the wasm kernel is tested against (its bits must equal these).
 *
 * @example
 * ```ts
 * import { softmaxRowsTs } from "./f32_softmax_op.ts";
 * const y = new Float32Array(2);
 * softmaxRowsTs(new Float32Array([0, 0]), 2, y);
 * if (y[0] !== 0.5 || y[1] !== 0.5) throw new Error("softmax");
 * ```
 */
export function softmaxRowsTs(x: Float32Array, n: number, y: Float32Array): void {
  const e = new Float64Array(n);
  for (let base = 0; base < x.length; base += n) {
    const max = rowMax(x, base, base + n);
    const inv = 1 / expSumF32(x, base, n, max, e);
    for (let i = 0; i < n; i++) y[base + i] = e[i]! * inv;
  }
}

/**
 * Each contiguous row's float64 max and sum of `exp(x − max)` in index order, as `[max0, sum0, max1, …]`
 * (TypeScript; the wasm kernel's `maxExpSumRowsF32` gives the same values).
 *
 * @example
 * ```ts
 * import { maxExpSumRowsTs } from "./f32_softmax_op.ts";
 * const [max, sum] = maxExpSumRowsTs(new Float32Array([0, 0]), 2);
 * if (max !== 0 || sum !== 2) throw new Error("row stats");
 * ```
 */
export function maxExpSumRowsTs(x: Float32Array, n: number): Float64Array {
  const stats = new Float64Array((x.length / n) * 2);
  const e = new Float64Array(n);
  for (let base = 0, r = 0; base < x.length; base += n, r += 2) {
    const max = rowMax(x, base, base + n);
    stats[r] = max;
    stats[r + 1] = expSumF32(x, base, n, max, e);
  }
  return stats;
}

/** LogSoftmax of each row from its max and sum: `y = x − (max + log(sum))`. */
function logSoftmaxFromStats(x: Float32Array, n: number, stats: Float64Array, y: Float32Array): void {
  for (let base = 0, r = 0; base < x.length; base += n, r += 2) {
    const end = base + n;
    const shift = stats[r]! + Math.log(stats[r + 1]!);
    for (let p = base; p < end; p++) y[p] = x[p]! - shift;
  }
}

/** The kernels to run `x` on, or undefined for the TypeScript path (no kernels, scalar build, small input). */
function wasmFor(kernels: Kernels | undefined, x: Float32Array): Kernels | undefined {
  return kernels !== undefined && kernels.variant !== "scalar" && x.length >= WASM_SOFTMAX_MIN_ELEMENTS
    ? kernels
    : undefined;
}

/** Softmax over each contiguous row of `n` elements. */
function softmaxRows(x: Tensor, n: number, kernels: Kernels | undefined): Tensor {
  const xd = x.data as Float32Array;
  const y = allocateForOverwrite("float32", xd.length) as Float32Array;
  const wasm = wasmFor(kernels, xd);
  if (wasm) wasm.softmaxRowsF32(xd, n, y);
  else softmaxRowsTs(xd, n, y);
  return new Tensor("float32", y, x.dims);
}

/** LogSoftmax over each contiguous row of `n` elements. */
function logSoftmaxRows(x: Tensor, n: number, kernels: Kernels | undefined): Tensor {
  const xd = x.data as Float32Array;
  const y = allocateForOverwrite("float32", xd.length) as Float32Array;
  const wasm = wasmFor(kernels, xd);
  logSoftmaxFromStats(xd, n, wasm ? wasm.maxExpSumRowsF32(xd, n) : maxExpSumRowsTs(xd, n), y);
  return new Tensor("float32", y, x.dims);
}

/**
 * The fast op for a `Softmax` or `LogSoftmax` node (falling back to `def` per call when the input is
 * not float32 or its axis is strided), or undefined for other ops. With `kernels` (a SIMD build), inputs
 * of at least {@link WASM_SOFTMAX_MIN_ELEMENTS} elements run in wasm, with the same bits.
 *
 * @example
 * ```ts
 * import { OPS } from "../registry.ts";
 * import { Attrs } from "../op.ts";
 * import { Tensor } from "../../graph/tensor.ts";
 * import { f32SoftmaxOp } from "./f32_softmax_op.ts";
 * const node = { op: "Softmax", name: "s", inputs: ["x"], outputs: ["y"], attributes: {}, domain: "" };
 * const op = f32SoftmaxOp(node, OPS.get("Softmax")!)!;
 * const x = new Tensor("float32", new Float32Array([0, 0]), [1, 2]);
 * const [y] = op.run([x], new Attrs({}), { node, opset: 13, runSubgraph: () => [] });
 * if ((y!.data as Float32Array)[0] !== 0.5) throw new Error("softmax");
 * ```
 */
export function f32SoftmaxOp(node: Node, def: OpDefinition, kernels?: Kernels): OpDefinition | undefined {
  if (node.op !== "Softmax" && node.op !== "LogSoftmax") return undefined;
  const rows = node.op === "Softmax" ? softmaxRows : logSoftmaxRows;
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const x = inputs[0];
      const n = x ? rowLength(x, attrs, ctx.opset) : undefined;
      return x && n !== undefined ? [rows(x, n, kernels)] : def.run(inputs, attrs, ctx);
    },
  };
}
