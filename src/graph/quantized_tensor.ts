/**
 * The record a quantized weight is kept in between the quantizer, the file formats and the runtime.
 *
 * A group `g` (block `b` of output channel `c`, `g = c · blocksPerChannel + b`, see `group_layout.ts`)
 * reconstructs as `w = (u − zero[g]) · scale[g]` for each of its unsigned codes `u`. Symmetric tensors
 * have no zero array: their zero point is `2^(bits−1)` and codes lie in `1 .. 2^bits − 1`. Asymmetric
 * codes lie in `0 .. 2^bits − 1`; their zero point is integer-valued in `0 .. 2^bits − 1` (`zeroPoint:
 * "integer"`), any float (`"float"`, what HQQ and MNN's `[min, scale]` pairs need: `min = −zero·scale`)
 * or a multiple of `2^(bits−8)` in `0 .. 255·2^(bits−8)` (`"fixed8"`, one byte; see `compact_params.ts`).
 * Scales and zero points are kept here decoded, as float32 values, whatever their storage.
 *
 * For the int8 runtime (DESIGN.md §3/§5) codes are unsigned, as relaxed-dot's second operand needs,
 * and the zero point folds out of the dot product per block:
 * `Σ x·w = scale · (Σ x·u − zero · Σ x)`, with `Σ x` the activation block sum (an integer sum of the
 * int8 activations; with an integer zero point the correction stays in int32).
 *
 * The record is plain data shared by every layer: `src/quant/` makes and dequantizes it, the formats
 * store it (`Graph.quantized`), the runtime runs it. Its group layout (`group_layout.ts`) and code
 * packing (`pack.ts`) live beside it; the quantization math stays in `src/quant/`.
 * @module
 */
import type { GroupLayout } from "./group_layout.ts";

export type { GroupLayout, WeightLayout, WeightLayoutKind } from "./group_layout.ts";

/** The algorithms that fit scales and zero points. */
export type QuantAlgorithm = "minmax" | "mse" | "hqq";

/**
 * How asymmetric zero points are kept: integer-valued (packed at `bits` bits), float (at the scale
 * dtype's width; 32 bits for `log8` scales), or `fixed8`: one byte of fixed point in code units with
 * `8 − bits` fraction bits (`compact_params.ts`).
 */
export type ZeroPointMode = "integer" | "float" | "fixed8";

/**
 * The storage type of scales (and of float zero points): float32, float16, or `log8` — one byte per
 * group, `scale = scaleRef · 2^(−q/16)` (`compact_params.ts`).
 */
export type ScaleDtype = "float32" | "float16" | "log8";

/** Code packing: one continuous stream, or every group starting on a byte boundary (see `pack.ts`). */
export type Packing = "continuous" | "group";

/** A quantized weight tensor. */
export interface QuantizedTensor {
  /** The algorithm that fitted scales and zero points. */
  readonly algorithm: QuantAlgorithm;
  /** Code width, 2..8. */
  readonly bits: number;
  /** Symmetric grid (zero point `2^(bits−1)`, no `zeros` array). */
  readonly symmetric: boolean;
  /** Reduction rows per block as requested; 0 = one group per output channel. */
  readonly blockSize: number;
  /** How groups map onto the original tensor (axis layout, strides, block rows). */
  readonly layout: GroupLayout;
  /** Shape of the original tensor. */
  readonly dims: readonly number[];
  /** Element type of the original tensor. */
  readonly dtype: "float32" | "float16";
  /** Code packing of `data`. */
  readonly packing: Packing;
  /** Codes in group order, packed LSB-first at `bits` bits (`pack.ts`). */
  readonly data: Uint8Array;
  /** One scale per group, in group order; values are exact in `scaleDtype`. */
  readonly scales: Float32Array;
  /** One zero point per group (code units), or `undefined` for symmetric tensors. */
  readonly zeros: Float32Array | undefined;
  /** How zero points are kept. */
  readonly zeroPoint: ZeroPointMode;
  /** Storage type of scales and float zero points. */
  readonly scaleDtype: ScaleDtype;
  /**
   * The float32 reference of `log8` scales (every scale is `scaleRef · 2^(−q/16)` for a byte `q`);
   * present exactly when `scaleDtype` is `"log8"`.
   */
  readonly scaleRef?: number;
  /**
   * Weight SQNR in dB of the reconstruction against the float original, measured when the tensor was
   * compressed (`Infinity` when exact); absent when unknown. Files keep it so `info` can show it.
   */
  readonly sqnr?: number;
}
