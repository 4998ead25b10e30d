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
 * @module
 */
import { allocate } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../op.ts";
import { expSumF32 } from "./exp_f64.ts";

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

/** Softmax over each contiguous row of `n` elements. */
function softmaxRows(x: Tensor, n: number): Tensor {
  const xd = x.data as Float32Array;
  const y = allocate("float32", xd.length) as Float32Array;
  const e = new Float64Array(n);
  for (let base = 0; base < xd.length; base += n) {
    const end = base + n;
    let max = -Infinity;
    for (let p = base; p < end; p++) {
      const v = xd[p]!;
      if (v > max) max = v;
    }
    const inv = 1 / expSumF32(xd, base, n, max, e);
    for (let i = 0; i < n; i++) y[base + i] = e[i]! * inv;
  }
  return new Tensor("float32", y, x.dims);
}

/** LogSoftmax over each contiguous row of `n` elements. */
function logSoftmaxRows(x: Tensor, n: number): Tensor {
  const xd = x.data as Float32Array;
  const y = allocate("float32", xd.length) as Float32Array;
  const e = new Float64Array(n);
  for (let base = 0; base < xd.length; base += n) {
    const end = base + n;
    let max = -Infinity;
    for (let p = base; p < end; p++) {
      const v = xd[p]!;
      if (v > max) max = v;
    }
    const shift = max + Math.log(expSumF32(xd, base, n, max, e));
    for (let p = base; p < end; p++) y[p] = xd[p]! - shift;
  }
  return new Tensor("float32", y, x.dims);
}

/**
 * The fast op for a `Softmax` or `LogSoftmax` node (falling back to `def` per call when the input is
 * not float32 or its axis is strided), or undefined for other ops.
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
export function f32SoftmaxOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  if (node.op !== "Softmax" && node.op !== "LogSoftmax") return undefined;
  const rows = node.op === "Softmax" ? softmaxRows : logSoftmaxRows;
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const x = inputs[0];
      const n = x ? rowLength(x, attrs, ctx.opset) : undefined;
      return x && n !== undefined ? [rows(x, n)] : def.run(inputs, attrs, ctx);
    },
  };
}
