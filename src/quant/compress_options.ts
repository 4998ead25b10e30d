/**
 * The options of `compressModel` (compress_model.ts): widths, grouping, algorithms and their knobs, policy,
 * storage, and the data-free corrections (bias correction, activation-aware fitting).
 * @module
 */
import type { QuantAlgorithm, ScaleDtype, ZeroPointMode } from "../graph/quantized_tensor.ts";
import type { BalanceOptions } from "./balanced_rounding.ts";
import type { ChannelStatistics } from "./channel_statistics.ts";
import type { ClipSearchOptions } from "./clip_search.ts";
import type { CompressionPolicy } from "./compression_policy.ts";
import type { EstimateMomentsOptions } from "./estimate_input_moments.ts";
import type { HqqOptions } from "./hqq.ts";
import type { InputMoments } from "./input_moments.ts";
import type { Rounding } from "./quantize.ts";

/** Layers at this many bits or fewer are fitted activation-aware unless `activationAware` says otherwise. */
export const ACTIVATION_AWARE_MAX_BITS = 3;

/** Options for `compressModel`. */
export interface CompressOptions {
  /**
   * Code width of quantized weights, 2..8.
   * @default 8
   */
  bits?: number;
  /**
   * Reduction rows (input channels) per block; 0 = one group per output channel. Sizes that do not
   * divide a layer's rows leave a shorter last block.
   * @default 0
   */
  blockSize?: number;
  /**
   * Symmetric grid; asymmetric (a zero point per group) is the default, as in MNN.
   * @default false
   */
  symmetric?: boolean;
  /**
   * How scales and zero points are fitted. HQQ gives the lowest weight error on every zoo tensor (see
   * tests/quant/zoo_error.test.ts), so it is the default.
   * @default "hqq"
   */
  algorithm?: QuantAlgorithm;
  /**
   * Store weights as FP16 instead of integer codes (a policy rule's `bits` still quantizes its layers).
   * @default false
   */
  fp16?: boolean;
  /**
   * Storage of scales (and float zero points): `float16`, `float32`, or compact `log8` — one byte per
   * group against a per-tensor reference (`param_storage.ts` says why it is the default at 2–4 bits;
   * `scaleBitsOptions` there is the CLI's `--scale-bits`).
   * @default "log8" at 2–4 bits, else "float16"
   */
  scaleDtype?: ScaleDtype;
  /**
   * Zero points: `fixed8` (one byte, `8 − bits` fraction bits), integers packed at the code width, or
   * floats.
   * @default "integer"
   */
  zeroPoint?: ZeroPointMode;
  /**
   * Weights with fewer elements stay float32, unless a policy rule gives them `bits` or `fp16`.
   * @default 1024
   */
  minSize?: number;
  /**
   * Weights with fewer elements than this (and at least `minSize`) are quantized at `smallBits` when
   * `bits` is lower, unless a policy rule sets their bits: a data-free sensitivity rule. Small weights
   * are the narrow early layers and 1×1 projections, where each output sums few products and one
   * rounding error weighs most (PP-OCRv4 det at 4-bit block 32, 15 pages: text-map IoU 0.900 → 0.953
   * with `4096`, which puts 15 tensors, 2.9% of its weights, at 8 bits; BENCHMARKS.md). Off by default:
   * it raises 4-bit block-32 storage by about 0.12 bits per weight (4.59 → 4.71 with float16 scales,
   * over the 4.6 target) and leaves layers off the stated bits. 0 turns it off.
   * @default 0
   */
  smallSize?: number;
  /**
   * Code width of the weights `smallSize` selects.
   * @default 8
   */
  smallBits?: number;
  /** Per-layer overrides (`compression_policy.ts`). */
  policy?: CompressionPolicy;
  /**
   * How codes are chosen once scale and zero point are fitted (`quantize.ts`). The default is
   * `balanced` at 2–4 bits, where it is worth most (PP-OCRv4 rec at 4-bit block 32 reads 21 of 24 lines
   * instead of 12) and `nearest` above (at 8 bits balancing costs rec lines: 21 of 24 instead of 24).
   * @default "balanced" for bits ≤ 4, else "nearest"
   */
  rounding?: Rounding;
  /**
   * Options of `balanced` rounding.
   * @default { window: 4, mean: 4 }
   */
  balance?: BalanceOptions;
  /**
   * Magnitude weighting of the fitted error (`quantize.ts` `magnitudeWeight`).
   * @default 1
   */
  magnitudeWeight?: number;
  /** Options of the `hqq` algorithm. */
  hqq?: HqqOptions;
  /** Options of the `mse` algorithm. */
  clipSearch?: ClipSearchOptions;
  /**
   * Data-free bias correction (`bias_correction.ts`): each Conv whose input's per-channel mean is known
   * from BatchNormalization statistics gets its bias moved by −ΔW·E[x], the expected output shift that
   * quantizing its weight causes. Off by default: on the zoo it changes no task figure and moves output
   * cosines slightly down (cls 3-bit 0.99592 → 0.99514, rec 4-bit 0.9454 → 0.9436): balanced rounding
   * already keeps each group's error sum near zero, and PP-OCRv4 det exports its BatchNormalization fused
   * (one Conv of 62 has statistics).
   * @default false
   */
  biasCorrection?: boolean;
  /**
   * Per-channel statistics of values of the main graph (BatchNormalization outputs: mean β,
   * deviation |γ|) for bias correction and the `activationAware` estimate.
   * @default the statistics `prepareForCompression` recorded for `model` (`channel_statistics.ts`)
   */
  statistics?: ReadonlyMap<string, ChannelStatistics>;
  /**
   * Per-input-channel moments (`E[x]`, `E[x²]`) of the input each weight multiplies, by weight name, for
   * activation-aware weighting of its quantization error (`input_moments.ts`). Weights without an
   * entry are fitted as usual.
   * @default none
   */
  inputMoments?: ReadonlyMap<string, InputMoments>;
  /**
   * Data-free activation-aware quantization: estimate the input moments of every Conv weight from the
   * model itself (`estimate_input_moments.ts`: BatchNormalization statistics where recorded, else the
   * moments the weights and activations carry forward) and fit each weight's error as its inputs weigh
   * it (`input_moments.ts`). Entries of `inputMoments` take precedence over the estimate. With moments,
   * balanced rounding's mean weight defaults to 1 (the exact output-error weight) instead of 4.
   * On by default for layers at 2–3 bits only, where it rescues what plain fitting destroys; measured
   * (CLI, reference runtime, tests/data sets): PP-OCRv4 rec at 3-bit block 32 reads 12 of 24 lines
   * instead of 0 (output cosine 0.932 vs 0.732; MNN's "Hello World 42" input decodes "Helo World 42",
   * cosine 0.84, where MNN's own 3-bit file reads "2"); cls 3-bit cosine 0.99995 vs 0.99989; det 3-bit
   * IoU 0.7884 vs 0.7945 (the one loss); Silero unchanged (its Conv weights sit in If branches, which the
   * estimate does not follow). Not at 4 bits and above: rec 4-bit block 32 drops word spaces (16 of 24
   * exact, all 24 without spaces, vs the plain fit's 23), det IoU 0.8994 vs 0.8959.
   * @default true for layers at ≤ {@link ACTIVATION_AWARE_MAX_BITS} bits, false above
   */
  activationAware?: boolean;
  /**
   * How far activation-aware fitting trusts the estimated input power: each input channel's error weight
   * is `(E[x²]/P)^α` (`quantize.ts` `momentExponent`). Measured at 3-bit block 32 (α = 1 → 0.5): PP-OCRv4
   * rec 12 → 9 of 24 lines (plain fit: 0), char accuracy 93.0 → 91.7 %; det IoU 0.7884 → 0.7932 (plain
   * 0.7945); on MNN's inputs cls cosine 0.9840 → 0.9990 (plain 0.9954, MNN 0.9851) and rec "Helo World
   * 42" at cosine 0.841 → 0.729 (MNN: "2", 0.47). α = 1 is the better fit where the estimate is right
   * (rec's lines) and the worse one where the model sees other data (cls on uniform noise); 0.5 beats
   * MNN and the plain fit on every one of these.
   * @default 0.5
   */
  activationAwareExponent?: number;
  /** Options of the moment estimate `activationAware` makes. */
  momentEstimate?: EstimateMomentsOptions;
  /** Called after each weight with the elements done so far, the total, and the weight's name. */
  onProgress?: (done: number, total: number, name: string) => void;
}
