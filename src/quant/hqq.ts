/**
 * Half-Quadratic Quantization (Badri & Shaji 2023), data-free, per group. HQQ minimises an lp
 * (p < 1) reconstruction error `‖W − dequant(quant(W))‖_p` by half-quadratic splitting with an extra
 * variable `W_e` (the error it tolerates as sparse outliers), alternating
 *
 * 1. `W_q = clamp(round(W / s + z))`, `W_r = (W_q − z) · s`;
 * 2. `W_e = shrink_lp(W − W_r, β)` with `shrink_lp(x) = sign(x) · relu(|x| − |x|^(p−1) / β)`;
 * 3. a closed-form update so that `(W_q − z) · s` fits `W − W_e`: the zero point alone,
 *    `z = mean(W_q − (W − W_e) / s)`, or — full HQQ, the default — scale and zero point together by
 *    least squares over the group (for integer zero points: the scale, the rounded zero, the scale again);
 * 4. `β ← κ · β`.
 *
 * After each iteration the group's squared reconstruction error (parameters rounded for storage) is
 * measured; the best parameters seen are kept and the loop stops once `patience` iterations in a row
 * fail to improve on them (early stop). The start is the clipping-range search's result by default
 * (`init: "mse"`; `"minmax"` is the paper's start), and as the start is one of the candidates the result
 * is never worse than it on any group: `minmax ≥ mse ≥ hqq` in squared error, group by group (in the
 * weighted squared error when the workspace carries element weights, see `quantize.ts` `magnitudeWeight`).
 *
 * Residuals are measured in code steps (`(W − W_r) / s`) before shrinking, so one β means the same on a
 * tensor of weights near 1e−3 as on one near 1. (In weight units, as MNN's converter does it, β = 10
 * zeroes every residual below 0.17 and the lp term vanishes for typical conv weights.)
 * `{ init: "minmax", updateScale: false, kappa: 1, earlyStop: false, normalize: false }` is MNN's
 * converter variant (zero point only, fixed β, 20 iterations, last iterate kept), for comparison.
 * @module
 */
import { groupError, type GroupFitter, paramsFromSums, roundParams } from "./grid.ts";
import { clipSearch } from "./clip_search.ts";
import { linear } from "./linear.ts";

/** Options for {@link hqq}. */
export interface HqqOptions {
  /**
   * The p of the lp error HQQ minimises (0 < p ≤ 1).
   * @default 0.7
   */
  lpNorm?: number;
  /**
   * Initial β of the half-quadratic penalty.
   * @default 10
   */
  beta?: number;
  /**
   * Factor β grows by each iteration.
   * @default 1.01
   */
  kappa?: number;
  /**
   * Maximum iterations.
   * @default 20
   */
  iterations?: number;
  /**
   * Update the scale together with the zero point (full HQQ); `false` updates the zero point only.
   * @default true
   */
  updateScale?: boolean;
  /**
   * Keep the best iterate and stop when the error stops improving; `false` runs every iteration and
   * keeps the last one (MNN's behaviour).
   * @default true
   */
  earlyStop?: boolean;
  /**
   * With `earlyStop`, how many iterations in a row may fail to improve before stopping.
   * @default 1
   */
  patience?: number;
  /**
   * Shrink residuals measured in code steps rather than weight units.
   * @default true
   */
  normalize?: boolean;
  /**
   * Starting parameters: min-max (the paper's) or the clipping-range search's (default clip-search options).
   * @default "mse"
   */
  init?: "minmax" | "mse";
}

/**
 * A group fitter running HQQ with `options` (validated here).
 *
 * @example
 * ```ts
 * import { groupError, makeGrid, makeWorkspace } from "./grid.ts";
 * import { linear } from "./linear.ts";
 * const w = new Float64Array(Array.from({ length: 32 }, (_, i) => Math.sin(i * 1.7) ** 3));
 * const grid = makeGrid(3, false, false, false), a = new Float64Array(2), b = new Float64Array(2);
 * linear(w, 32, grid, a);
 * hqq({ init: "minmax" })(w, 32, grid, b, makeWorkspace());
 * if (!(groupError(w, 32, grid, b[0]!, b[1]!) < groupError(w, 32, grid, a[0]!, a[1]!))) throw new Error("not better");
 * ```
 */
export function hqq(options: HqqOptions = {}): GroupFitter {
  const p = options.lpNorm ?? 0.7;
  const beta0 = options.beta ?? 10;
  const kappa = options.kappa ?? 1.01;
  const iterations = options.iterations ?? 20;
  const updateScale = options.updateScale ?? true;
  const earlyStop = options.earlyStop ?? true;
  const patience = options.patience ?? 1;
  const normalize = options.normalize ?? true;
  const init = options.init ?? "mse";
  if (!(p > 0 && p <= 1)) throw new RangeError(`hqq: lpNorm must be in (0, 1], got ${p}`);
  if (!(beta0 > 0 && beta0 < Infinity)) throw new RangeError(`hqq: beta must be positive, got ${beta0}`);
  if (!(kappa >= 1 && kappa < Infinity)) throw new RangeError(`hqq: kappa must be ≥ 1, got ${kappa}`);
  for (const [key, v, min] of [["iterations", iterations, 0], ["patience", patience, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`hqq: ${key} must be an integer ≥ ${min}, got ${v}`);
  }
  if (init !== "minmax" && init !== "mse") throw new RangeError(`hqq: init must be "minmax" or "mse", got "${init}"`);
  const start: GroupFitter = init === "mse" ? clipSearch() : linear;
  const pm1 = p - 1;
  const cutoffExp = -1 / (2 - p);
  const powTable = powerTable(pm1);
  return (w, n, grid, out, work) => {
    start(w, n, grid, out, work);
    const h = work.importance;
    let best = groupError(w, n, grid, out[0]!, out[1]!, Infinity, h);
    if (best === 0 || n === 0) return;
    const prm = work.params;
    const lo = grid.codeMin;
    const hi = grid.codeMax;
    const zeroOnly = !updateScale && !grid.symmetric;
    if (!updateScale && grid.symmetric) return; // nothing left to optimise
    let s = out[0]!;
    let z = out[1]!;
    let beta = beta0;
    let misses = 0;
    for (let it = 0; it < iterations; it++) {
      // W_e is nonzero only where |x| > cutoff (|x|^(2−p) > 1/β); below it no pow is needed.
      const cutoff = beta ** cutoffExp;
      const invBeta = 1 / beta;
      const unit = normalize ? s : 1;
      const invUnit = 1 / unit;
      const inv = 1 / s;
      const shift = z + 0.5;
      let su = 0;
      let suu = 0;
      let st = 0;
      let sut = 0;
      let sh = 0;
      for (let i = 0; i < n; i++) {
        const wi = w[i]!;
        const v = wi * inv + shift;
        const u = v < lo ? lo : v >= hi ? hi : v | 0;
        const x = (wi - (u - z) * s) * invUnit;
        const ax = x < 0 ? -x : x;
        let t = wi;
        if (ax > cutoff) {
          let pw: number;
          if (ax >= TABLE_MIN && ax < 1) {
            const f = ax * TABLE_SIZE;
            const k = f | 0;
            const a = powTable[k]!;
            pw = a + (powTable[k + 1]! - a) * (f - k);
          } else {
            pw = ax ** pm1;
          }
          const m = (ax - pw * invBeta) * unit;
          t = x < 0 ? wi + m : wi - m;
        }
        const k = h ? h[i]! : 1;
        sh += k;
        su += k * u;
        suu += k * u * u;
        st += k * t;
        sut += k * u * t;
      }
      if (zeroOnly) {
        z = (su - st / s) / sh;
      } else if (paramsFromSums(grid, sh, su, suu, st, sut, prm)) {
        s = prm[0]!;
        z = prm[1]!;
      } else {
        break;
      }
      beta *= kappa;
      roundParams(grid, s, z, prm);
      const e = groupError(w, n, grid, prm[0]!, prm[1]!, Infinity, h);
      if (e < best || !earlyStop) {
        best = e;
        out[0] = prm[0]!;
        out[1] = prm[1]!;
        misses = 0;
      } else if (++misses >= patience) {
        break;
      }
    }
  };
}

const TABLE_SIZE = 1024;
const TABLE_MIN = 1 / 64;

/**
 * `x^e` at `x = k / TABLE_SIZE`, k = 0..TABLE_SIZE, for linear interpolation on [1/64, 1) — where
 * code-step residuals fall — instead of a `Math.pow` per element (for e = −0.3 the relative error is
 * below 2e−4 at 1/64 and below 2e−6 above 0.17; the shrinkage is a heuristic, the error check after each
 * iteration is exact).
 */
function powerTable(e: number): Float64Array {
  const t = new Float64Array(TABLE_SIZE + 1);
  for (let k = 1; k <= TABLE_SIZE; k++) t[k] = (k / TABLE_SIZE) ** e;
  return t;
}
