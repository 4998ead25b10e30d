/**
 * Chains of fp32 convs whose intermediates stay in kernel memory. A run of Conv fast ops
 * (`f32ConvStep`) in which each conv's output — after its fused epilogue, so the value its last absorbed
 * node names — is read by one node only, the next conv of the run, as its data input, and is no graph
 * output, runs as one op on the tail: the head's input is copied into kernel memory once, every conv runs
 * on the previous one's output there (`Kernels.conv2dChainF32`), and only the tail's output is copied out.
 * PP-LCNet's backbone (PP-OCR rec, cls) is such a run: 1×1 expand → depthwise → 1×1 → …, with
 * squeeze-and-excitation blocks between a depthwise conv and the next 1×1 (`_chain_gate.ts`), which the chain
 * runs in kernel memory too (`Conv2dChainGate`: cls normal mode 0.92-0.94× the time, rec 0.91×, det 0.93×,
 * Deno). The head and the middle convs, and the blocks' nodes, pass their input 0 through (nothing but the
 * next chain member reads what they name), so the tail receives the head's input. Each step runs the kernel
 * its unchained op would, on the same values: the output has the same bits.
 *
 * When the tail's output is read only by an `Add` of it and another value (a residual connection: PP-LCNet's
 * blocks in PP-OCR cls), the chain runs on that Add instead and adds the other value in kernel memory
 * before the copy out (`bl_f32_add_into`: the Add's float32 values, in wasm rather than a JavaScript pass;
 * PP-OCR cls 0.93–0.95× the time in low mode, 0.97–0.98× in normal mode, Deno). Otherwise, when the tail's
 * output (or a lone conv's) feeds a MaxPool/AveragePool, a GlobalAveragePool, or the first then the second,
 * each read by the next alone, the last of them runs the chain with the poolings in kernel memory, so only
 * the pooled output is copied out (PP-OCR cls's last conv → MaxPool → GlobalAveragePool: cls 0.96× low).
 *
 * Per-node profiles (`profile: true`) show the head and middle convs as pass-throughs taking next to no
 * time; the node that runs the chain (the tail, its residual Add or its last pooling) shows the whole chain's.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Graph, Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type {
  Conv2dChainEntry,
  Conv2dChainGemv,
  Conv2dChainPlan,
  Conv2dChainStep,
  Kernels,
} from "../../kernels/kernels.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import { type Absorbed, passThrough } from "./_fusion.ts";
import { deferredChannelScale } from "./f32_channel_scale.ts";
import { type ChainGate, gateAfter, type GemvLink } from "./_chain_gate.ts";
import { convCallGeometry, type F32ConvStep, requireFloat } from "./f32_fast_ops.ts";
import { sameDims } from "./f32_elementwise_ops.ts";
import { pool2dGeometry } from "./f32_pool_ops.ts";
import type { ChainResidual } from "./_chain_endings.ts";

/** A Conv fast op that may join a chain: its packed step and the value its fused epilogue ends in. */
export interface ConvChainLink {
  /** The packed conv. */
  step: F32ConvStep;
  /** The name of the conv's output after its absorbed epilogue nodes (the last one's output). */
  output: string;
}

/** One member of a chain: a conv node, or a squeeze-and-excitation block between two (`_chain_gate.ts`). */
export type ChainMember = Node | ChainGate;

const isGate = (m: ChainMember): m is ChainGate => "fc" in m;

/**
 * The value `producer`'s fused epilogue ends in: the one output of `producer` and its `absorbed` nodes that
 * none of them reads (undefined unless exactly one such single-output node).
 */
export function epilogueEnd(producer: Node, absorbed: readonly Absorbed[]): string | undefined {
  const nodes = [producer, ...absorbed.map((a) => a.node)];
  const read = new Set(nodes.flatMap((n) => n.inputs));
  const ends = nodes.filter((n) => !n.outputs.some((o) => read.has(o)));
  return ends.length === 1 && ends[0]!.outputs.length === 1 ? ends[0]!.outputs[0] || undefined : undefined;
}

/**
 * The maximal chains (2 convs or more, in graph order) among `links`, the packed convs of `graph`: each
 * member's {@link ConvChainLink.output} is no graph output and is read by exactly one node, the next
 * member, once, as its data input (`readers` as `readersOf(graph)` gives them, subgraph reads included) —
 * or by a squeeze-and-excitation block whose product the next member reads ({@link gateAfter}), which then
 * sits between the two in the chain.
 */
export function convChains(
  graph: Graph,
  readers: ReadonlyMap<string, readonly Node[]>,
  links: ReadonlyMap<Node, ConvChainLink>,
  gemvs: ReadonlyMap<Node, GemvLink> = new Map(),
): ChainMember[][] {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const gates = new Map<Node, { gate: ChainGate; next: Node }>();
  const inGate = new Set<Node>();
  for (const node of links.keys()) {
    const g = gateAfter(graph, readers, links, gemvs, node);
    if (!g) continue;
    gates.set(node, g);
    for (const fc of g.gate.fc) inGate.add(fc);
  }
  const next = new Map<Node, Node>();
  const followers = new Set<Node>();
  for (const [node, { output }] of links) {
    if (outputs.has(output) || inGate.has(node)) continue;
    const list = readers.get(output);
    const reader = gates.get(node)?.next ?? (list?.length === 1 ? list[0]! : undefined);
    if (!reader || !links.has(reader) || inGate.has(reader) || followers.has(reader)) continue;
    if (!gates.has(node) && (reader.inputs[0] !== output || reader.inputs.indexOf(output, 1) >= 0)) continue;
    next.set(node, reader);
    followers.add(reader);
  }
  const chains: ChainMember[][] = [];
  for (const head of links.keys()) {
    if (followers.has(head) || !next.has(head)) continue;
    const chain: ChainMember[] = [head];
    for (let n = head, to = next.get(n); to; n = to, to = next.get(n)) {
      const gate = gates.get(n);
      if (gate?.next === to) chain.push(gate.gate);
      chain.push(to);
    }
    chains.push(chain);
  }
  return chains;
}

/**
 * Sets the ops of each chain's members in `ops`: the head and middle convs, and the nodes of the blocks
 * between them, pass their input through; the tail runs the whole chain ({@link f32ConvChainOp}), or, when
 * the chain has a residual Add (`residuals`, by tail) or ends in poolings (`pools`, by tail), passes its input
 * through too and the Add or the last pooling runs the chain. `def` is the Conv op definition, `defs` every
 * op's (for the blocks' pools and Muls, the Add and the poolings).
 */
export function applyConvChains(
  kernels: Kernels,
  def: OpDefinition,
  chains: readonly ChainMember[][],
  links: ReadonlyMap<Node, ConvChainLink>,
  ops: Map<Node, OpDefinition>,
  defs: ReadonlyMap<string, OpDefinition>,
  gemvs: ReadonlyMap<Node, GemvLink> = new Map(),
  residuals: ReadonlyMap<Node, ChainResidual> = new Map(),
  pools: ReadonlyMap<Node, readonly Node[]> = new Map(),
): void {
  const fc = (n: Node) => links.get(n)?.step ?? gemvs.get(n)!.gemv;
  for (const chain of chains) {
    const steps = chain.map((m): ChainStep => isGate(m) ? { gate: [fc(m.fc[0]), fc(m.fc[1])] } : links.get(m)!.step);
    const tail = chain[chain.length - 1] as Node;
    const residual = residuals.get(tail);
    const add = residual ? defs.get("Add") : undefined;
    const ending = pools.get(tail) ?? [];
    const last = ending[ending.length - 1];
    const lastDef = last ? defs.get(last.op) : undefined;
    for (const m of chain) {
      if (!isGate(m)) {
        const runsChain = m === tail && !(residual && add) && !lastDef;
        ops.set(m, runsChain ? f32ConvChainOp(kernels, def, steps) : passThrough(def, 0));
        continue;
      }
      for (const n of [m.pool, ...m.fc, m.mul]) ops.set(n, passThrough(defs.get(n.op)!, 0));
    }
    if (residual && add) ops.set(residual.add, f32ConvChainOp(kernels, add, steps, residual.input));
    if (!last || !lastDef) continue;
    for (const p of ending.slice(0, -1)) ops.set(p, passThrough(defs.get(p.op)!, 0));
    ops.set(last, f32ConvChainOp(kernels, lastDef, [...steps, ...ending.map((pool) => ({ pool }))]));
  }
}

/**
 * A step of a chain op: a conv, the two 1×1 convs (fp32 or packed) of a block between two, or a pooling node
 * at the end (`_chain_endings.ts`).
 */
export type ChainStep =
  | F32ConvStep
  | { gate: readonly [F32ConvStep | Conv2dChainGemv, F32ConvStep | Conv2dChainGemv] }
  | { pool: Node };

/**
 * The op of a chain's tail: runs `steps` (head first) on input 0, the head's input. Each step's strides,
 * dilations and pads are resolved from that step's input dims, as the unchained op resolves them, once per
 * input size (the plan is kept until a run brings another size).
 * With `chainInput` it is the op of the chain's residual Add (`def` the Add's): the chain runs on that input
 * of the Add (the head's input, passed through by the tail) and the other is added to its output in kernel
 * memory; an operand of another shape or type is added by the Add's own kernel. With pooling steps at the end
 * it is the op of the last pooling (`def` that pooling's), the poolings' geometry resolved with the steps'.
 */
export function f32ConvChainOp(
  kernels: Kernels,
  def: OpDefinition,
  steps: readonly ChainStep[],
  chainInput?: 0 | 1,
): OpDefinition {
  const isResidualAdd = chainInput !== undefined;
  const residualInput = chainInput === 0 ? 1 : 0;
  /**
   * The chain planned for the last input size seen: resolving the steps and writing their descriptors on
   * every run cost ~9 µs of JavaScript per chain (PP-OCR cls low mode 0.93-0.95× the time with the plan kept).
   */
  let planned: { dims: string; plan: Conv2dChainPlan } | undefined;
  /** Plans `steps` on an input of `input` dims: each step's strides, dilations and pads resolved from its input's. */
  const plan = (input: readonly number[]): Conv2dChainPlan => {
    const [batch, , height, width] = input as [number, number, number, number];
    let dims = input;
    /** `step`'s call on an input of `at` dims, and its output's dims. */
    const call = (step: F32ConvStep, at: readonly number[]): [Conv2dChainStep, number[]] => {
      const g = convCallGeometry({ dims: at }, step.kernel, step.attrs);
      const { strides, dilations, pads } = g;
      const output = [batch, step.outChannels, g.outShape[0]!, g.outShape[1]!];
      return [{ conv: step.prepared, strides, dilations, pads, activation: step.activation }, output];
    };
    const calls = steps.map((step): Conv2dChainEntry => {
      if ("pool" in step) {
        const [n, c] = dims as [number, number];
        if (step.pool.op === "GlobalAveragePool") {
          dims = [n, c, 1, 1];
          return { globalAveragePool: true };
        }
        const attrs = new Attrs(step.pool.attributes);
        const geometry = pool2dGeometry(dims, attrs)!; // chainablePool: 2-D, undilated, on a rank-4 conv output
        dims = [n, c, geometry.oh, geometry.ow];
        const includePad = attrs.int("count_include_pad", 0) !== 0;
        return { pool: step.pool.op === "MaxPool" ? { op: "max" } : { op: "average", includePad }, geometry };
      }
      if ("gate" in step) {
        const [fc1, fc2] = step.gate;
        const reduced = "packed" in fc1 ? fc1.packed.n : fc1.outChannels;
        return {
          gate: [
            "packed" in fc1 ? fc1 : call(fc1, [batch, dims[1]!, 1, 1])[0],
            "packed" in fc2 ? fc2 : call(fc2, [batch, reduced, 1, 1])[0],
          ],
        };
      }
      const [entry, output] = call(step, dims);
      dims = output;
      return entry;
    });
    return kernels.planConv2dChainF32(calls, { batch, height, width });
  };
  return {
    ...def,
    run: (inputs, attrs, ctx) => {
      const x = requireFloat("Conv", inputs[chainInput ?? 0], 4);
      const key = x.dims.join(",");
      if (planned?.dims !== key) {
        const next = plan(x.dims);
        planned?.plan.dispose();
        planned = { dims: key, plan: next };
      }
      const chain = planned.plan;
      const dims = chain.outDims;
      const other = isResidualAdd ? inputs[residualInput] : undefined;
      const inKernel = other?.type === "float32" && sameDims(other.dims, dims) && !deferredChannelScale(other);
      // From the run's buffer pool: a fresh multi-MiB array costs several times its copy.
      const out = allocateForOverwrite("float32", dims.reduce((a, b) => a * b, 1)) as Float32Array;
      const gate = deferredChannelScale(x);
      const r = kernels.runConv2dChainF32(chain, x.data as Float32Array, {
        out,
        ...(gate ? { inputScale: gate.scale } : {}),
        ...(inKernel ? { residual: other.data as Float32Array } : {}),
      });
      const result = new Tensor("float32", r.data, r.dims);
      if (!isResidualAdd || inKernel) return [result];
      const operands = chainInput === 0 ? [result, other] : [other, result];
      return def.run(operands, attrs, ctx);
    },
  };
}
