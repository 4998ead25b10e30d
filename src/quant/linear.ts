/**
 * Plain linear (min-max) quantization of one group, the baseline every other algorithm starts from
 * and must beat (DESIGN.md §5):
 *
 * - symmetric: `scale = absmax / (2^(b−1) − 1)`, codes `round(w / scale)` in `−(2^(b−1)−1) .. 2^(b−1)−1`,
 *   stored unsigned as `q + 2^(b−1)`;
 * - asymmetric: `scale = (max − min) / (2^b − 1)`, codes `round(w / scale + zero)` in `0 .. 2^b − 1` with
 *   `zero = −min / scale`. With integer zero points the range is first widened to include 0 (so the zero
 *   point lies in `0 .. 2^b − 1`) and `zero` is rounded.
 *
 * A constant group reconstructs exactly (up to the storage rounding of its scale).
 * @module
 */
import { type Grid, roundParams } from "./grid.ts";

/**
 * Fits min-max `(scale, zero)` for `w[0..n)` on `grid` and writes them (rounded for storage) to
 * `out[0]`, `out[1]`. Matches the `GroupFitter` shape used by `quantize()`.
 *
 * @example
 * ```ts
 * import { makeGrid } from "./grid.ts";
 * const out = new Float64Array(2);
 * linear(new Float64Array([-1, 0, 0.5, 1]), 4, makeGrid(4, true, true, false), out);
 * if (Math.abs(out[0]! - 1 / 7) > 1e-7 || out[1] !== 8) throw new Error("scale 1/7, zero 8");
 * ```
 */
export function linear(w: Float64Array, n: number, grid: Grid, out: Float64Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = w[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n === 0) lo = hi = 0;
  if (grid.symmetric) {
    const absmax = Math.max(-lo, hi);
    roundParams(grid, absmax > 0 ? absmax / (grid.half - 1) : 1, grid.half, out, true);
    return;
  }
  // Integer zero points must lie on the grid; a float16 zero point must stay within ±65504 (a group far
  // from 0 relative to its spread, |min/scale| beyond 2^15, would overflow it).
  if (grid.integerZero || (grid.fp16 && Math.abs(lo) * grid.codeMax > 32768 * (hi - lo))) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi > lo) {
    const scale = (hi - lo) / grid.codeMax;
    roundParams(grid, scale, -lo / scale, out, true);
  } else {
    // Constant group (float zero points only; with integer zeros this is all-zero): code 0 is `lo`.
    roundParams(grid, lo === 0 ? 1 : Math.abs(lo), lo === 0 ? 0 : -Math.sign(lo), out);
  }
}
