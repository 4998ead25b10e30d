/**
 * Squeeze-and-excitation blocks a conv chain runs inside (PP-LCNet's, in PP-OCR cls and rec): after a
 * chain conv `A` whose output `x` is read by exactly a GlobalAveragePool and a `Mul(x, s)`, the pool feeds
 * a 1×1 conv, that one a second (fp32 chain links, or packed 1×1 convs in low memory mode), the second's
 * output is `s`, and the Mul's product is read only by the next chain conv `B` as its data input. Nothing
 * else reads any of those values and none is a graph output, so the chain can run the block in kernel
 * memory between `A` and `B` (`Conv2dChainGate`) with the bits of the ops run one by one.
 * @module
 */
import type { Graph, Node } from "../../graph/graph.ts";
import type { Conv2dChainGemv } from "../../kernels/kernels.ts";
import type { ConvChainLink } from "./f32_conv_chain_op.ts";
import { unpadded } from "./f32_fast_ops.ts";

/** A packed 1×1 Conv (low memory mode) a block may run as a GEMV, and the value its epilogue ends in. */
export interface GemvLink {
  gemv: Conv2dChainGemv;
  output: string;
}

/** A squeeze-and-excitation block between two chain convs. */
export interface ChainGate {
  /** Its GlobalAveragePool. */
  pool: Node;
  /** Its two 1×1 convs (fp32 chain links or packed GEMVs), in order. */
  fc: readonly [Node, Node];
  /** Its `Mul(x, s)`. */
  mul: Node;
}

/** The block after chain conv `a` and the chain conv `b` reading its product, or undefined. */
export function gateAfter(
  graph: Graph,
  readers: ReadonlyMap<string, readonly Node[]>,
  links: ReadonlyMap<Node, ConvChainLink>,
  gemvs: ReadonlyMap<Node, GemvLink>,
  a: Node,
): { gate: ChainGate; next: Node } | undefined {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  /** The one node reading `value` (as its data input when `data`), if `value` is no graph output. */
  const soleReader = (value: string | undefined, data = true): Node | undefined => {
    if (value === undefined || outputs.has(value)) return undefined;
    const list = readers.get(value);
    const r = list?.length === 1 ? list[0]! : undefined;
    return r && (!data || (r.inputs[0] === value && r.inputs.indexOf(value, 1) < 0)) ? r : undefined;
  };
  const x = links.get(a)!.output;
  const list = outputs.has(x) ? undefined : readers.get(x);
  if (list?.length !== 2) return undefined;
  const pool = list.find((n) => n.op === "GlobalAveragePool" && n.domain === "" && n.inputs[0] === x);
  const mul = list.find((n) => n.op === "Mul" && n.domain === "" && n.inputs.length === 2);
  if (!pool || !mul || pool === mul) return undefined;
  /** The value an unpadded 1×1 conv (one pixel in, one out) the block may run ends in, else undefined. */
  const fcOutput = (n: Node | undefined) => {
    const link = n === undefined ? undefined : links.get(n);
    if (link) return link.step.kernel.every((k) => k === 1) && unpadded(link.step.attrs) ? link.output : undefined;
    return n === undefined ? undefined : gemvs.get(n)?.output;
  };
  const fc1 = soleReader(pool.outputs[0]);
  const fc2 = soleReader(fcOutput(fc1));
  const s = fcOutput(fc2);
  if (!fc1 || !fc2 || !s) return undefined;
  if (soleReader(s, false) !== mul || !(mul.inputs.includes(x) && mul.inputs.includes(s))) return undefined;
  const b = soleReader(mul.outputs[0]);
  if (!b || !links.has(b) || new Set([a, fc1, fc2, b]).size !== 4) return undefined;
  return { gate: { pool, fc: [fc1, fc2], mul }, next: b };
}
