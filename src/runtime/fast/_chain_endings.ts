// What a conv chain (f32_conv_chain_op.ts) may end in besides its last conv: a residual Add of its output and
// another value, or poolings (MaxPool/AveragePool, GlobalAveragePool) its output feeds alone. The node that ends
// the chain then runs it, the ending in kernel memory; a lone fp32 conv ending in poolings becomes a chain of one.
import type { Graph, Node } from "../../graph/graph.ts";
import { Attrs } from "../op.ts";
import type { ChainMember, ConvChainLink } from "./f32_conv_chain_op.ts";

/** A chain's residual connection: the Add of the tail's output and another value, and which input is the tail's. */
export interface ChainResidual {
  add: Node;
  input: 0 | 1;
}

/**
 * The residual Add of each chain, by tail: a default-domain binary `Add` that is the only reader of the
 * tail's {@link ConvChainLink.output}, reads it once, and no other fusion has `taken` (the output no graph
 * output).
 */
export function chainResiduals(
  graph: Graph,
  readers: ReadonlyMap<string, readonly Node[]>,
  chains: readonly ChainMember[][],
  links: ReadonlyMap<Node, ConvChainLink>,
  taken: ReadonlyMap<Node, unknown>,
): Map<Node, ChainResidual> {
  const residuals = new Map<Node, ChainResidual>();
  for (const chain of chains) {
    const tail = chain[chain.length - 1] as Node;
    const output = links.get(tail)!.output;
    const list = readers.get(output);
    const add = list?.length === 1 ? list[0]! : undefined;
    if (!add || add.op !== "Add" || add.domain !== "" || add.inputs.length !== 2 || taken.has(add)) continue;
    if (add.outputs.length !== 1 || graph.outputs.some((o) => o.name === output)) continue;
    const input = add.inputs.indexOf(output);
    if (input < 0 || add.inputs.indexOf(output, input + 1) >= 0) continue;
    residuals.set(tail, { add, input: input as 0 | 1 });
  }
  return residuals;
}

/** Whether `node` is a pooling a chain can end in: a 2-D undilated MaxPool (no indices) or AveragePool, or a GlobalAveragePool. */
function chainablePool(node: Node): boolean {
  if (node.domain !== "" || node.outputs.filter((o) => o).length !== 1 || !node.outputs[0]) return false;
  if (node.op === "GlobalAveragePool") return true;
  if (node.op !== "MaxPool" && node.op !== "AveragePool") return false;
  const attrs = new Attrs(node.attributes);
  return attrs.ints("kernel_shape")?.length === 2 && attrs.ints("dilations", [1, 1]).every((d) => d === 1);
}

/**
 * The poolings each chain without a residual, or lone fp32 conv (one in no chain), ends in, by tail: a 2-D
 * MaxPool or AveragePool, a GlobalAveragePool, or the first then the second, each the only reader of the
 * value before it (no graph output) and taken by no other fusion. The chain (a lone conv: a chain of one,
 * see {@link withPooledConvs}) then runs on the last of them, the pools in kernel memory.
 */
export function chainPools(
  graph: Graph,
  readers: ReadonlyMap<string, readonly Node[]>,
  chains: readonly ChainMember[][],
  links: ReadonlyMap<Node, ConvChainLink>,
  taken: ReadonlyMap<Node, unknown>,
  residuals: ReadonlyMap<Node, ChainResidual>,
): Map<Node, Node[]> {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  /** The sole reader of `value` when it is a chainable pool nobody took and `value` is no graph output. */
  const poolAfter = (value: string): Node | undefined => {
    const list = readers.get(value);
    const pool = list?.length === 1 ? list[0]! : undefined;
    if (!pool || outputs.has(value) || taken.has(pool) || pool.inputs[0] !== value || !chainablePool(pool)) {
      return undefined;
    }
    return pool;
  };
  const pools = new Map<Node, Node[]>();
  const members = new Set(chains.flat());
  const tails = [...chains.map((c) => c[c.length - 1] as Node), ...[...links.keys()].filter((n) => !members.has(n))];
  for (const tail of tails) {
    if (residuals.has(tail)) continue;
    const first = poolAfter(links.get(tail)!.output);
    if (!first) continue;
    const second = first.op === "GlobalAveragePool" ? undefined : poolAfter(first.outputs[0]!);
    pools.set(tail, second?.op === "GlobalAveragePool" ? [first, second] : [first]);
  }
  return pools;
}

/** `chains` and, after them, a chain of one for each lone conv `pools` holds an ending for. */
export function withPooledConvs(
  chains: readonly ChainMember[][],
  pools: ReadonlyMap<Node, readonly Node[]>,
): ChainMember[][] {
  const tails = new Set(chains.map((c) => c[c.length - 1]));
  return [...chains, ...[...pools.keys()].filter((t) => !tails.has(t)).map((t) => [t])];
}
