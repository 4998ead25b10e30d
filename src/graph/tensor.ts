/**
 * The tensor value type: an element type, a shape and a flat row-major array. It mirrors
 * onnxruntime's `Tensor` (`type`, `data`, `dims`) so code written for onnxruntime ports easily.
 * @module
 */
import { allocate, type DType, isBigIntDType, type TensorData } from "./dtype.ts";

/** A dense, row-major tensor. */
export class Tensor {
  /** Element type. */
  readonly type: DType;
  /** Elements in row-major order; `float16` holds raw half bits. */
  readonly data: TensorData;
  /** Shape; `[]` is a scalar. */
  readonly dims: readonly number[];

  /**
   * Wraps `data` (not copied) as a tensor of shape `dims`.
   *
   * @example
   * ```ts
   * const t = new Tensor("float32", new Float32Array([1, 2, 3, 4]), [2, 2]);
   * if (t.size !== 4) throw new Error("size");
   * ```
   */
  constructor(type: DType, data: TensorData, dims: readonly number[]) {
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Invalid tensor dimension ${d} in [${dims}]`);
    }
    const size = shapeSize(dims);
    if (data.length !== size) {
      throw new RangeError(`Tensor of shape [${dims}] needs ${size} elements, got ${data.length}`);
    }
    this.type = type;
    this.data = data;
    this.dims = dims;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** A zero-filled tensor. */
  static zeros(type: DType, dims: readonly number[]): Tensor {
    return new Tensor(type, allocate(type, shapeSize(dims)), dims);
  }
}

/** Product of the dimensions (1 for a scalar). */
export function shapeSize(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let s = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i]!;
  }
  return strides;
}

/**
 * The elements of an integer-valued tensor as JS numbers. int64 values beyond ±2^53 (ONNX uses
 * INT64_MAX/MIN as "to the end" markers) are clamped to ±Number.MAX_SAFE_INTEGER.
 */
export function toNumbers(t: Tensor): number[] {
  if (t.type === "string") throw new TypeError("Expected a numeric tensor, got a string tensor");
  const out = new Array<number>(t.size);
  if (isBigIntDType(t.type)) {
    const data = t.data as BigInt64Array | BigUint64Array;
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < out.length; i++) {
      const v = data[i]!;
      out[i] = v > max ? Number.MAX_SAFE_INTEGER : v < -max ? -Number.MAX_SAFE_INTEGER : Number(v);
    }
  } else {
    const data = t.data as Exclude<TensorData, BigInt64Array | BigUint64Array | string[]>;
    for (let i = 0; i < out.length; i++) out[i] = data[i]!;
  }
  return out;
}

/** A new tensor of `type` holding `values` (bigint dtypes are filled from numbers). */
export function fromNumbers(type: DType, values: ArrayLike<number>, dims: readonly number[]): Tensor {
  const data = allocate(type, values.length);
  if (isBigIntDType(type)) {
    const big = data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < values.length; i++) big[i] = BigInt(Math.trunc(values[i]!));
  } else if (type === "string") {
    throw new TypeError("fromNumbers() cannot make a string tensor");
  } else {
    (data as Float32Array).set(values as ArrayLike<number>);
  }
  return new Tensor(type, data, dims);
}
