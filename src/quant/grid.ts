/**
 * The quantization grid shared by every algorithm: a group is stored as unsigned codes `u` with one
 * scale `s` and one zero point `z` (in code units), and reconstructs as `(u − z) · s`. Symmetric grids
 * fix `z = 2^(b−1)` and use codes `1 .. 2^b − 1` (signed `−(2^(b−1)−1) .. 2^(b−1)−1`); asymmetric grids
 * use `0 .. 2^b − 1` with a fitted zero point, integer-valued (`0 .. 2^b − 1`), fixed8 (a multiple of
 * `2^(b−8)` in the same range) or any float. Scales are rounded to what storage keeps: float32, float16
 * or a log8 code against the tensor's reference (`src/graph/compact_params.ts`), so every algorithm
 * measures the error of the parameters that will actually be stored.
 * @module
 */
import { roundToFloat16 } from "./fp16.ts";
import { fixed8Units, log8Code, log8Scale } from "../graph/compact_params.ts";

/** Everything an algorithm needs to know about the codes it may produce. */
export interface Grid {
  /** Bit width, 2..8. */
  readonly bits: number;
  /** Smallest code: 1 for symmetric grids (keeps the code range symmetric), else 0. */
  readonly codeMin: number;
  /** Largest code, `2^bits − 1`. */
  readonly codeMax: number;
  /** Symmetric grid: zero point fixed at `2^(bits−1)`. */
  readonly symmetric: boolean;
  /** `2^(bits−1)`, the implicit zero point of symmetric grids. */
  readonly half: number;
  /**
   * Zero points lie on a lattice inside the code range: integers in `0 .. 2^bits − 1`, or multiples of
   * `1 / zeroUnits` for fixed8 zero points. (Ranges fitted on such a grid must contain 0.)
   */
  readonly integerZero: boolean;
  /** Lattice points per code step of lattice zero points: 1 for integers, `2^(8−bits)` for fixed8. */
  readonly zeroUnits: number;
  /** Scales (and float zero points) are rounded to float16 so they store losslessly as half. */
  readonly fp16: boolean;
  /** The log8 scale reference (scales are rounded to `scaleRef · 2^(−q/16)`), or 0 for float scales. */
  readonly scaleRef: number;
}

/** The compact-parameter options of {@link makeGrid}. */
export interface CompactParams {
  /** Round scales to log8 codes against this positive reference (`compact_params.ts`). */
  scaleRef?: number;
  /** Round zero points to fixed8 (`8 − bits` fraction bits) instead of integers (with `integerZero`). */
  fixed8Zero?: boolean;
}

/** Builds a grid; the caller has validated `bits` (and a positive `compact.scaleRef`). */
export function makeGrid(
  bits: number,
  symmetric: boolean,
  integerZero: boolean,
  fp16: boolean,
  compact: CompactParams = {},
): Grid {
  const half = 1 << (bits - 1);
  const fixed = compact.fixed8Zero ?? false;
  return {
    bits,
    codeMin: symmetric ? 1 : 0,
    codeMax: (1 << bits) - 1,
    symmetric,
    half,
    integerZero: integerZero || fixed,
    zeroUnits: fixed ? fixed8Units(bits) : integerZero ? 1 : 0,
    fp16: fp16 && !(compact.scaleRef! > 0),
    scaleRef: compact.scaleRef! > 0 ? compact.scaleRef! : 0,
  };
}

const MIN_HALF = 2 ** -24;

/**
 * Rounds `(scale, zero)` to what storage keeps (float32, float16 or log8 scale; the grid's zero point)
 * and writes them to `out[0]`, `out[1]`. A scale that is not positive and finite becomes 1. With
 * `cover`, a log8 scale rounds up instead of to the nearest code, so a min-max range stays covered
 * (log8 steps are 4.4 %: rounding down would clip a group's largest weights by up to 2.2 % of its range,
 * several code steps at 6–8 bits).
 */
export function roundParams(grid: Grid, scale: number, zero: number, out: Float64Array, cover = false): void {
  let s = scale > 0 && scale < Infinity ? scale : 1;
  if (grid.scaleRef > 0) {
    const q = log8Code(grid.scaleRef, s);
    s = log8Scale(grid.scaleRef, cover && q > 0 && log8Scale(grid.scaleRef, q) < s ? q - 1 : q);
  } else if (grid.fp16) s = Math.max(roundToFloat16(s), MIN_HALF);
  else s = Math.fround(s) || 1.401298464324817e-45;
  let z: number;
  if (grid.symmetric) z = grid.half;
  else if (!Number.isFinite(zero)) z = 0;
  else if (grid.integerZero) z = latticeZero(grid, zero);
  else z = grid.fp16 ? roundToFloat16(zero) : Math.fround(zero);
  out[0] = s;
  out[1] = z;
}

/** The lattice zero point nearest `zero`: an integer in `0 .. codeMax`, or a fixed8 value in the same range. */
function latticeZero(grid: Grid, zero: number): number {
  const u = grid.zeroUnits;
  if (u <= 1) return Math.min(Math.max(Math.round(zero), 0), grid.codeMax);
  return Math.min(Math.max(Math.round(zero * u), 0), grid.codeMax * u) / u;
}

/** Writes the codes of `w[0..n)` under `(scale, zero)` to `codes[offset..)`. */
export function encodeGroup(
  w: Float64Array,
  n: number,
  grid: Grid,
  scale: number,
  zero: number,
  codes: Uint8Array,
  offset: number,
): void {
  const inv = 1 / scale;
  const lo = grid.codeMin;
  const hi = grid.codeMax;
  const shift = zero + 0.5;
  for (let i = 0; i < n; i++) {
    // round(x) = floor(x + 0.5); after the clamp x is ≥ 0, so `| 0` floors it.
    const x = w[i]! * inv + shift;
    codes[offset + i] = x < lo ? lo : x >= hi ? hi : x | 0;
  }
}

/**
 * Sum of squared reconstruction errors of `w[0..n)` quantized under `(scale, zero)`, each weighted by
 * `h[i]` when `h` is given (the importance of element `i`). Stops early and returns a value above
 * `bound` once the partial sum exceeds it.
 */
export function groupError(
  w: Float64Array,
  n: number,
  grid: Grid,
  scale: number,
  zero: number,
  bound = Infinity,
  h?: Float64Array,
): number {
  const inv = 1 / scale;
  const lo = grid.codeMin;
  const hi = grid.codeMax;
  let sse = 0;
  const shift = zero + 0.5;
  for (let i = 0; i < n; i++) {
    const x = w[i]! * inv + shift;
    const u = x < lo ? lo : x >= hi ? hi : x | 0;
    const d = w[i]! - (u - zero) * scale;
    sse += h ? h[i]! * d * d : d * d;
    if (sse > bound) return sse;
  }
  return sse;
}

/**
 * Least-squares parameters for fixed codes, from the sums `Σu`, `Σu²`, `Σt`, `Σu·t` over a group of
 * `n` codes `u` and targets `t` (weighted least squares when every sum, `n` included, carries the
 * element weights): minimises `Σ ((u − z)·s − t)²` over the parameters the grid lets vary
 * (scale only for symmetric grids; scale, then a lattice zero point and the scale again for integer
 * and fixed8 grids). Writes unrounded values to `out[0..1]`; returns false (leaving `out`) when the codes are all
 * equal or the fit is degenerate.
 */
export function paramsFromSums(
  grid: Grid,
  n: number,
  su: number,
  suu: number,
  st: number,
  sut: number,
  out: Float64Array,
): boolean {
  if (grid.symmetric) return scaleForZero(grid.half, n, su, suu, st, sut, out);
  const varu = suu - (su * su) / n;
  const cov = sut - (su * st) / n;
  if (!(varu > 1e-9 * n) || !(cov > 0)) return false;
  const s = cov / varu;
  const z = (su - st / s) / n;
  if (!grid.integerZero) {
    out[0] = s;
    out[1] = z;
    return true;
  }
  return scaleForZero(latticeZero(grid, z), n, su, suu, st, sut, out);
}

/** The least-squares scale for a fixed zero point `z`: `Σ(u − z)·t / Σ(u − z)²`. */
function scaleForZero(
  z: number,
  n: number,
  su: number,
  suu: number,
  st: number,
  sut: number,
  out: Float64Array,
): boolean {
  const num = sut - z * st;
  const den = suu - 2 * z * su + n * z * z;
  if (!(den > 0) || !(num > 0)) return false;
  out[0] = num / den;
  out[1] = z;
  return true;
}

/**
 * Least-squares refit of `(scale, zero)` to `w[0..n)` for the codes `w` has under `(scale, zero)`
 * (see {@link paramsFromSums}), weighted by `h` when given. Writes unrounded values to `out[0..1]`;
 * returns false when there is nothing to fit.
 */
export function refitParams(
  w: Float64Array,
  n: number,
  grid: Grid,
  scale: number,
  zero: number,
  out: Float64Array,
  h?: Float64Array,
): boolean {
  const inv = 1 / scale;
  const lo = grid.codeMin;
  const hi = grid.codeMax;
  const shift = zero + 0.5;
  let su = 0;
  let suu = 0;
  let st = 0;
  let sut = 0;
  let sh = 0;
  for (let i = 0; i < n; i++) {
    const t = w[i]!;
    const x = t * inv + shift;
    const u = x < lo ? lo : x >= hi ? hi : x | 0;
    const k = h ? h[i]! : 1;
    sh += k;
    su += k * u;
    suu += k * u * u;
    st += k * t;
    sut += k * u * t;
  }
  return paramsFromSums(grid, sh, su, suu, st, sut, out);
}

/** Scratch reused across groups, so algorithms allocate nothing per group. */
export interface Workspace {
  /** Parameter scratch (4 entries). */
  readonly params: Float64Array;
  /**
   * Importance of each element of the current group (the error an algorithm minimises is
   * `Σ h[i]·e[i]²`), or undefined for plain squared error.
   */
  importance: Float64Array | undefined;
}

/** A fresh workspace. */
export function makeWorkspace(): Workspace {
  return { params: new Float64Array(4), importance: undefined };
}

/**
 * An algorithm's per-group step: fits `(scale, zero)` for `w[0..n)` and writes them, already rounded
 * with {@link roundParams}, to `out[0]`, `out[1]`.
 */
export type GroupFitter = (w: Float64Array, n: number, grid: Grid, out: Float64Array, work: Workspace) => void;
