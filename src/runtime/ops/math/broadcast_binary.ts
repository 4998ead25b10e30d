/**
 * The elementwise binary kernel with multidirectional (NumPy) broadcasting. An op supplies a row
 * kernel — a tight loop over one broadcast row — and, for int64/uint64 tensors, a scalar bigint rule;
 * {@link broadcastBinary} plans the rows once and calls the row kernel per row, so the inner loops stay
 * monomorphic and free of per-element calls. Binary ops, comparisons, PRelu and the variadic ops
 * (Sum, Mean, Max, Min) are all built on it.
 * @module
 */
import { allocateForOverwrite, type DType, isBigIntDType } from "../../../graph/dtype.ts";
import { Tensor } from "../../../graph/tensor.ts";
import type { BigArray, NumArray } from "./_dtypes.ts";
import { planRows } from "./_broadcast.ts";

/**
 * One broadcast row: `o[oi + i] = f(a[ai + i·as], b[bi + i·bs])` for `i < n` (strides are 0 or 1).
 *
 * @example
 * ```ts
 * const add: BinaryRow = (o, a, ai, as, b, bi, bs, oi, n) => {
 *   for (let i = 0; i < n; i++, ai += as, bi += bs) o[oi + i] = a[ai]! + b[bi]!;
 * };
 * ```
 */
export type BinaryRow = (
  o: NumArray,
  a: NumArray,
  ai: number,
  as: number,
  b: NumArray,
  bi: number,
  bs: number,
  oi: number,
  n: number,
) => void;

/** The scalar rule for bigint elements; a boolean result is stored as 1/0 in a bool output. */
export type BigRule = (a: bigint, b: bigint) => bigint | boolean;

/** How to compute one binary op. */
export interface BinaryKernel {
  /** Row kernel for number-element dtypes (float32, float64, int32, bool, ...). */
  row: BinaryRow;
  /** Row kernel for int32/uint32 when integer semantics differ from float ones (e.g. `Math.imul`). */
  intRow?: BinaryRow;
  /** Scalar rule for int64/uint64; without it those dtypes are rejected. */
  big?: BigRule;
}

/**
 * Computes `a op b` elementwise with broadcasting into a new tensor of `outType` (the input type when
 * omitted; `"bool"` for comparisons). The caller checks the dtypes; `op` only names the op in errors.
 *
 * @example
 * ```ts
 * const a = new Tensor("float32", new Float32Array([1, 2]), [2, 1]);
 * const b = new Tensor("float32", new Float32Array([10, 20, 30]), [3]);
 * const row: BinaryRow = (o, x, xi, xs, y, yi, ys, oi, n) => {
 *   for (let i = 0; i < n; i++, xi += xs, yi += ys) o[oi + i] = x[xi]! + y[yi]!;
 * };
 * const sum = broadcastBinary("Add", a, b, { row });
 * if (sum.dims.join() !== "2,3" || sum.data[5] !== 32) throw new Error("broadcast");
 * ```
 */
export function broadcastBinary(op: string, a: Tensor, b: Tensor, kernel: BinaryKernel, outType?: DType): Tensor {
  const type = outType ?? a.type;
  let plan;
  try {
    plan = planRows([a.dims, b.dims]);
  } catch (cause) {
    throw new RangeError(`${op}: input shapes [${a.dims.join(", ")}] and [${b.dims.join(", ")}] do not broadcast`, {
      cause,
    });
  }
  const { dims, inner, rows, offsets, strides } = plan;
  const out = allocateForOverwrite(type, rows * inner);
  const ao = offsets[0]!, bo = offsets[1]!;
  const as = strides[0]!, bs = strides[1]!;
  if (isBigIntDType(a.type) || isBigIntDType(b.type)) {
    if (!kernel.big) throw new TypeError(`${op}: type ${a.type} is not supported`);
    const rule = kernel.big;
    const x = a.data as BigArray, y = b.data as BigArray;
    const bool = !isBigIntDType(type);
    const o = out as BigArray | Uint8Array;
    for (let r = 0; r < rows; r++) {
      let ai = ao[r]!, bi = bo[r]!;
      const oi = r * inner;
      for (let i = 0; i < inner; i++, ai += as, bi += bs) {
        const v = rule(x[ai]!, y[bi]!);
        if (bool) (o as Uint8Array)[oi + i] = v ? 1 : 0;
        else (o as BigArray)[oi + i] = v as bigint;
      }
    }
  } else {
    const intLike = a.type === "int32" || a.type === "uint32";
    const row = intLike && kernel.intRow ? kernel.intRow : kernel.row;
    const x = a.data as NumArray, y = b.data as NumArray, o = out as NumArray;
    for (let r = 0; r < rows; r++) row(o, x, ao[r]!, as, y, bo[r]!, bs, r * inner, inner);
  }
  return new Tensor(type, out, dims);
}
