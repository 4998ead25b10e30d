/**
 * Element-type checks and array types shared by the math kernels.
 * @module
 */
import type { DType } from "../../../graph/dtype.ts";
import type { Tensor } from "../../../graph/tensor.ts";

/** Arrays whose elements are JS numbers. */
export type NumArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Arrays whose elements are bigints (int64, uint64). */
export type BigArray = BigInt64Array | BigUint64Array;

/** Float element types every float kernel accepts. */
export const FLOATS: readonly DType[] = ["float32", "float64"];

/** Float and the integer types ONNX exporters compute shapes with. */
export const NUMERIC: readonly DType[] = ["float32", "float64", "int32", "int64"];

/** Throws TypeError unless `t` has one of the `allowed` types. `what` names the input, e.g. `"input A"`. */
export function requireDType(op: string, what: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.type)) {
    throw new TypeError(`${op}: ${what} has type ${t.type}; supported: ${allowed.join(", ")}`);
  }
}

/** Throws TypeError unless all `tensors` share one element type (ONNX type constraint `T`). */
export function requireSameDType(op: string, tensors: readonly Tensor[]): void {
  const first = tensors[0];
  for (const [i, t] of tensors.entries()) {
    if (first && t.type !== first.type) {
      throw new TypeError(`${op}: input ${i} has type ${t.type} but input 0 has type ${first.type}; they must match`);
    }
  }
}

/** Returns the tensor or throws TypeError naming the missing required input. */
export function required(op: string, t: Tensor | undefined, index: number): Tensor {
  if (!t) throw new TypeError(`${op}: required input ${index} is missing`);
  return t;
}
