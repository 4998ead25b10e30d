/**
 * Quantizes one float weight tensor: splits it into groups (`group_layout.ts`), fits each group's
 * scale and zero point with the chosen algorithm (`linear.ts`, `clip_search.ts`, `hqq.ts`; optionally
 * to a magnitude-weighted error), chooses the codes (nearest, or `balanced_rounding.ts`) and packs them. {@link dequantize} in `dequantize.ts` reverses it.
 * @module
 */
import { fromFloat16 } from "./fp16.ts";
import type { Tensor } from "../graph/tensor.ts";
import { encodeGroup, type GroupFitter, makeGrid, makeWorkspace } from "./grid.ts";
import { clipSearch, type ClipSearchOptions } from "./clip_search.ts";
import { groupCount, groupLayout, groupLengths, type WeightLayout } from "../graph/group_layout.ts";
import { readGroup } from "./group_layout.ts";
import { hqq, type HqqOptions } from "./hqq.ts";
import { linear } from "./linear.ts";
import { balanceCodes, type BalanceOptions, makeBalance } from "./balanced_rounding.ts";
import { checkMoments, type InputMoments, meanPower, type RowWeights, rowWeights } from "./input_moments.ts";

/** How codes are chosen once scale and zero point are fitted. */
export type Rounding = "nearest" | "balanced";
import { pack } from "../graph/pack.ts";
import { log8Reference } from "../graph/compact_params.ts";
import type { Packing, QuantAlgorithm, QuantizedTensor, ScaleDtype, ZeroPointMode } from "../graph/quantized_tensor.ts";

/** Options for {@link quantize}. */
export interface QuantizeOptions {
  /**
   * Code width, 2..8.
   * @default 4
   */
  bits?: number;
  /**
   * Reduction rows (input channels) per block; 0 quantizes each output channel as one group. Any
   * size works: the last block of a channel may be shorter.
   * @default 0
   */
  blockSize?: number;
  /**
   * Symmetric grid (zero point fixed at `2^(bits−1)`); asymmetric is the default, as in MNN.
   * @default false
   */
  symmetric?: boolean;
  /**
   * How scales and zero points are fitted: `minmax` (plain linear), `mse` (clipping-range search) or
   * `hqq` (half-quadratic quantization).
   * @default "minmax"
   */
  algorithm?: QuantAlgorithm;
  /**
   * Asymmetric zero points: integer-valued (stored at `bits` bits; the int8 path corrects in int32),
   * float (HQQ's continuous zero, MNN's `[min, scale]` pairs) or `fixed8` (one byte, `8 − bits` fraction
   * bits: `src/graph/compact_params.ts`).
   * @default "integer"
   */
  zeroPoint?: ZeroPointMode;
  /**
   * Storage type of scales and float zero points: float32, float16, or `log8` (one byte per group against
   * a per-tensor float32 reference `2·max|w| / (2^bits − 2)`, `src/graph/compact_params.ts`; float zero
   * points are then float32). Codes are fitted against the stored (rounded) values.
   * @default "float32"
   */
  scaleDtype?: ScaleDtype;
  /**
   * Code packing (`pack.ts`).
   * @default "continuous"
   */
  packing?: Packing;
  /**
   * How codes are chosen for the fitted scale and zero point: `nearest` (minimum weight error) or
   * `balanced` (minimum output-error proxy, `balanced_rounding.ts`).
   * @default "nearest"
   */
  rounding?: Rounding;
  /** Options of `balanced` rounding. */
  balance?: BalanceOptions;
  /**
   * The exponent p of magnitude weighting: the scale and zero point are fitted (by `mse` and `hqq`) to
   * minimise `Σ (1 + (|w| / rms)^p) · e²` over a group, with `rms` the group's root mean square, so the
   * few large weights that carry most of a layer's output are not traded away for the many small ones
   * (clipping them lowers the plain squared error but hurts the model: on PP-OCRv4 det at 4 bits the
   * plain clipping search scores a lower text-map IoU than min-max). 0 fits the plain squared error.
   * @default 0
   */
  magnitudeWeight?: number;
  /** Options of the `hqq` algorithm. */
  hqq?: HqqOptions;
  /** Options of the `mse` algorithm. */
  clipSearch?: ClipSearchOptions;
  /**
   * Activation-aware weighting (`input_moments.ts`): the per-input-channel moments of what the weight
   * multiplies. Each element's fitted error is then also weighted by its input channel's `E[x²]`
   * (relative to the layer's mean), and `balanced` rounding weighs each row by its input's variance and
   * mean instead of 1, each block starting from the mean-term error the blocks before it in the same
   * output channel left (so blocks balance each other: the output error is `(Σ_c E[x_c]·e_c)²` over the
   * whole channel, not per block).
   * @default undefined (every input channel alike)
   */
  inputMoments?: InputMoments;
  /**
   * Exponent `α` on each input channel's relative power `E[x²]/P` before it weighs the fitted error (as
   * AWQ scales by activation magnitude to a power): 1 weighs by the power itself, 0.5 by its square
   * root, trusting an estimated power less. Only with `inputMoments`.
   * @default 1
   */
  momentExponent?: number;
  /**
   * Name of the tensor, for error messages.
   * @default "weight"
   */
  name?: string;
}

/**
 * Quantizes a float32 (or float16) weight `weight` whose operand layout is `layout`.
 * Throws `RangeError` for bad options or non-finite weights, `TypeError` for other dtypes.
 *
 * @example
 * ```ts
 * import { Tensor } from "../graph/tensor.ts";
 * const w = new Tensor("float32", new Float32Array([-1, 0, 0.5, 1, 2, 4]), [2, 3]);
 * const q = quantize(w, { kind: "matmul_nk" }, { bits: 4, symmetric: true });
 * if (q.scales.length !== 2 || q.data.length !== 3) throw new Error("2 channels, 6 nibbles");
 * ```
 */
export function quantize(weight: Tensor, layout: WeightLayout, options: QuantizeOptions = {}): QuantizedTensor {
  const name = options.name ?? "weight";
  const bits = options.bits ?? 4;
  const blockSize = options.blockSize ?? 0;
  const symmetric = options.symmetric ?? false;
  const algorithm = options.algorithm ?? "minmax";
  const zeroPoint = options.zeroPoint ?? "integer";
  const scaleDtype = options.scaleDtype ?? "float32";
  const packing = options.packing ?? "continuous";
  const rounding = options.rounding ?? "nearest";
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) {
    throw new RangeError(`Cannot quantize "${name}": bits must be an integer from 2 to 8, got ${bits}`);
  }
  if (zeroPoint !== "integer" && zeroPoint !== "float" && zeroPoint !== "fixed8") {
    throw new RangeError(
      `Cannot quantize "${name}": zeroPoint must be "integer", "float" or "fixed8", got "${zeroPoint}"`,
    );
  }
  if (scaleDtype !== "float32" && scaleDtype !== "float16" && scaleDtype !== "log8") {
    throw new RangeError(
      `Cannot quantize "${name}": scaleDtype must be "float32", "float16" or "log8", got "${scaleDtype}"`,
    );
  }
  if (packing !== "continuous" && packing !== "group") {
    throw new RangeError(`Cannot quantize "${name}": packing must be "continuous" or "group", got "${packing}"`);
  }
  const dtype = weight.type;
  let values: Float32Array;
  if (dtype === "float32") values = weight.data as Float32Array;
  else if (dtype === "float16") values = fromFloat16(weight).data as Float32Array;
  else throw new TypeError(`Cannot quantize "${name}": expected a float32 or float16 tensor, got ${weight.type}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new RangeError(`Cannot quantize "${name}": element ${i} is ${values[i]}, not a finite number`);
    }
  }
  if (!(options.magnitudeWeight === undefined || (options.magnitudeWeight >= 0 && options.magnitudeWeight < 64))) {
    throw new RangeError(
      `Cannot quantize "${name}": magnitudeWeight must be in [0, 64), got ${options.magnitudeWeight}`,
    );
  }
  if (rounding !== "nearest" && rounding !== "balanced") {
    throw new RangeError(`Cannot quantize "${name}": rounding must be "nearest" or "balanced", got "${rounding}"`);
  }
  let groups;
  let fit: GroupFitter;
  let balance;
  let convGroups = 0;
  try {
    groups = groupLayout(weight.dims, layout, blockSize);
    fit = fitterOf(algorithm, options);
    balance = rounding === "balanced" ? makeBalance(options.balance) : undefined;
    if (options.inputMoments) convGroups = checkMoments(options.inputMoments, groups);
  } catch (error) {
    const message = `Cannot quantize "${name}" [${weight.dims}]: ${(error as Error).message}`;
    throw error instanceof TypeError
      ? new TypeError(message, { cause: error })
      : new RangeError(message, { cause: error });
  }
  let absmax = 0;
  for (let i = 0; i < values.length; i++) absmax = Math.max(absmax, Math.abs(values[i]!));
  const scaleRef = scaleDtype === "log8" ? log8Reference(absmax, bits) : undefined;
  const grid = makeGrid(bits, symmetric, zeroPoint === "integer", scaleDtype === "float16", {
    ...(scaleRef !== undefined ? { scaleRef } : {}),
    fixed8Zero: zeroPoint === "fixed8",
  });
  const count = groupCount(groups);
  const scales = new Float32Array(count);
  const zeros = symmetric ? undefined : new Float32Array(count);
  const codes = new Uint8Array(values.length);
  const maxLength = groups.blockRows * groups.inner;
  const work = makeWorkspace();
  const w = new Float64Array(maxLength);
  const params = new Float64Array(2);
  const magnitude = options.magnitudeWeight ?? 0;
  const moments = options.inputMoments;
  const h = magnitude > 0 || moments ? new Float64Array(maxLength) : undefined;
  work.importance = h;
  const reference = moments ? meanPower(moments) : 1;
  const exponent = options.momentExponent ?? 1;
  const rowsOf: RowWeights | undefined = moments ? rowScratch(groups.blockRows) : undefined;
  let offset = 0;
  for (let c = 0, g = 0; c < groups.channels; c++) {
    // Activation-aware balancing carries each channel's error sums from block to block.
    const terms = rowsOf ? { power: rowsOf.variance, mean: rowsOf.mean, meanOffset: 0 } : undefined;
    for (let b = 0; b < groups.blocksPerChannel; b++, g++) {
      const n = readGroup(groups, values, c, b, w);
      if (h) {
        if (magnitude > 0) magnitudeWeights(w, n, magnitude, h);
        else h.fill(1, 0, n);
      }
      if (moments && h && rowsOf) {
        rowWeights(moments, groups, convGroups, reference, c, b, rowsOf);
        for (let i = 0; i < n; i++) {
          h[i]! *= Math.pow(rowsOf.power[Math.floor(i / groups.inner)]!, exponent) + MIN_ROW_POWER;
        }
      }
      fit(w, n, grid, params, work);
      encodeGroup(w, n, grid, params[0]!, params[1]!, codes, offset);
      if (balance) {
        balanceCodes(
          w,
          n,
          groups.inner,
          grid,
          params[0]!,
          params[1]!,
          codes,
          offset,
          balance,
          terms,
        );
      }
      scales[g] = params[0]!;
      if (zeros) zeros[g] = params[1]!;
      offset += n;
    }
  }
  const data = packing === "group" ? pack(codes, bits, groupLengths(groups)) : pack(codes, bits);
  return {
    algorithm,
    bits,
    symmetric,
    blockSize,
    layout: groups,
    dims: weight.dims,
    dtype,
    packing,
    data,
    scales,
    zeros,
    zeroPoint,
    scaleDtype,
    ...(scaleRef !== undefined ? { scaleRef } : {}),
  };
}

/** Floor of a row's relative power, so a group whose inputs are all dead still has a defined fit. */
const MIN_ROW_POWER = 1e-6;

function rowScratch(rows: number): RowWeights {
  return { power: new Float64Array(rows), variance: new Float64Array(rows), mean: new Float64Array(rows) };
}

/** `h[i] = 1 + (|w[i]| / rms)^p` over the group `w[0..n)`. */
function magnitudeWeights(w: Float64Array, n: number, p: number, h: Float64Array): void {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += w[i]! * w[i]!;
  const inv = ss > 0 ? 1 / Math.sqrt(ss / n) : 0;
  for (let i = 0; i < n; i++) h[i] = 1 + Math.abs(w[i]! * inv) ** p;
}

function fitterOf(algorithm: QuantAlgorithm, options: QuantizeOptions): GroupFitter {
  switch (algorithm) {
    case "minmax":
      return linear;
    case "mse":
      return clipSearch(options.clipSearch);
    case "hqq":
      return hqq(options.hqq);
    default:
      throw new RangeError(`unknown algorithm "${algorithm as string}" (expected minmax, mse or hqq)`);
  }
}
