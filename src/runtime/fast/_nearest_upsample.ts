// A nearest `Resize` whose output only one node reads (an FPN's top-down `Add`, the head's `Concat`) can
// fuse into that reader: the Resize node passes its small input through and the reader reads it through
// the Resize's index maps, so the upsampled map is never written. The maps come from the reference
// kernel's own `resizePlan`/`nearestMaps`, so every output element is the pixel the Resize would have
// copied. A call whose form the maps do not cover (other dtype or rank, extrapolation, a resize of the
// batch or channel axes) runs the reference Resize and then the reader's own kernel.
import type { Graph, Node } from "../../graph/graph.ts";
import type { Tensor } from "../../graph/tensor.ts";
import { nearestMaps } from "../ops/nn/_resize_kernels.ts";
import { resizePlan } from "../ops/nn/resize.ts";
import { Attrs, type KernelContext, type OpDefinition } from "../op.ts";
import type { ConstantLookup } from "./f32_fast_ops.ts";

/** Where each output pixel of a spatial nearest resize reads: `[rows, cols]` index maps and the output dims. */
export interface UpsampleMaps {
  outDims: readonly number[];
  /** Input row of each output row. */
  rows: Int32Array;
  /** Input column of each output column. */
  cols: Int32Array;
  /** `k` when every input column is repeated `k` times in order (`cols[x] = ⌊x / k⌋`), else 0. */
  repeat: number;
}

/** A nearest Resize fused into its only reader. */
export interface FusedResize {
  /** The Resize node (it passes its input 0 through). */
  node: Node;
  /** The index maps for input `x`, or undefined when the reader must materialize the Resize. */
  maps(x: Tensor, opset: number): UpsampleMaps | undefined;
  /** The Resize of `x` as the reference kernel computes it (for the calls the maps do not cover). */
  materialize(x: Tensor, ctx: KernelContext): Tensor;
}

/**
 * The Resize producing `value` when it can fuse into `reader`: mode `nearest`, roi/scales/sizes constant,
 * not taken by another fusion, and `value` read by `reader` alone, once, and not a graph output.
 */
export function fusableResize(
  graph: Graph,
  constants: ConstantLookup,
  value: string | undefined,
  reader: Node,
  readers: ReadonlyMap<string, Node[]>,
  producers: ReadonlyMap<string, Node>,
  taken: ReadonlyMap<Node, unknown>,
  def: OpDefinition | undefined,
): FusedResize | undefined {
  if (!value || !def || graph.outputs.some((o) => o.name === value)) return undefined;
  const node = producers.get(value);
  if (!node || node.op !== "Resize" || node.domain !== "" || taken.has(node) || node.outputs.length !== 1) {
    return undefined;
  }
  const list = readers.get(value);
  if (list?.length !== 1 || list[0] !== reader || reader.inputs.filter((i) => i === value).length !== 1) {
    return undefined;
  }
  const attrs = new Attrs(node.attributes);
  if (attrs.string("mode", "nearest") !== "nearest") return undefined;
  const rest = node.inputs.slice(1).map((name) => (name ? constants(name) : undefined));
  if (rest.some((t, i) => t === undefined && node.inputs[i + 1])) return undefined;
  let cached: { key: string; maps: UpsampleMaps | undefined } | undefined;
  return {
    node,
    maps(x, opset) {
      if (x.type !== "float32" || x.dims.length !== 4) return undefined;
      const key = `${x.dims.join()}@${opset}`;
      if (cached?.key !== key) cached = { key, maps: planMaps(x, rest, attrs, opset) };
      return cached.maps;
    },
    materialize: (x, ctx) => def.run([x, ...rest], attrs, { ...ctx, node })[0]!,
  };
}

function planMaps(
  x: Tensor,
  rest: readonly (Tensor | undefined)[],
  attrs: Attrs,
  opset: number,
): UpsampleMaps | undefined {
  let plan;
  try {
    plan = resizePlan([x, ...rest], attrs, "Resize", opset);
  } catch {
    return undefined; // the reference kernel reports it
  }
  const [n, c] = x.dims as [number, number];
  if (plan.mode !== "nearest" || plan.outDims[0] !== n || plan.outDims[1] !== c) return undefined;
  // The reference returns X itself when the output has its shape, whatever the scales say.
  const same = plan.outDims.every((d, i) => d === x.dims[i]);
  const maps = same ? x.dims.map((d) => Int32Array.from({ length: d }, (_, i) => i)) : nearestMaps(x.dims, plan);
  const [, , rows, cols] = maps as [Int32Array, Int32Array, Int32Array, Int32Array];
  if (rows.some((v) => v < 0) || cols.some((v) => v < 0)) return undefined;
  const k = x.dims[3]! === 0 ? 0 : cols.length / x.dims[3]!;
  const repeat = Number.isInteger(k) && k > 0 && cols.every((v, i) => v === Math.floor(i / k)) ? k : 0;
  return { outDims: plan.outDims, rows, cols, repeat };
}
