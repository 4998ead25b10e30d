/**
 * Gets a model ready for weight compression: the graph rewrites the session makes at load, made once
 * before quantizing so the weights quantized are the ones the runtime multiplies by. `Constant` nodes
 * become initializers (PaddleOCR and Silero keep their weights there), nodes are sorted, constant
 * sub-graphs are folded (a `Transpose` or `Reshape` of a weight becomes the weight; inside If branches
 * too, reading the outer graph's weights), BatchNormalization is folded into the Conv before it (so the
 * quantized weight already carries its scale; what each BatchNormalization said about its output is
 * recorded for data-free bias correction, `src/quant/channel_statistics.ts`), byte-identical constants are merged into one, and constants nothing reads any more are dropped. Lives in the runtime because folding constants runs the reference kernels; `compressModel`
 * (`src/quant/`) takes the result.
 * @module
 */
import { UnsupportedOpError } from "../errors.ts";
import type { Model } from "../graph/graph.ts";
import { batchNormStatistics, type ChannelStatistics, foldBatchNorm } from "../graph/passes/fold_batch_norm.ts";
import { recordChannelStatistics } from "../quant/channel_statistics.ts";
import { dropUnusedInitializers } from "../graph/passes/drop_unused_initializers.ts";
import { foldConstantNodes } from "../graph/passes/fold_constant_nodes.ts";
import { mergeDuplicateInitializers } from "../graph/passes/merge_duplicate_initializers.ts";
import { sortTopologically } from "../graph/passes/sort_topologically.ts";
import { foldConstants } from "./fold_constants.ts";
import { checkSupported } from "./registry.ts";

/** What {@link prepareForCompression} did. */
export interface PrepareReport {
  /** `Constant` nodes turned into initializers. */
  constantNodes: number;
  /** Nodes with only constant inputs evaluated and replaced by their outputs. */
  foldedNodes: number;
  /** BatchNormalization nodes folded into the Conv before them. */
  batchNorms: number;
  /**
   * Values of the main graph whose per-channel mean and deviation are known from a BatchNormalization
   * (folded or not), recorded for `compressModel`'s data-free bias correction.
   */
  statistics: number;
  /** Constants that were byte-identical copies of another, merged into it. */
  merged: number;
  /** Constants no node reads any more, dropped. */
  dropped: number;
  /** Things the caller may want to tell the user (a step that was skipped, and why). */
  notes: string[];
}

/**
 * Prepares `model` for compression, in place. When the model has operators the reference runtime
 * cannot run, constant sub-graphs are left as they are (with a note) instead of failing: weights
 * that are plain initializers are quantized all the same.
 *
 * @example
 * ```ts
 * const model = await loadModel("model.onnx");
 * const prepared = prepareForCompression(model);
 * const { model: small } = compressModel(model, { bits: 4, blockSize: 32 });
 * console.log(prepared.batchNorms, "BatchNormalization nodes folded");
 * ```
 */
export function prepareForCompression(model: Model): PrepareReport {
  const notes: string[] = [];
  const constantNodes = foldConstantNodes(model.graph);
  sortTopologically(model.graph);
  let foldedNodes = 0;
  try {
    checkSupported(model);
    foldedNodes = foldConstants(model, { outerScopes: true });
  } catch (error) {
    if (!(error instanceof UnsupportedOpError)) throw error;
    notes.push(`constant sub-graphs were not folded: ${error.message}`);
  }
  const statistics = new Map<string, ChannelStatistics>();
  for (const node of model.graph.nodes) {
    const stats = node.op === "BatchNormalization" && node.outputs.length === 1 &&
      batchNormStatistics(model.graph, node);
    if (stats) statistics.set(node.outputs[0]!, stats);
  }
  const batchNorms = foldBatchNorm(model.graph, { statistics });
  for (const name of [...statistics.keys()]) {
    if (!model.graph.nodes.some((n) => n.outputs.includes(name))) statistics.delete(name);
  }
  recordChannelStatistics(model, statistics);
  const merged = mergeDuplicateInitializers(model.graph);
  const dropped = dropUnusedInitializers(model.graph);
  return { constantNodes, foldedNodes, batchNorms, statistics: statistics.size, merged, dropped, notes };
}
