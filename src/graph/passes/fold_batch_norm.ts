// Placeholder until the BatchNormalization folding pass lands.
import type { Graph } from "../graph.ts";
/** Folds BatchNormalization into a preceding Conv where exact. */
export function foldBatchNorm(_graph: Graph): number {
  return 0;
}
