/**
 * Per-channel activation statistics recorded for a model before compression, without data: what each
 * folded BatchNormalization said about its output (mean β, deviation |γ| per channel).
 * `prepareForCompression` records them here, keyed by the `Model` object it prepared, because folding
 * removes the BatchNormalization nodes that held them; `compressModel` reads them back for data-free bias
 * correction (`bias_correction.ts`). A copy of the model does not carry them: pass them explicitly
 * (`CompressOptions.statistics`) in that case.
 * @module
 */
import type { Model } from "../graph/graph.ts";
import type { ChannelStatistics } from "../graph/passes/fold_batch_norm.ts";

export type { ChannelStatistics } from "../graph/passes/fold_batch_norm.ts";

const recorded = new WeakMap<Model, ReadonlyMap<string, ChannelStatistics>>();

/**
 * Records `statistics` (by value name) for `model`, replacing any recorded before.
 *
 * @example
 * ```ts
 * const model: Model = { graph: emptyGraph(), opsets: { "": 17 }, irVersion: 8, producer: { name: "", version: "" }, metadata: {} };
 * recordChannelStatistics(model, new Map([["bn_out", { mean: Float64Array.of(0.5), std: Float64Array.of(1) }]]));
 * if (channelStatisticsOf(model).get("bn_out")?.mean[0] !== 0.5) throw new Error("not recorded");
 * ```
 */
export function recordChannelStatistics(model: Model, statistics: ReadonlyMap<string, ChannelStatistics>): void {
  recorded.set(model, statistics);
}

/** The statistics recorded for `model` (empty when none were). */
export function channelStatisticsOf(model: Model): ReadonlyMap<string, ChannelStatistics> {
  return recorded.get(model) ?? new Map();
}
