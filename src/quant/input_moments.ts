/**
 * Activation-aware weighting of a weight's quantization error: the per-input-channel moments of what a
 * layer multiplies its weight by. A row `w` of a 1×1 conv or matrix meets inputs `x` and its output
 * error from `e = w − ŵ` is `Σ_c e_c·x_c`, whose expected square (channels independent) is
 *
 * ```
 * E[(Σ_c e_c x_c)²] = Σ_c Var[x_c]·e_c² + (Σ_c E[x_c]·e_c)²
 * ```
 *
 * so an input channel that carries ten times the power deserves ten times the care. Given `E[x_c]` and
 * `E[x_c²]`, {@link rowWeights} turns them into the per-row weights of one quantization group: the
 * element importance the fitters use (`E[x_c²]`, relative to the layer's mean power, see
 * `quantize.ts`) and the row power and row mean of `balanced_rounding.ts`'s output-error proxy.
 * @module
 */
import type { GroupLayout } from "../graph/group_layout.ts";

/** Per-input-channel moments of a layer's input (length: every input channel the weight reads). */
export interface InputMoments {
  /** `E[x_c]` per input channel. */
  mean: Float64Array;
  /** `E[x_c²]` per input channel (≥ `mean²`). */
  power: Float64Array;
}

/** Per-row weights of one group, filled by {@link rowWeights}. */
export interface RowWeights {
  /** `E[x_r²] / P` per row (P the mean power over every input channel): the fitters' element importance. */
  power: Float64Array;
  /** `Var[x_r] / P` per row: `v_r` of the balanced-rounding proxy. */
  variance: Float64Array;
  /** `E[x_r] / √P` per row: `m_r` of the balanced-rounding proxy. */
  mean: Float64Array;
}

/**
 * The input channels a weight's groups read: `groups.rows` per conv group, so `moments` of length
 * `k · rows` means `k` conv groups over the output channels. Throws `RangeError` when the lengths do
 * not fit (not a whole number of groups, more groups than output channels, or mean and power differ).
 */
export function checkMoments(moments: InputMoments, groups: GroupLayout): number {
  const n = moments.power.length;
  const convGroups = groups.rows > 0 ? n / groups.rows : 0;
  if (
    moments.mean.length !== n || !Number.isInteger(convGroups) || convGroups < 1 ||
    groups.channels % convGroups !== 0
  ) {
    throw new RangeError(
      `input moments of ${n} channels (means: ${moments.mean.length}) do not fit a weight of ` +
        `${groups.channels} output channels × ${groups.rows} input rows`,
    );
  }
  return convGroups;
}

/** The mean of `E[x²]` over every input channel (1 when it is not positive). */
export function meanPower(moments: InputMoments): number {
  let s = 0;
  for (let i = 0; i < moments.power.length; i++) s += moments.power[i]!;
  const p = s / Math.max(1, moments.power.length);
  return p > 0 && Number.isFinite(p) ? p : 1;
}

/**
 * Fills `out` for block `block` of output channel `channel` (rows of `groups`; `convGroups` from
 * {@link checkMoments}, `reference` from {@link meanPower}). Returns the block's row count.
 *
 * @example
 * ```ts
 * import { groupLayout } from "../graph/group_layout.ts";
 * const g = groupLayout([2, 4, 1, 1], { kind: "conv" }, 2);
 * const m = { mean: Float64Array.of(0, 1, 0, 0), power: Float64Array.of(1, 2, 0.5, 0.5) };
 * const out = { power: new Float64Array(2), variance: new Float64Array(2), mean: new Float64Array(2) };
 * rowWeights(m, g, checkMoments(m, g), meanPower(m), 1, 0, out); // rows 0..1 of channel 1
 * if (out.power[1] !== 2 || out.variance[1] !== 1 || out.mean[1] !== 1) throw new Error("row 1: E[x²] 2, Var 1, E[x] 1");
 * ```
 */
export function rowWeights(
  moments: InputMoments,
  groups: GroupLayout,
  convGroups: number,
  reference: number,
  channel: number,
  block: number,
  out: RowWeights,
): number {
  const first = Math.floor(channel / (groups.channels / convGroups)) * groups.rows + block * groups.blockRows;
  const rows = Math.min(groups.blockRows, groups.rows - block * groups.blockRows);
  const inv = 1 / reference, invSqrt = 1 / Math.sqrt(reference);
  for (let r = 0; r < rows; r++) {
    const m = moments.mean[first + r]!;
    const p = Math.max(moments.power[first + r]!, m * m);
    out.power[r] = p * inv;
    out.variance[r] = (p - m * m) * inv;
    out.mean[r] = m * invSqrt;
  }
  return rows;
}
