/**
 * A squeeze-and-excitation gate `Mul(x, s)` — `s` one value per image and channel (`[N|1, C|1, 1, 1]`) —
 * whose only reader is an fp32 Conv fast op (PP-LCNet's SE blocks in PP-OCR cls and rec): the Mul computes
 * nothing and returns a stand-in for the product on x's buffer (so the run's buffer pool keeps x alive), and
 * the conv multiplies its input by the gate in kernel memory after copying it in (`inputScale`,
 * `bl_f32_scale_planes`: one float32 multiply per value, the Mul's values). A call of another form (other
 * dtypes or broadcasts) runs the Mul's own kernel.
 * @module
 */
import type { Graph, Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { OpDefinition } from "../op.ts";
import { planeBroadcast } from "./f32_elementwise_ops.ts";

/** What a stand-in returned by {@link f32ChannelScaleOp} stands for: `x` times `scale` per image and channel. */
export interface DeferredChannelScale {
  x: Tensor;
  /** One factor per image and channel of x (`N · C`, image-major). */
  scale: Float32Array;
}

const deferred = new WeakMap<Tensor, DeferredChannelScale>();

/** The product `t` stands for when an SE-gate Mul returned it, else undefined. */
export function deferredChannelScale(t: Tensor | undefined): DeferredChannelScale | undefined {
  return t === undefined ? undefined : deferred.get(t);
}

/**
 * The Mul feeding `conv`'s data input that can defer to it: a default-domain binary `Mul` nothing else
 * reads (not a graph output, read once) and no other fusion took.
 */
export function channelScaleBefore(
  graph: Graph,
  conv: Node,
  readers: ReadonlyMap<string, Node[]>,
  producers: ReadonlyMap<string, Node>,
  taken: ReadonlyMap<Node, unknown>,
): Node | undefined {
  const name = conv.inputs[0];
  const mul = name ? producers.get(name) : undefined;
  if (!name || !mul || mul.op !== "Mul" || mul.domain !== "" || taken.has(mul)) return undefined;
  if (mul.inputs.length !== 2 || mul.outputs.length !== 1 || conv.inputs.indexOf(name, 1) >= 0) return undefined;
  if (graph.outputs.some((o) => o.name === name) || readers.get(name)?.length !== 1) return undefined;
  return mul;
}

/** The op of an SE-gate Mul deferring to its conv; `mul` is the Mul's own kernel, for the other forms. */
export function f32ChannelScaleOp(mul: OpDefinition): OpDefinition {
  return {
    ...mul,
    run: (inputs, attrs, ctx) => {
      const [a, b] = inputs;
      for (const [x, s] of [[a, b], [b, a]] as const) {
        if (x?.type !== "float32" || s?.type !== "float32") continue;
        const strides = planeBroadcast(x.dims, s.dims);
        if (!strides) continue;
        const [n, c] = x.dims as [number, number];
        const sd = s.data as Float32Array;
        const scale = new Float32Array(n * c);
        for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) scale[i * c + j] = sd[i * strides[0] + j * strides[1]]!;
        const stand = new Tensor("float32", x.data, x.dims);
        deferred.set(stand, { x, scale });
        return [stand];
      }
      return mul.run(inputs, attrs, ctx);
    },
  };
}
