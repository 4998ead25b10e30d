/**
 * Element type conversion with onnxruntime's results (on x86-64) for every pair of bitloop dtypes:
 * floats to integers truncate toward zero; a value outside int32 (or, for 64-bit targets, int64) range,
 * and NaN, gives the "integer indefinite" INT_MIN before narrowing, so narrow targets then wrap; integer
 * to integer conversions wrap; int64 to float32 rounds once, to nearest; anything to bool is `x != 0`;
 * float64 to float16 goes through float32, as onnxruntime does. String conversions are in _string_cast.ts.
 * The out-of-range float → integer results are what onnxruntime's x86-64 build computes (C++ leaves them
 * undefined); tests pin them so they stay the same on every engine.
 * @module
 */
import { allocateForOverwrite, type DType, isBigIntDType, type TensorData } from "../../../graph/dtype.ts";
import { float16ToFloat32Array, float32ToFloat16Array, float32ToFloat16Bits } from "../../../graph/float16.ts";
import { Tensor } from "../../../graph/tensor.ts";
import { formatFloat, parseFloatLikeStod, parseIntegerLikeStoll } from "./_string_cast.ts";

const TWO_31 = 2 ** 31;
const TWO_63 = 2 ** 63;
const INT64_MIN = -(1n << 63n);
const BIG_TWO_63 = 1n << 63n;
const FLOAT_TYPES: ReadonlySet<DType> = new Set(["float32", "float64", "float16"]);
const UNSIGNED_TYPES: ReadonlySet<DType> = new Set(["uint8", "uint16", "uint32", "uint64", "bool"]);

/** float → int32 as x86 `cvttsd2si` does it: truncation, or INT32_MIN when out of range or NaN. */
function truncInt32(v: number): number {
  const t = Math.trunc(v);
  return t >= -TWO_31 && t < TWO_31 ? t : -TWO_31;
}

/** float → int64 likewise (INT64_MIN when out of range or NaN). */
function truncInt64(v: number): bigint {
  const t = Math.trunc(v);
  return t >= -TWO_63 && t < TWO_63 ? BigInt(t) : INT64_MIN;
}

/** A bigint rounded once to the nearest float32 (ties to even). */
function bigintToFloat32(v: bigint): number {
  const a = v < 0n ? -v : v;
  if (a <= 9007199254740992n) return Math.fround(Number(v));
  const shift = BigInt(a.toString(2).length - 24);
  let q = a >> shift;
  const rest = a - (q << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q++;
  const r = Number(q) * 2 ** Number(shift);
  return Math.fround(v < 0n ? -r : r);
}

/**
 * Converts number-valued elements (already decoded from float16) to `to`. `from` matters for float
 * sources: onnxruntime's float16 → uint32 path goes through int64, so NaN and -Infinity give 0 there.
 */
function fromNumbers(src: ArrayLike<number>, from: DType, to: DType): TensorData {
  const floatSource = FLOAT_TYPES.has(from);
  const n = src.length;
  const out = allocateForOverwrite(to, n);
  switch (to) {
    case "float32":
    case "float64":
      (out as Float64Array).set(src);
      return out;
    case "float16":
      return float32ToFloat16Array(src instanceof Float32Array ? src : Float32Array.from(src), out as Uint16Array);
    case "bool": {
      const o = out as Uint8Array;
      for (let i = 0; i < n; i++) o[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    case "int64":
    case "uint64": {
      const o = out as BigInt64Array;
      if (!floatSource) {
        for (let i = 0; i < n; i++) o[i] = BigInt(src[i]!);
      } else if (to === "int64") {
        for (let i = 0; i < n; i++) o[i] = truncInt64(src[i]!);
      } else {
        for (let i = 0; i < n; i++) {
          o[i] = src[i]! >= TWO_63 ? truncInt64(src[i]! - TWO_63) ^ BIG_TWO_63 : truncInt64(src[i]!);
        }
      }
      return out;
    }
    case "string":
      throw new TypeError("Cast to string goes through toStrings()");
    default: {
      const o = out as Int32Array;
      if (!floatSource) o.set(src);
      else if (to === "uint32" && from === "float16") {
        for (let i = 0; i < n; i++) o[i] = Number.isFinite(src[i]!) ? truncInt32(src[i]!) : 0;
      } else if (to === "uint32") {
        for (let i = 0; i < n; i++) {
          o[i] = src[i]! >= TWO_31 ? truncInt32(src[i]! - TWO_31) ^ 0x80000000 : truncInt32(src[i]!);
        }
      } else for (let i = 0; i < n; i++) o[i] = truncInt32(src[i]!);
      return out;
    }
  }
}

/** Converts int64/uint64 elements to `to`. */
function fromBigInts(src: BigInt64Array | BigUint64Array, to: DType): TensorData {
  const n = src.length;
  const out = allocateForOverwrite(to, n);
  if (to === "int64" || to === "uint64") {
    const o = out as BigInt64Array;
    for (let i = 0; i < n; i++) o[i] = src[i]!;
  } else if (to === "float64") {
    const o = out as Float64Array;
    for (let i = 0; i < n; i++) o[i] = Number(src[i]!);
  } else if (to === "float32") {
    const o = out as Float32Array;
    for (let i = 0; i < n; i++) o[i] = bigintToFloat32(src[i]!);
  } else if (to === "float16") {
    const o = out as Uint16Array;
    for (let i = 0; i < n; i++) o[i] = float32ToFloat16Bits(bigintToFloat32(src[i]!));
  } else if (to === "bool") {
    const o = out as Uint8Array;
    for (let i = 0; i < n; i++) o[i] = src[i] !== 0n ? 1 : 0;
  } else {
    const o = out as Int32Array;
    for (let i = 0; i < n; i++) o[i] = Number(BigInt.asIntN(32, src[i]!));
  }
  return out;
}

/** Formats every element as onnxruntime's Cast-to-string does. */
function toStrings(x: Tensor): string[] {
  const out = new Array<string>(x.size);
  if (x.type === "string") return [...(x.data as string[])];
  if (FLOAT_TYPES.has(x.type)) {
    const values = x.type === "float16" ? float16ToFloat32Array(x.data as Uint16Array) : (x.data as Float64Array);
    for (let i = 0; i < out.length; i++) out[i] = formatFloat(values[i]!);
  } else {
    const values = x.data as ArrayLike<number | bigint>;
    for (let i = 0; i < out.length; i++) out[i] = String(values[i]!);
  }
  return out;
}

/** Parses every string element as onnxruntime's Cast-from-string does. */
function fromStrings(src: string[], to: DType): TensorData {
  if (FLOAT_TYPES.has(to)) return fromNumbers(src.map(parseFloatLikeStod), "float64", to);
  const unsigned = UNSIGNED_TYPES.has(to);
  return fromBigInts(BigInt64Array.from(src, (s) => BigInt.asIntN(64, parseIntegerLikeStoll(s, unsigned))), to);
}

/**
 * `x` converted to `to` (a tensor of the same shape; `x` itself when the type already matches).
 *
 * @example
 * ```ts
 * const y = castTensor(new Tensor("float32", new Float32Array([-2.7, 300.5]), [2]), "int8");
 * if (y.data[0] !== -2 || y.data[1] !== 44) throw new Error("truncate, then wrap");
 * ```
 */
export function castTensor(x: Tensor, to: DType): Tensor {
  if (x.type === to) return x;
  let data: TensorData;
  if (to === "string") data = toStrings(x);
  else if (x.type === "string") data = fromStrings(x.data as string[], to);
  else if (isBigIntDType(x.type)) data = fromBigInts(x.data as BigInt64Array, to);
  else {
    const values = x.type === "float16" ? float16ToFloat32Array(x.data as Uint16Array) : (x.data as Float32Array);
    data = fromNumbers(values, x.type, to);
  }
  return new Tensor(to, data, [...x.dims]);
}
