/**
 * Balanced rounding: chooses each group's codes (for a fixed scale and zero point) to minimise a
 * data-free proxy of the layer's *output* error instead of the weight error alone.
 *
 * A weight row `w` meets inputs `x`; its output error is `Σ e·x` with `e = w − ŵ`, whose expected square
 * is `eᵀ H e` for `H = E[x xᵀ]`. Nearest rounding minimises `Σ e²`, which is right only when the
 * inputs are uncorrelated and zero-mean. Real inputs are neither: activations after ReLU, HardSwish or
 * a sigmoid have a common positive mean, and neighbouring pixels of an image or feature map are
 * strongly correlated, so the window of a convolution kernel sees nearly the same value at every tap.
 * With inputs of one channel `r` correlated within the kernel window and every channel sharing a mean,
 *
 * ```
 * eᵀ H e ≈ Σ_r v_r · (Σ_k e_rk² + α · E_r²) + β · (Σ_r m_r · E_r)²,   E_r = Σ_k e_rk
 * ```
 *
 * (`v_r` a row's input power, `m_r` its relative mean; both 1 when unknown). The row sums `E_r` and the
 * group sum are what nearest rounding leaves to chance: with `n` independent rounding errors they grow
 * like `√n` steps, and they are what depthwise 3×3 convolutions and long 1×1 reductions amplify. Starting
 * from nearest rounding, each code may move one step up or down when that lowers the proxy; passes repeat
 * until nothing moves (a few passes, O(n) each). The weight error grows a little; the proxy falls a lot.
 * @module
 */
import type { Grid } from "./grid.ts";

/** Options for {@link balanceCodes}. */
export interface BalanceOptions {
  /**
   * α: weight of each row's error sum (the kernel-window term; ignored for 1-element rows). Relative to
   * the squared error, which has weight 1.
   * @default 4
   */
  window?: number;
  /**
   * β: weight of the group's error sum (the common-mean term).
   * @default 1
   */
  mean?: number;
  /**
   * Maximum greedy passes over the group.
   * @default 4
   */
  passes?: number;
}

/** Validated {@link BalanceOptions}. */
export interface Balance {
  readonly window: number;
  readonly mean: number;
  readonly passes: number;
}

/** Validates `options` and fills defaults; throws `RangeError` for negative or non-finite weights. */
export function makeBalance(options: BalanceOptions = {}): Balance {
  const window = options.window ?? 4;
  const mean = options.mean ?? 1;
  const passes = options.passes ?? 4;
  for (const [key, v] of [["window", window], ["mean", mean]] as const) {
    if (!(v >= 0 && v < Infinity)) throw new RangeError(`balanced rounding: ${key} must be ≥ 0 and finite, got ${v}`);
  }
  if (!Number.isInteger(passes) || passes < 0) {
    throw new RangeError(`balanced rounding: passes must be a whole number, got ${passes}`);
  }
  return { window, mean, passes };
}

/**
 * What {@link balanceCodes} knows about a group's inputs (activation-aware rounding, `input_moments.ts`):
 * the proxy becomes `Σ_r v_r·(Σ_k e_rk² + α·E_r²) + β·(M₀ + Σ_r m_r·E_r)²`, the expected squared output
 * error for inputs of variance `v_r` and mean `m_r` (α for the kernel window, β = 1 exact).
 */
export interface RowTerms {
  /** `v_r` per row: its input's variance (relative). */
  power: Float64Array;
  /** `m_r` per row: its input's mean (relative). */
  mean: Float64Array;
  /**
   * `M₀`: the mean-term error the group starts from (the earlier blocks of the same output channel, whose
   * errors add to this one's in the output); updated to the group's own end value on return.
   */
  meanOffset: number;
}

/**
 * Moves the codes `codes[offset .. offset + n)` of the group `w[0..n)` (rows of `inner` elements, in
 * group order) one step at a time where that lowers the output-error proxy (module doc; with `rows`,
 * the activation-aware proxy of {@link RowTerms}, else `v_r = m_r = 1`). Returns the proxy value
 * reached, in squared weight units.
 *
 * @example
 * ```ts
 * import { encodeGroup, makeGrid } from "./grid.ts";
 * const w = new Float64Array([0.26, 0.26, 0.26, 0.26]); // nearest rounding: every error +0.26, sum 1.04
 * const grid = makeGrid(4, false, true, false), codes = new Uint8Array(4);
 * encodeGroup(w, 4, grid, 1, 0, codes, 0);
 * balanceCodes(w, 4, 4, grid, 1, 0, codes, 0, makeBalance());
 * if (codes.reduce((a, b) => a + b, 0) !== 1) throw new Error("one code moves up: the window sum drops to 0.04");
 * ```
 */
export function balanceCodes(
  w: Float64Array,
  n: number,
  inner: number,
  grid: Grid,
  scale: number,
  zero: number,
  codes: Uint8Array,
  offset: number,
  balance: Balance,
  rows?: RowTerms,
): number {
  const alpha = inner > 1 ? balance.window : 0;
  const beta = balance.mean;
  const rowPower = rows?.power, rowMean = rows?.mean;
  const lo = grid.codeMin;
  const hi = grid.codeMax;
  const rowCount = Math.ceil(n / inner);
  const err = scratch(n);
  const rowSum = scratchRows(rowCount);
  let mean = rows ? rows.meanOffset : 0;
  let proxy = 0;
  for (let r = 0, i = 0; r < rowCount; r++) {
    let sum = 0;
    let sq = 0;
    const end = Math.min(n, i + inner);
    for (; i < end; i++) {
      const e = w[i]! - (codes[offset + i]! - zero) * scale;
      err[i] = e;
      sum += e;
      sq += e * e;
    }
    rowSum[r] = sum;
    const v = rowPower ? rowPower[r]! : 1;
    mean += (rowMean ? rowMean[r]! : 1) * sum;
    proxy += v * (sq + alpha * sum * sum);
  }
  proxy += beta * mean * mean;
  const s2 = scale * scale;
  for (let pass = 0; pass < balance.passes; pass++) {
    let moved = 0;
    for (let r = 0, i = 0; r < rowCount; r++) {
      const v = rowPower ? rowPower[r]! : 1;
      const m = rowMean ? rowMean[r]! : 1;
      const end = Math.min(n, i + inner);
      for (; i < end; i++) {
        const u = codes[offset + i]!;
        const e = err[i]!;
        const er = rowSum[r]!;
        // Moving the code by ±1 changes the reconstruction by d = ±scale: e → e − d, E_r → E_r − d,
        // M → M − m·d. ΔJ = v·(−2(e + α·E_r)·d + (1 + α)·d²) + β·(−2·M·m·d + m²·d²).
        const lin = v * (e + alpha * er) + beta * mean * m;
        const quad = v * (1 + alpha) * s2 + beta * m * m * s2;
        const up = u < hi ? -2 * lin * scale + quad : Infinity;
        const down = u > lo ? 2 * lin * scale + quad : Infinity;
        if (up < 0 && up <= down) {
          codes[offset + i] = u + 1;
          err[i] = e - scale;
          rowSum[r] = er - scale;
          mean -= m * scale;
          proxy += up;
          moved++;
        } else if (down < 0) {
          codes[offset + i] = u - 1;
          err[i] = e + scale;
          rowSum[r] = er + scale;
          mean += m * scale;
          proxy += down;
          moved++;
        }
      }
    }
    if (moved === 0) break;
  }
  if (rows) rows.meanOffset = mean;
  return proxy;
}

let errBuffer = new Float64Array(0);
let rowBuffer = new Float64Array(0);

function scratch(n: number): Float64Array {
  if (errBuffer.length < n) errBuffer = new Float64Array(Math.max(n, 2 * errBuffer.length));
  return errBuffer;
}

function scratchRows(n: number): Float64Array {
  if (rowBuffer.length < n) rowBuffer = new Float64Array(Math.max(n, 2 * rowBuffer.length));
  return rowBuffer;
}
