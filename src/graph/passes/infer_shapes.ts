/**
 * Shape and dtype inference over the graph IR: walks the nodes in order, applies each op's rule
 * (./_shape_rules.ts) to what is known of its inputs, and records what it learns in `graph.valueInfo`.
 * Symbolic dims (`"batch"`) flow through where the rule allows; anything unknowable stays unknown
 * rather than guessed. Declared value_info from the source file is kept where the rule knows less.
 * @module
 */
import type { Dim, Graph, ValueInfo } from "../graph.ts";
import { type Known, SHAPE_RULES } from "./_shape_rules.ts";

/** Options for {@link inferShapes}. */
export interface InferShapesOptions {
  /** Concrete sizes for symbolic input dims, e.g. `{ batch: 1 }`. @default {} */
  dims?: Record<string, number>;
}

/**
 * Infers the dtype and shape of every value of `graph` it can. Returns the number of values whose
 * full shape (no unknown dims) is known afterwards.
 *
 * @example
 * ```ts
 * const model = await loadModel("model.onnx");
 * inferShapes(model.graph, { dims: { batch: 1 } });
 * console.log(model.graph.valueInfo.get("conv1_out")?.shape);
 * ```
 */
export function inferShapes(graph: Graph, options: InferShapesOptions = {}): number {
  const bind = (shape: Dim[] | undefined) =>
    shape?.map((d) => (typeof d === "string" && options.dims?.[d] !== undefined ? options.dims[d]! : d));
  const known = new Map<string, Known>();
  for (const [name, t] of graph.initializers) known.set(name, { dtype: t.type, shape: [...t.dims], value: t });
  for (const v of graph.inputs) known.set(v.name, { dtype: v.dtype, shape: bind(v.shape) });
  for (const v of graph.valueInfo.values()) if (!known.has(v.name)) known.set(v.name, { dtype: v.dtype, shape: bind(v.shape) });
  for (const node of graph.nodes) {
    const rule = SHAPE_RULES.get(node.op);
    if (!rule) continue;
    const outs = rule(node.inputs.map((name) => (name ? known.get(name) : undefined)), node);
    node.outputs.forEach((name, i) => {
      const inferred = outs[i];
      if (!name || !inferred) return;
      const declared = known.get(name);
      known.set(name, {
        dtype: inferred.dtype ?? declared?.dtype,
        shape: moreSpecific(inferred.shape, declared?.shape),
      });
    });
  }
  let complete = 0;
  for (const [name, k] of known) {
    if (graph.initializers.has(name)) continue;
    const info: ValueInfo = { name, dtype: k.dtype, shape: k.shape };
    if (k.shape?.every((d) => typeof d === "number")) complete++;
    if (!graph.inputs.some((v) => v.name === name)) graph.valueInfo.set(name, info);
  }
  return complete;
}

function moreSpecific(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a) return b;
  if (!b || a.length !== b.length) return a;
  return a.map((d, i) => (d === null || (typeof d === "string" && typeof b[i] === "number") ? b[i]! : d));
}
