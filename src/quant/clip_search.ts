/**
 * Data-free clipping-range search (the `mse` algorithm): for each group, try shrinking the min-max
 * range over a grid of ratios (by default 100 ratios from 1.0 down to 0.5), keep the range whose
 * quantization has the smallest squared reconstruction error, then refit scale and zero point to the
 * chosen codes by least squares (alternating codes ↔ parameters while the error falls).
 *
 * The range shrinks toward 0 when it contains 0 (both ends scale by the ratio, so the zero point keeps
 * its place), else toward its midpoint; a symmetric grid shrinks its absmax. The grid is searched
 * coarse to fine: every `coarse`-th ratio, then around the best of those with strides `coarse/3`, …, 1
 * (19 evaluations instead of 99 for the defaults; on the zoo weights the error is within 0.01 dB of the
 * full scan's). Ratio 1.0 is plain min-max, so the result is never worse than {@link linear} on any group.
 * @module
 */
import { type Grid, groupError, type GroupFitter, refitParams, roundParams } from "./grid.ts";
import { linear } from "./linear.ts";

/** Options for {@link clipSearch}. */
export interface ClipSearchOptions {
  /**
   * Number of ratios in the grid, evenly spaced from 1.0 down to `minRatio`.
   * @default 100
   */
  steps?: number;
  /**
   * The smallest fraction of the min-max range tried.
   * @default 0.5
   */
  minRatio?: number;
  /**
   * Coarse stride of the search: every `coarse`-th ratio is tried, then ever finer strides around the
   * best one. 1 tries every ratio.
   * @default 10
   */
  coarse?: number;
  /**
   * Least-squares refits (codes → scale and zero → codes) after the search; each is kept only if it
   * lowers the error, and the first that does not ends the refitting.
   * @default 4
   */
  refits?: number;
}

/**
 * A group fitter running the clipping-range search with `options` (validated here).
 *
 * @example
 * ```ts
 * import { makeGrid, makeWorkspace } from "./grid.ts";
 * const w = new Float64Array([-0.1, -0.05, 0, 0.04, 0.08, 0.1, 2]); // one outlier
 * const out = new Float64Array(2);
 * clipSearch()(w, w.length, makeGrid(3, false, false, false), out, makeWorkspace());
 * if (!(out[0]! < 2.1 / 7)) throw new Error("range clipped below min-max");
 * ```
 */
export function clipSearch(options: ClipSearchOptions = {}): GroupFitter {
  const steps = options.steps ?? 100;
  const minRatio = options.minRatio ?? 0.5;
  const coarse = options.coarse ?? 10;
  const refits = options.refits ?? 4;
  const positiveInt = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!positiveInt(steps, 1)) throw new RangeError(`clipSearch: steps must be a positive integer, got ${steps}`);
  if (!(minRatio > 0 && minRatio <= 1)) throw new RangeError(`clipSearch: minRatio must be in (0, 1], got ${minRatio}`);
  if (!positiveInt(coarse, 1)) throw new RangeError(`clipSearch: coarse must be a positive integer, got ${coarse}`);
  if (!positiveInt(refits, 0)) throw new RangeError(`clipSearch: refits must be a non-negative integer, got ${refits}`);
  const stepRatio = steps > 1 ? (1 - minRatio) / (steps - 1) : 0;
  return (w, n, grid, out, work) => {
    linear(w, n, grid, out);
    const h = work.importance;
    let best = groupError(w, n, grid, out[0]!, out[1]!, Infinity, h);
    if (best === 0 || n === 0) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = w[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (grid.integerZero) {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    }
    const absmax = Math.max(-lo, hi);
    const mid = lo <= 0 && hi >= 0 ? 0 : (lo + hi) / 2;
    const p = work.params;
    let bestK = 0;
    // Tries ratio index k; keeps it in `out` when it beats the best so far.
    const attempt = (k: number) => {
      const r = 1 - k * stepRatio;
      if (grid.symmetric) {
        roundParams(grid, (absmax * r) / (grid.half - 1), grid.half, p);
      } else {
        const l = mid + (lo - mid) * r;
        const s = (mid + (hi - mid) * r - l) / grid.codeMax;
        roundParams(grid, s, -l / s, p);
      }
      const e = groupError(w, n, grid, p[0]!, p[1]!, best, h);
      if (e < best) {
        best = e;
        out[0] = p[0]!;
        out[1] = p[1]!;
        bestK = k;
      }
    };
    for (let k = coarse; k < steps; k += coarse) attempt(k);
    // Refine around the best ratio with ever finer strides (coarse/3, …, 1), each over ± the previous stride.
    let stride = coarse;
    while (stride > 1) {
      const next = Math.max(1, Math.floor(stride / 3));
      const center = bestK;
      for (let k = center - stride + next; k < center + stride; k += next) {
        if (k >= 1 && k < steps && k !== center) attempt(k);
      }
      stride = next;
    }
    refine(w, n, grid, best, refits, out, p, h);
  };
}

/** Alternates codes and least-squares parameters from `out` (error `e`) while the error falls. */
function refine(
  w: Float64Array,
  n: number,
  grid: Grid,
  e: number,
  refits: number,
  out: Float64Array,
  p: Float64Array,
  h: Float64Array | undefined,
): void {
  for (let it = 0; it < refits; it++) {
    if (!refitParams(w, n, grid, out[0]!, out[1]!, p, h)) return;
    roundParams(grid, p[0]!, p[1]!, p);
    const next = groupError(w, n, grid, p[0]!, p[1]!, e, h);
    if (!(next < e)) return;
    e = next;
    out[0] = p[0]!;
    out[1] = p[1]!;
  }
}
