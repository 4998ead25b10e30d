/**
 * How `compressModel` stores a quantized weight's scales and zero points by default, and what the
 * CLI's `--scale-bits` means (src/graph/compact_params.ts has the compact encoding).
 * @module
 */
import type { ScaleDtype, ZeroPointMode } from "../graph/quantized_tensor.ts";

/** Code widths up to this one store compact parameters by default; wider codes keep fp16 scales. */
export const COMPACT_PARAMS_MAX_BITS = 4;

/**
 * The parameter storage of a quantized weight of `bits`-bit codes: the options' choice, else compact log8
 * scales with integer zero points (one byte of scale and `bits` bits of zero point per group) at 2–4
 * bits and fp16 scales with integer zero points above. A `log8` scale dtype without a zero-point mode
 * also takes integer zero points; `fixed8` (fractional zero points) is opt-in.
 *
 * Why, by measurement (BENCHMARKS.md, "Compression accuracy"): at 4-bit block 32, log8 scales with
 * integer zeros bring every zoo model under 4.5 bits per weight (fp16 scales: rec 4.61, cls 4.75) and
 * read more lines with PP-OCRv4 rec (23/24 against 21/24), beat MNN's cls cosine at 4 and 3 bits on MNN's
 * own input (0.9997 and 0.995 against 0.9981 and 0.9851; fp16 scales: 0.9915 and 0.967). Above 4 bits
 * the parameters are a small part of the size and log8's 4.4 % scale step is not worth it. Fixed8 zero
 * points lose rec lines (17/24) and, at 6 bits, take weight 0 off the grid.
 */
export function paramStorage(
  o: { scaleDtype?: ScaleDtype; zeroPoint?: ZeroPointMode },
  bits: number,
): { scaleDtype: ScaleDtype; zeroPoint: ZeroPointMode } {
  const scaleDtype = o.scaleDtype ?? (bits <= COMPACT_PARAMS_MAX_BITS ? "log8" : "float16");
  return { scaleDtype, zeroPoint: o.zeroPoint ?? "integer" };
}

/**
 * The `compressModel` options of a scale width, as the CLI's `--scale-bits` (MNN's
 * `--weightQuantScaleBit`) gives it: 8 = log8 scales, 16 = float16 scales, 32 = float32 scales, all with
 * integer zero points. Throws `RangeError` for other widths.
 *
 * @example
 * ```ts
 * if (scaleBitsOptions(8).scaleDtype !== "log8" || scaleBitsOptions(16).zeroPoint !== "integer") throw new Error();
 * ```
 */
export function scaleBitsOptions(bits: number): { scaleDtype: ScaleDtype; zeroPoint: ZeroPointMode } {
  switch (bits) {
    case 8:
      return { scaleDtype: "log8", zeroPoint: "integer" };
    case 16:
      return { scaleDtype: "float16", zeroPoint: "integer" };
    case 32:
      return { scaleDtype: "float32", zeroPoint: "integer" };
    default:
      throw new RangeError(`Scale bits must be 8, 16 or 32, got ${bits}`);
  }
}
