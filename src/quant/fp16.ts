/**
 * FP16 weight storage: float32 tensors to IEEE half and back. Finite values beyond the half range are
 * clamped to ±65504 (the largest half) instead of overflowing to infinity; every other value rounds
 * to nearest, ties to even, through `src/graph/float16.ts`. Biases are the caller's business: keep them
 * float32 (DESIGN.md §5).
 * @module
 */
import { float16BitsToFloat32, float16ToFloat32Array, float32ToFloat16Bits } from "../graph/float16.ts";
import { Tensor } from "../graph/tensor.ts";

/** The largest finite float16. */
export const FLOAT16_MAX = 65504;

const HALF_MAX_BITS = 0x7bff;

/**
 * The half bits of `x`, clamping finite values beyond ±65504 to ±65504 (infinities and NaN stay).
 *
 * @example
 * ```ts
 * if (clampedFloat16Bits(1e6) !== 0x7bff) throw new Error("clamped to 65504");
 * ```
 */
export function clampedFloat16Bits(x: number): number {
  if (x > FLOAT16_MAX && x < Infinity) return HALF_MAX_BITS;
  if (x < -FLOAT16_MAX && x > -Infinity) return 0x8000 | HALF_MAX_BITS;
  return float32ToFloat16Bits(x);
}

/**
 * `x` rounded to the nearest float16 value (clamped to ±65504), as a number.
 *
 * @example
 * ```ts
 * if (roundToFloat16(0.1) !== 0.0999755859375) throw new Error("nearest half");
 * ```
 */
export function roundToFloat16(x: number): number {
  return float16BitsToFloat32(clampedFloat16Bits(x));
}

/**
 * A `float16` tensor (raw half bits) holding `t`'s float32 values, clamped to ±65504.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const h = toFloat16(new Tensor("float32", new Float32Array([1, -70000]), [2]));
 * if (h.type !== "float16" || (h.data as Uint16Array)[1] !== 0xfbff) throw new Error("fp16");
 * ```
 */
export function toFloat16(t: Tensor): Tensor {
  if (t.type !== "float32") throw new TypeError(`toFloat16() takes a float32 tensor, got ${t.type}`);
  const src = t.data as Float32Array;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = clampedFloat16Bits(src[i]!);
  return new Tensor("float16", out, t.dims);
}

/**
 * The float32 tensor of a `float16` tensor's values (exact).
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const f = fromFloat16(new Tensor("float16", new Uint16Array([0x3c00]), [1]));
 * if ((f.data as Float32Array)[0] !== 1) throw new Error("1.0");
 * ```
 */
export function fromFloat16(t: Tensor): Tensor {
  if (t.type !== "float16") throw new TypeError(`fromFloat16() takes a float16 tensor, got ${t.type}`);
  return new Tensor("float32", float16ToFloat32Array(t.data as Uint16Array), t.dims);
}
