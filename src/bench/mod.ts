/**
 * Benchmark building blocks shared by `bitloop bench`, the device agent and the `bench/` scripts:
 * TVM-style timing, latency statistics and seeded random inputs.
 *
 * @example
 * ```ts
 * import { timeEvaluator } from "./mod.ts";
 * const r = await timeEvaluator(() => {}, { warmup: 0, repeat: 1 });
 * if (r.runsMs.length !== 1) throw new Error("one measurement");
 * ```
 * @module
 */
export * from "./latency_stats.ts";
export * from "./random_feed.ts";
export * from "./time_evaluator.ts";
export * from "./peak_rss.ts";
