// Exact comparison against onnxruntime for integer, bool and special-value (inf/NaN) cases, where the
// harness's cosine/abs-error figures do not apply (bigints beyond 2^53, infinities).
import { expect } from "bun:test";
import { fromNumbers, Tensor } from "../../../src/graph/tensor.ts";
import type { DType } from "../../../src/graph/dtype.ts";
import { type OpCase, runOpCase } from "../../_op_harness.ts";

/** Runs a case and asserts every output equals onnxruntime's exactly (NaN equals NaN; -0 equals 0). */
export async function expectOpExact(c: OpCase): Promise<void> {
  const { ours, ref } = await runOpCase(c);
  expect(ours.length).toBe(ref.length);
  ours.forEach((t, i) => {
    const r = ref[i]!;
    expect({ output: i, type: t.type, dims: [...t.dims] }).toEqual({ output: i, type: r.type, dims: [...r.dims] });
    const a = Array.from(t.data as ArrayLike<unknown>, show);
    const b = Array.from(r.data as ArrayLike<unknown>, show);
    expect(a).toEqual(b);
  });
}

function show(v: unknown): string {
  return typeof v === "number" && v === 0 ? "0" : String(v);
}

/** A tensor of `type` from numbers. */
export function tensor(type: DType, values: number[], dims: number[]): Tensor {
  return fromNumbers(type, values, dims);
}

/** An int64 tensor from bigints. */
export function int64(values: bigint[], dims: number[]): Tensor {
  return new Tensor("int64", BigInt64Array.from(values), dims);
}

/** A bool tensor from 0/1 values. */
export function bool(values: number[], dims: number[]): Tensor {
  return new Tensor("bool", Uint8Array.from(values), dims);
}
