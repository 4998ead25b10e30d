/**
 * Latency statistics shared by `bitloop bench`, the device agent's bench job and `bench/` scripts, after
 * TVM's `time_evaluator`: one entry per measurement (the mean of its `number` runs), summarized as median,
 * 90th percentile (nearest rank) and minimum; and the rule that grows `number` until a measurement lasts
 * at least `minRepeatMs`.
 *
 * @example
 * ```ts
 * import { summarize } from "./latency_stats.ts";
 * const s = summarize([3, 1, 2]);
 * if (s.medianMs !== 2 || s.minMs !== 1 || s.p90Ms !== 3) throw new Error("stats");
 * ```
 * @module
 */

/** Median, 90th percentile and minimum of a list of run times, in milliseconds. */
export interface LatencySummary {
  /** Median. */
  medianMs: number;
  /** 90th percentile (nearest rank). */
  p90Ms: number;
  /** Minimum. */
  minMs: number;
}

/** The largest `number` (runs per measurement) the growth rule will reach. */
export const MAX_NUMBER = 1_000_000;

/**
 * Median, 90th percentile (nearest rank) and minimum of `values`; all 0 for an empty list.
 *
 * @example
 * ```ts
 * const s = summarize([4, 1, 3, 2]);
 * if (s.medianMs !== 2.5) throw new Error("median of an even list is the mean of the middle two");
 * ```
 */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { medianMs: 0, p90Ms: 0, minMs: 0 };
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const p90 = sorted[Math.min(n - 1, Math.ceil(0.9 * n) - 1)]!;
  return { medianMs: median, p90Ms: p90, minMs: sorted[0]! };
}

/**
 * The `number` to retry a measurement with, when `elapsedMs` for `number` runs fell short of
 * `minRepeatMs`; `undefined` when the measurement is long enough (or `number` is at {@link MAX_NUMBER}).
 * Grows by at least the golden ratio, and at once to the count the last per-run time predicts.
 *
 * @example
 * ```ts
 * if (nextNumber(1, 2, 10) !== 5) throw new Error("2 ms per run, 10 ms wanted: 5 runs");
 * if (nextNumber(5, 10, 10) !== undefined) throw new Error("long enough");
 * ```
 */
export function nextNumber(number: number, elapsedMs: number, minRepeatMs: number): number | undefined {
  if (elapsedMs >= minRepeatMs || number >= MAX_NUMBER) return undefined;
  const perRun = Math.max(elapsedMs / number, 1e-3);
  return Math.min(MAX_NUMBER, Math.max(Math.ceil(number * 1.618), Math.ceil(minRepeatMs / perRun)));
}
