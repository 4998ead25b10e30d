/**
 * Element types of tensors, named as onnxruntime-web names them, with their ONNX codes and storage.
 * @module
 */

/** Every element type bitloop stores. `float16` is held as raw IEEE half bits in a `Uint16Array`. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "bool"
  | "string";

/** The array a tensor of each dtype holds its elements in. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** Numeric dtypes whose elements are JS numbers (not bigint, not string). */
export type NumberDType = Exclude<DType, "int64" | "uint64" | "string">;

interface DTypeInfo {
  onnx: number;
  bytes: number;
  make: (n: number) => TensorData;
}

const INFO: Record<DType, DTypeInfo> = {
  float32: { onnx: 1, bytes: 4, make: (n) => new Float32Array(n) },
  uint8: { onnx: 2, bytes: 1, make: (n) => new Uint8Array(n) },
  int8: { onnx: 3, bytes: 1, make: (n) => new Int8Array(n) },
  uint16: { onnx: 4, bytes: 2, make: (n) => new Uint16Array(n) },
  int16: { onnx: 5, bytes: 2, make: (n) => new Int16Array(n) },
  int32: { onnx: 6, bytes: 4, make: (n) => new Int32Array(n) },
  int64: { onnx: 7, bytes: 8, make: (n) => new BigInt64Array(n) },
  string: { onnx: 8, bytes: 0, make: (n) => new Array<string>(n).fill("") },
  bool: { onnx: 9, bytes: 1, make: (n) => new Uint8Array(n) },
  float16: { onnx: 10, bytes: 2, make: (n) => new Uint16Array(n) },
  float64: { onnx: 11, bytes: 8, make: (n) => new Float64Array(n) },
  uint32: { onnx: 12, bytes: 4, make: (n) => new Uint32Array(n) },
  uint64: { onnx: 13, bytes: 8, make: (n) => new BigUint64Array(n) },
};

/** All dtypes, in ONNX code order. */
export const DTYPES: readonly DType[] = (Object.keys(INFO) as DType[]).sort((a, b) => INFO[a].onnx - INFO[b].onnx);

/** Bytes per element (0 for `string`). */
export function dtypeBytes(dtype: DType): number {
  return INFO[dtype].bytes;
}

/** ONNX `TensorProto.DataType` code of a dtype. */
export function dtypeToOnnx(dtype: DType): number {
  return INFO[dtype].onnx;
}

/** The dtype of an ONNX `TensorProto.DataType` code, or `undefined` for one bitloop does not store. */
export function dtypeFromOnnx(code: number): DType | undefined {
  return DTYPES.find((d) => INFO[d].onnx === code);
}

/**
 * Where {@link allocate} looks first: returns an array of exactly `n` elements, zero-filled unless
 * `overwrite` is true (then its contents are unspecified: the caller writes every element, see
 * {@link allocateForOverwrite}), or `undefined` to let `allocate` make a new one. The runtime installs one
 * while a graph runs so the buffers of dropped intermediate values are reused (src/runtime/buffer_pool.ts).
 */
export type ArraySource = (dtype: DType, n: number, overwrite?: boolean) => TensorData | undefined;

let arraySource: ArraySource | undefined;

/**
 * Installs `source` for {@link allocate} (`undefined` removes it) and returns the one it replaces, so
 * the caller can restore it in `finally`.
 *
 * @example
 * ```ts
 * const previous = setArraySource((dtype, n) => (dtype === "float32" ? new Float32Array(n) : undefined));
 * try {
 *   if (!(allocate("float32", 2) instanceof Float32Array)) throw new Error("source");
 * } finally {
 *   setArraySource(previous);
 * }
 * ```
 */
export function setArraySource(source: ArraySource | undefined): ArraySource | undefined {
  const previous = arraySource;
  arraySource = source;
  return previous;
}

/** A zero-filled array for `n` elements of `dtype` (from the installed {@link ArraySource} when it has one). */
export function allocate(dtype: DType, n: number): TensorData {
  return arraySource?.(dtype, n) ?? INFO[dtype].make(n);
}

/**
 * An array for `n` elements of `dtype` whose contents are unspecified: for a caller that writes every
 * element before anything reads it (a recycled buffer then skips its zero fill — on PP-OCR det that fill
 * was ~5 % of a run). Anything that accumulates into its output or leaves elements untouched takes
 * {@link allocate}.
 */
export function allocateForOverwrite(dtype: DType, n: number): TensorData {
  return arraySource?.(dtype, n, true) ?? INFO[dtype].make(n);
}

/** True for dtypes held in a bigint array. */
export function isBigIntDType(dtype: DType): dtype is "int64" | "uint64" {
  return dtype === "int64" || dtype === "uint64";
}
