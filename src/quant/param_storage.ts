/**
 * How `compressModel` stores a quantized weight's scales and zero points by default, and what the
 * CLI's `--scale-bits` means (src/graph/compact_params.ts has the compact encoding).
 * @module
 */
import type { ScaleDtype, ZeroPointMode } from "../graph/quantized_tensor.ts";

/**
 * The parameter storage of a quantized weight: the options' choice, else fp16 scales with integer zero
 * points; compact log8 scales with fixed8 zero points when only the scale dtype says `log8`.
 *
 * Compact parameters are opt-in (`--scale-bits 8`), not the default, by measurement (BENCHMARKS.md): at
 * 4-bit block 32 they bring every zoo model to ≤ 4.5 bits per weight except cls (4.61), and score det
 * IoU 0.84–0.85 (fp16: 0.83) and Silero v5 cosine 0.991 (0.974), but PP-OCRv4 rec reads 17 of 24 lines
 * instead of 21, and its `low` memory mode drifts from the reference runtime (cosine 0.967 on a rendered
 * line, against 0.9999 with fp16 scales). Above 4 bits log8's 4.4 % scale step and a fractional zero
 * point (a weight of 0 is off the grid; without balanced rounding the per-group mean error hurts: det at
 * 6-bit block 32 scores IoU 0.71 with fixed8 zeros instead of 0.97) cost accuracy too.
 */
export function paramStorage(
  o: { scaleDtype?: ScaleDtype; zeroPoint?: ZeroPointMode },
): { scaleDtype: ScaleDtype; zeroPoint: ZeroPointMode } {
  const scaleDtype = o.scaleDtype ?? "float16";
  return { scaleDtype, zeroPoint: o.zeroPoint ?? (scaleDtype === "log8" ? "fixed8" : "integer") };
}

/**
 * The `compressModel` options of a scale width, as the CLI's `--scale-bits` (MNN's
 * `--weightQuantScaleBit`) gives it: 8 = log8 scales with fixed8 zero points, 16 = float16 scales, 32 =
 * float32 scales (both with integer zero points). Throws `RangeError` for other widths.
 *
 * @example
 * ```ts
 * if (scaleBitsOptions(8).scaleDtype !== "log8" || scaleBitsOptions(16).zeroPoint !== "integer") throw new Error();
 * ```
 */
export function scaleBitsOptions(bits: number): { scaleDtype: ScaleDtype; zeroPoint: ZeroPointMode } {
  switch (bits) {
    case 8:
      return { scaleDtype: "log8", zeroPoint: "fixed8" };
    case 16:
      return { scaleDtype: "float16", zeroPoint: "integer" };
    case 32:
      return { scaleDtype: "float32", zeroPoint: "integer" };
    default:
      throw new RangeError(`Scale bits must be 8, 16 or 32, got ${bits}`);
  }
}
