/**
 * The residual squeeze-and-excitation tail `Add(x, Mul(x, s))` (PP-OCRv4 det's RSE blocks: `s` a per-channel
 * `[N|1, C|1, 1, 1]` gate) in one pass, when the Add alone reads the product: `o[i] = x[i] + f32(x[i] · s[c])`,
 * the product rounded to float32 as the Mul stores it and the sum rounded once as the Add does, so the bits
 * are the Mul's then the Add's. The Mul node passes its gate `s` through in place of the product; a call of
 * another form (other dtypes or broadcasts) runs the Mul's and then the Add's own kernels. When an upsampling
 * Add alone reads the sum (det's FPN top-down path), the sum is deferred to it: this Add returns a stand-in on
 * x's buffer and the reader computes `x + x·s` in its own pass (`f32_upsample_add_op.ts`).
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Graph, Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import { planeBroadcast } from "./f32_elementwise_ops.ts";

/** The `Mul(x, s)` feeding input `product` of an Add whose other input is `x`; `gate`: the index of `s` in the Mul. */
export interface ScaleResidual {
  mul: Node;
  gate: number;
  product: 0 | 1;
}

/**
 * The Mul that fuses into Add `node`: a default-domain binary `Mul` not yet taken, whose output only `node`
 * reads (once, not a graph output) and one of whose inputs is the Add's other input.
 */
export function scaleResidualBefore(
  graph: Graph,
  node: Node,
  readers: ReadonlyMap<string, Node[]>,
  producers: ReadonlyMap<string, Node>,
  taken: ReadonlyMap<Node, unknown>,
): ScaleResidual | undefined {
  if (node.op !== "Add" || node.inputs.length !== 2) return undefined;
  for (const product of [1, 0] as const) {
    const name = node.inputs[product], x = node.inputs[1 - product];
    const mul = name ? producers.get(name) : undefined;
    if (!name || !x || !mul || mul.op !== "Mul" || mul.domain !== "" || taken.has(mul)) continue;
    if (mul.inputs.length !== 2 || mul.outputs.length !== 1 || name === x) continue;
    if (graph.outputs.some((o) => o.name === name) || readers.get(name)?.length !== 1) continue;
    const gate = mul.inputs[0] === x ? 1 : mul.inputs[1] === x ? 0 : -1;
    if (gate >= 0) return { mul, gate, product };
  }
  return undefined;
}

/** `o[i] = x[i] + f32(x[i] · v)` with `v` the gate of each plane. */
function scaleResidual(
  o: Float32Array,
  x: Float32Array,
  s: Float32Array,
  dims: readonly number[],
  strides: readonly number[],
) {
  const [n, c] = dims as [number, number];
  const plane = n * c === 0 ? 0 : x.length / (n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const v = s[i * strides[0]! + j * strides[1]!]!;
      const end = (i * c + j + 1) * plane;
      for (let k = end - plane; k < end; k++) {
        const xv = x[k]!;
        o[k] = xv + Math.fround(xv * v);
      }
    }
  }
}

/**
 * `x + x·s` left for the Add's only reader to compute in its own pass (`f32_upsample_add_op.ts`): what the
 * tensor the Add returned in its place stands for.
 */
export interface DeferredResidual {
  x: Tensor;
  gate: Tensor;
  /** {@link planeBroadcast}'s strides of the gate against `x`. */
  strides: [number, number];
}

/** Deferred sums by the tensor standing for them (it shares x's buffer, so the run's pool keeps x alive). */
const deferredSums = new WeakMap<Tensor, DeferredResidual>();

/** What `t` stands for when a deferring residual Add returned it, else undefined. */
export function deferredResidual(t: Tensor): DeferredResidual | undefined {
  return deferredSums.get(t);
}

/** The sum a {@link DeferredResidual} stands for, computed. */
export function materializeResidual(d: DeferredResidual): Tensor {
  const o = allocateForOverwrite("float32", d.x.size) as Float32Array;
  scaleResidual(o, d.x.data as Float32Array, d.gate.data as Float32Array, d.x.dims, d.strides);
  return new Tensor("float32", o, d.x.dims);
}

/**
 * The fused op for Add `node` reading `r.mul`'s product (the Mul passes its gate through). `add` and `mul`
 * are the two nodes' own kernels, run for the calls the fused loop does not cover. With `defer`, a call the
 * loop covers computes nothing and returns a tensor standing for the sum ({@link deferredResidual}): only
 * for an Add whose output one reader that resolves it reads, and nothing else.
 */
export function f32ScaleResidualOp(
  node: Node,
  add: OpDefinition,
  r: ScaleResidual,
  mul: OpDefinition,
  defer = false,
): OpDefinition {
  const mulAttrs = new Attrs(r.mul.attributes);
  return {
    ...add,
    run: (inputs, attrs, ctx) => {
      const s = inputs[r.product], x = inputs[1 - r.product];
      if (!s || !x) throw new TypeError(`Add "${node.name}": an input of the fused x + x·s is missing`);
      const strides = x.type === "float32" && s.type === "float32" ? planeBroadcast(x.dims, s.dims) : undefined;
      if (strides && defer) {
        const stand = new Tensor("float32", x.data, x.dims);
        deferredSums.set(stand, { x, gate: s, strides });
        return [stand];
      }
      if (strides) return [materializeResidual({ x, gate: s, strides })];
      const mulInputs = [x, x];
      mulInputs[r.gate] = s;
      const full = [...inputs];
      full[r.product] = mul.run(mulInputs, mulAttrs, { ...ctx, node: r.mul })[0]!;
      return add.run(full, attrs, ctx);
    },
  };
}
