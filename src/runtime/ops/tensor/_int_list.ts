/**
 * Reading integer-list inputs (shapes, axes, indices, repeats) as JS numbers with useful errors.
 * @module
 */
import { type Tensor, toNumbers } from "../../../graph/tensor.ts";

/**
 * The elements of an int32/int64 tensor as numbers (INT64_MAX/MIN clamp to ±MAX_SAFE_INTEGER).
 * `what` names the input in messages, e.g. `"Reshape shape"`.
 */
export function intList(t: Tensor | undefined, what: string): number[] {
  if (t === undefined) throw new TypeError(`${what} is missing`);
  if (t.type !== "int64" && t.type !== "int32") {
    throw new TypeError(`${what} must be an int64 or int32 tensor, got ${t.type}`);
  }
  if (t.dims.length > 1) {
    throw new RangeError(`${what} must be a scalar or 1-D tensor, got shape [${t.dims.join(", ")}]`);
  }
  return toNumbers(t);
}

/** The single element of a scalar (or one-element) int32/int64 tensor. */
export function intScalar(t: Tensor | undefined, what: string): number {
  const list = intList(t, what);
  if (list.length !== 1) throw new RangeError(`${what} must hold one value, got ${list.length}`);
  return list[0]!;
}

/** Throws RangeError when `axes` (already normalized) repeats an axis. */
export function assertDistinct(axes: readonly number[], what: string): void {
  if (new Set(axes).size !== axes.length) throw new RangeError(`${what} [${axes.join(", ")}] repeats an axis`);
}
