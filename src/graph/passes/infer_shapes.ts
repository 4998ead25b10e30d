/**
 * Shape and dtype inference over the graph IR: walks the nodes in order, applies each op's rule
 * (./_shape_rules.ts) to what is known of its inputs, and records what it learns in `graph.valueInfo`.
 * Symbolic dims (`"batch"`) flow through where the rule allows; anything unknowable stays unknown
 * rather than guessed. Declared value_info from the source file is kept where the rule knows less.
 * @module
 */
import type { Dim, Graph, Node, ValueInfo } from "../graph.ts";
import type { Tensor } from "../tensor.ts";
import { type Known, SHAPE_RULES } from "./_shape_rules.ts";

const UNKNOWN: Known = { dtype: undefined, shape: undefined };

/** Options for {@link inferShapes}. */
export interface InferShapesOptions {
  /** Concrete sizes for symbolic input dims, e.g. `{ batch: 1 }`. @default {} */
  dims?: Record<string, number>;
  /**
   * Computes a node's outputs from constant inputs. With it, shape arithmetic on known shapes
   * (Shape → Gather → Concat → Reshape) is evaluated exactly; the runtime passes its kernels here.
   * @default none: only the per-op rules are used
   */
  evaluate?: (node: Node, inputs: (Tensor | undefined)[]) => Tensor[];
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
  for (const [name, q] of graph.quantized ?? []) known.set(name, { dtype: q.dtype, shape: [...q.dims] });
  for (const v of graph.inputs) known.set(v.name, { dtype: v.dtype, shape: bind(v.shape) });
  for (const v of graph.valueInfo.values()) {
    if (!known.has(v.name)) known.set(v.name, { dtype: v.dtype, shape: bind(v.shape) });
  }
  for (const node of graph.nodes) {
    // An omitted optional input is undefined; a named but not-yet-known one is all-unknown.
    const inputs = node.inputs.map((name) => (name ? known.get(name) ?? UNKNOWN : undefined));
    const rule = SHAPE_RULES.get(node.op);
    const outs = evaluated(node, inputs, options) ?? rule?.(inputs, node);
    if (!outs) continue;
    node.outputs.forEach((name, i) => {
      const inferred = outs[i];
      if (!name || !inferred) return;
      const declared = known.get(name);
      const next: Known = {
        dtype: inferred.dtype ?? declared?.dtype,
        shape: moreSpecific(inferred.shape, declared?.shape),
      };
      if (inferred.value) next.value = inferred.value;
      known.set(name, next);
    });
  }
  let complete = 0;
  for (const [name, k] of known) {
    if (graph.initializers.has(name) || graph.quantized?.has(name)) continue;
    const info: ValueInfo = { name, dtype: k.dtype, shape: k.shape };
    if (k.shape?.every((d) => typeof d === "number")) complete++;
    if (!graph.inputs.some((v) => v.name === name)) graph.valueInfo.set(name, info);
  }
  return complete;
}

/** Outputs computed by `options.evaluate` when every input is a known constant, else undefined. */
function evaluated(node: Node, inputs: (Known | undefined)[], options: InferShapesOptions): Known[] | undefined {
  if (!options.evaluate || inputs.length === 0 || inputs.some((k) => k !== undefined && !k.value)) return undefined;
  if (Object.values(node.attributes).some((a) => a.kind === "graph")) return undefined;
  try {
    return options.evaluate(node, inputs.map((k) => k?.value)).map((t) => ({
      dtype: t.type,
      shape: [...t.dims],
      value: t,
    }));
  } catch {
    return undefined; // the per-op rule still applies
  }
}

function moreSpecific(a: Dim[] | undefined, b: Dim[] | undefined): Dim[] | undefined {
  if (!a) return b;
  if (!b || a.length !== b.length) return a;
  return a.map((d, i) => (d === null || (typeof d === "string" && typeof b[i] === "number") ? b[i]! : d));
}
