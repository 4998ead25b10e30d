/**
 * Dequantization of a whole model: every quantized weight (`Graph.quantized`, subgraphs included)
 * back to a float initializer of the same name and original dtype, so any float runtime or exporter
 * can take the model. The reference runtime does this at load; `convert` does it before writing ONNX.
 * @module
 */
import { copyGraph } from "../graph/copy_graph.ts";
import type { Graph, Model } from "../graph/graph.ts";
import { dequantize } from "./dequantize.ts";
import { toFloat16 } from "./fp16.ts";

/**
 * True when `graph` or any of its subgraphs holds quantized weights.
 *
 * @example
 * ```ts
 * import { emptyGraph } from "../graph/graph.ts";
 * if (hasQuantizedWeights(emptyGraph())) throw new Error("an empty graph has none");
 * ```
 */
export function hasQuantizedWeights(graph: Graph): boolean {
  if ((graph.quantized?.size ?? 0) > 0) return true;
  return graph.nodes.some((n) =>
    Object.values(n.attributes).some((a) => a.kind === "graph" && hasQuantizedWeights(a.value))
  );
}

/**
 * The model with every quantized weight replaced by its dequantized float initializer (float32, or
 * float16 when the original was). `model` itself is left as it was: when it holds quantized weights the
 * result is a structural copy (`copyGraph`), otherwise `model` itself. Throws `RangeError` for a
 * corrupt record.
 *
 * @example
 * ```ts
 * const model = await loadModel("model.bitloop");
 * const float = dequantizeModel(model);
 * await Deno.writeFile("model.onnx", exportOnnx(float));
 * ```
 */
export function dequantizeModel(model: Model): Model {
  if (!hasQuantizedWeights(model.graph)) return model;
  const graph = copyGraph(model.graph);
  dequantizeGraph(graph);
  return { ...model, graph };
}

function dequantizeGraph(graph: Graph): void {
  for (const [name, q] of graph.quantized) {
    let t;
    try {
      t = dequantize(q);
    } catch (error) {
      throw new RangeError(`Cannot dequantize "${name}": ${(error as Error).message}`, { cause: error });
    }
    graph.initializers.set(name, q.dtype === "float16" ? toFloat16(t) : t);
  }
  graph.quantized.clear();
  for (const node of graph.nodes) {
    for (const a of Object.values(node.attributes)) if (a.kind === "graph") dequantizeGraph(a.value);
  }
}
