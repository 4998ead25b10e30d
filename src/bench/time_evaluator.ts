/**
 * Times a function the way TVM's `time_evaluator` and the device agent's bench job do: `warmup` calls
 * discarded, then `repeat` measurements of `number` calls each; a measurement shorter than `minRepeatMs`
 * is taken again with more calls (see {@link nextNumber}), and the grown `number` is kept for the
 * following measurements. Each entry of `runsMs` is one measurement's mean time per call.
 *
 * @example
 * ```ts
 * import { timeEvaluator } from "./time_evaluator.ts";
 * const r = await timeEvaluator(() => Math.sqrt(2), { warmup: 0, number: 1, repeat: 3 });
 * if (r.runsMs.length !== 3 || r.medianMs < 0) throw new Error("timed");
 * ```
 * @module
 */
import { type LatencySummary, MAX_NUMBER, nextNumber, summarize } from "./latency_stats.ts";

/** Options for {@link timeEvaluator}. */
export interface TimeEvaluatorOptions {
  /** Calls discarded before measuring. @default 1 */
  warmup?: number;
  /** Calls per measurement, before `minRepeatMs` growth. @default 1 */
  number?: number;
  /** Measurements. @default 10 */
  repeat?: number;
  /** `number` grows until one measurement lasts at least this long. @default 0 */
  minRepeatMs?: number;
  /** Called after every measurement (e.g. to sample memory). @default undefined */
  onMeasure?: (index: number, meanMs: number) => void;
  /** Milliseconds, monotonic. @default performance.now */
  now?: () => number;
}

/** What {@link timeEvaluator} measured. */
export interface TimeEvaluation extends LatencySummary {
  /** Mean time per call of each measurement. */
  runsMs: number[];
  /** Calls per measurement actually used (after `minRepeatMs` growth). */
  number: number;
}

/**
 * Calls `fn` (awaited when it returns a promise) as the options say and summarizes the measurements.
 * Throws `RangeError` for counts that are not whole numbers in range.
 *
 * @example
 * ```ts
 * const r = await timeEvaluator(() => {}, { warmup: 0, repeat: 2, minRepeatMs: 1 });
 * if (r.number < 1 || r.runsMs.length !== 2) throw new Error("grown");
 * ```
 */
export async function timeEvaluator(
  fn: () => unknown,
  options: TimeEvaluatorOptions = {},
): Promise<TimeEvaluation> {
  const warmup = count("warmup", options.warmup ?? 1, 0);
  let number = count("number", options.number ?? 1, 1);
  const repeat = count("repeat", options.repeat ?? 10, 1);
  const minRepeatMs = options.minRepeatMs ?? 0;
  if (!(minRepeatMs >= 0 && Number.isFinite(minRepeatMs))) {
    throw new RangeError(`timeEvaluator: minRepeatMs must be a finite number ≥ 0, got ${minRepeatMs}`);
  }
  const now = options.now ?? (() => performance.now());
  for (let i = 0; i < warmup; i++) await fn();
  const runsMs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    let elapsed: number;
    while (true) {
      const t0 = now();
      for (let i = 0; i < number; i++) await fn();
      elapsed = now() - t0;
      const grown = nextNumber(number, elapsed, minRepeatMs);
      if (grown === undefined) break;
      number = grown;
    }
    runsMs.push(elapsed / number);
    options.onMeasure?.(r, elapsed / number);
  }
  return { ...summarize(runsMs), runsMs, number };
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > MAX_NUMBER) {
    throw new RangeError(`timeEvaluator: ${name} must be a whole number in ${min}..${MAX_NUMBER}, got ${value}`);
  }
  return value;
}
