/**
 * IEEE 754 half precision (binary16) conversions. bitloop stores `float16` tensors as raw half bits in a
 * `Uint16Array`; these functions turn float32 values into those bits and back.
 *
 * Conversion to half rounds to nearest, ties to even, handles subnormals exactly and sends anything at
 * or above 65520 in magnitude to ±Infinity — the same bits as onnxruntime's Cast for every non-NaN
 * value. Conversion from half is exact. NaNs keep their sign and (top) payload bits and come out quiet,
 * as x86 F16C (`vcvtps2ph`/`vcvtph2ps`) converts them; onnxruntime's own results for NaN payloads
 * depend on the tensor length, so only NaN-ness and sign are promised to match it.
 * @module
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** Half bits of the float32 whose bit pattern is `f` (an unsigned 32-bit integer). */
function halfFromFloatBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const abs = f & 0x7fffffff;
  if (abs >= 0x7f800000) {
    // Infinity stays Infinity; NaN keeps its top 10 payload bits and becomes quiet.
    return abs === 0x7f800000 ? sign | 0x7c00 : sign | 0x7e00 | ((abs >>> 13) & 0x3ff);
  }
  if (abs >= 0x477ff000) return sign | 0x7c00; // ≥ 65520 rounds past 65504 (the largest half)
  if (abs >= 0x38800000) {
    // Normal half: rebias the exponent (127 → 15), keep 10 mantissa bits, round the 13 dropped ones.
    const h = (abs - 0x38000000) >>> 13;
    const rest = abs & 0x1fff;
    return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1) ? h + 1 : h);
  }
  if (abs <= 0x33000000) return sign; // ≤ 2^-25 (half the smallest subnormal) rounds to zero
  // Subnormal half: the value in units of 2^-24 is mantissa · 2^(exponent - 126).
  const mantissa = (abs & 0x7fffff) | 0x800000;
  const shift = 126 - (abs >>> 23);
  const q = mantissa >>> shift;
  const rest = mantissa & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return sign | (rest > half || (rest === half && (q & 1) === 1) ? q + 1 : q);
}

/** Float32 bits of the half whose bit pattern is `h`. */
function floatBitsFromHalf(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | (mantissa === 0 ? 0x7f800000 : 0x7fc00000 | (mantissa << 13))) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: normalize into a float32 exponent.
  let m = mantissa;
  let e = 113;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * The half-precision bits nearest to `x` taken as a float32 (`x` is first rounded to float32, as a
 * float32 → float16 cast sees it). NaN gives `0x7e00` (a JS NaN carries no dependable payload).
 *
 * @example
 * ```ts
 * if (float32ToFloat16Bits(1) !== 0x3c00) throw new Error("1.0");
 * if (float32ToFloat16Bits(65520) !== 0x7c00) throw new Error("overflow goes to Infinity");
 * ```
 */
export function float32ToFloat16Bits(x: number): number {
  scratch[0] = x;
  return halfFromFloatBits(Number.isNaN(x) ? 0x7fc00000 : scratchBits[0]!);
}

/**
 * The value of the half whose raw bits are `h` (0..65535), as a JS number (exact).
 *
 * @example
 * ```ts
 * if (float16BitsToFloat32(0xc000) !== -2) throw new Error("-2");
 * if (float16BitsToFloat32(0x0001) !== 2 ** -24) throw new Error("smallest subnormal");
 * ```
 */
export function float16BitsToFloat32(h: number): number {
  scratchBits[0] = floatBitsFromHalf(h & 0xffff);
  return scratch[0]!;
}

/**
 * Converts float32 values to half bits, element by element. A `Float32Array` source is read bit for
 * bit, so NaN payloads survive as {@link float32ToFloat16Bits} describes.
 *
 * @example
 * ```ts
 * const h = float32ToFloat16Array(new Float32Array([0.5, -0, Infinity]));
 * if (h.join() !== [0x3800, 0x8000, 0x7c00].join()) throw new Error("bits");
 * ```
 */
export function float32ToFloat16Array(src: Float32Array | ArrayLike<number>, out?: Uint16Array): Uint16Array {
  const n = src.length;
  const dst = out ?? new Uint16Array(n);
  if (dst.length !== n) throw new RangeError(`float32ToFloat16Array: output holds ${dst.length} elements, need ${n}`);
  if (src instanceof Float32Array) {
    const bits = new Uint32Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) dst[i] = halfFromFloatBits(bits[i]!);
  } else {
    for (let i = 0; i < n; i++) dst[i] = float32ToFloat16Bits(src[i]!);
  }
  return dst;
}

/**
 * Converts half bits to float32 values, element by element and exactly (a NaN keeps its sign and payload
 * and is made quiet).
 *
 * @example
 * ```ts
 * const f = float16ToFloat32Array(new Uint16Array([0x3c00, 0x7bff]));
 * if (f[0] !== 1 || f[1] !== 65504) throw new Error("values");
 * ```
 */
export function float16ToFloat32Array(bits: Uint16Array, out?: Float32Array): Float32Array {
  const n = bits.length;
  const dst = out ?? new Float32Array(n);
  if (dst.length !== n) throw new RangeError(`float16ToFloat32Array: output holds ${dst.length} elements, need ${n}`);
  const dstBits = new Uint32Array(dst.buffer, dst.byteOffset, n);
  for (let i = 0; i < n; i++) dstBits[i] = floatBitsFromHalf(bits[i]!);
  return dst;
}
