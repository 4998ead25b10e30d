/**
 * The session's fast-op pass: at creation, every eligible node is mapped to a "fast op", an
 * {@link OpDefinition} whose `run` closes over weights packed once into the wasm kernels' memory; the
 * executor runs it in place of the registry kernel (`KernelOverrides`). Eligible: 2-D Conv, MatMul and
 * Gemm with a constant weight (fp32 kernels), and in `low` memory mode the same ops whose weight is a
 * quantized record (qd8 kernels, see `qd8_fast_ops.ts`). What follows such an op and only reads its
 * output fuses into it (`_fusion.ts`): a scalar `Mul`/`Add` folds into the packed weights and bias, and a
 * Relu/Clip/HardSigmoid/HardSwish/Sigmoid (or HardSwish spelled out as Add/Clip/Mul/Div) into the epilogue. Subgraphs (If/Loop bodies) are
 * visited too, their constants resolved through the enclosing graphs. 2-D ConvTranspose (group 1) with
 * constant weights runs as a 1×1 conv + col2im (`f32_conv_transpose_op.ts`) with a per-channel epilogue
 * (bias `Add`, `Mul`, BatchNormalization, then an activation when its windows do not overlap:
 * `_channel_epilogue.ts`). An Add or Concat takes in what feeds it alone: a nearest Resize (read through its
 * index maps, never written: `f32_upsample_add_op.ts`, `f32_upsample_concat_op.ts`) and, for an Add, the
 * residual gate `x + Mul(x, s)` (`f32_scale_residual_op.ts`), whose sum an upsampling Add reading it alone
 * computes in its own pass; all give the unfused nodes' bits. The float32 elementwise, pooling and resize
 * nodes left over take monomorphic fast paths that compute exactly what their reference kernels compute
 * (`f32_elementwise_ops.ts`, `f32_pool_ops.ts`; row- or column-repeated Add/Sub/Mul/Div operands
 * `f32_row_broadcast_ops.ts`; a spelled-out LayerNorm's ReduceMean/Pow/Sqrt `f32_layer_norm_ops.ts`).
 * Float32 Softmax/LogSoftmax over contiguous rows take `f32_softmax_op.ts`, whose own deterministic exp keeps
 * each output within 1 float32 ulp of the reference kernel. A run of fp32 Convs each read only by the next
 * runs as one op on the last (or on the residual Add or the poolings that alone read the last:
 * `_chain_endings.ts`), its intermediates kept in kernel memory (`f32_conv_chain_op.ts`).
 * @module
 */
import type { Graph, Model, Node } from "../../graph/graph.ts";
import type { QuantizedTensor } from "../../graph/quantized_tensor.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import { dequantize } from "../../quant/dequantize.ts";
import type { KernelOverrides } from "../executor.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import { OPS } from "../registry.ts";
import { type Absorbed, columnBiasAfter, epilogueAfter, passThrough, preAffineBefore, readersOf } from "./_fusion.ts";
import { fusableResize } from "./_nearest_upsample.ts";
import type { GemvLink } from "./_chain_gate.ts";
import { channelEpilogueAfter } from "./_channel_epilogue.ts";
import { convTransposeGeometry, f32ConvTransposeOp } from "./f32_conv_transpose_op.ts";
import { f32ElementwiseOp } from "./f32_elementwise_ops.ts";
import { f32LayerNormOp } from "./f32_layer_norm_ops.ts";
import { f32MatMulOp } from "./f32_matmul_op.ts";
import { applyConvChains, type ConvChainLink, convChains, epilogueEnd } from "./f32_conv_chain_op.ts";
import { chainPools, chainResiduals, withPooledConvs } from "./_chain_endings.ts";
import { channelScaleBefore, f32ChannelScaleOp } from "./f32_channel_scale.ts";
import {
  type ConstantLookup,
  f32ConvOp,
  type F32ConvStep,
  f32ConvStep,
  f32GemmOp,
  floatConstant,
} from "./f32_fast_ops.ts";
import { f32PoolOp } from "./f32_pool_ops.ts";
import { f32RowBroadcastOp } from "./f32_row_broadcast_ops.ts";
import { f32ScaleResidualOp, scaleResidualBefore } from "./f32_scale_residual_op.ts";
import { f32SoftmaxOp } from "./f32_softmax_op.ts";
import { f32UpsampleAddOp } from "./f32_upsample_add_op.ts";
import { f32UpsampleConcatOp } from "./f32_upsample_concat_op.ts";
import { LOW_MODE_FP32_LABEL, type LowOp, qd8ConvOp, qd8GemmOp, SMALL_K_REASON } from "./qd8_fast_ops.ts";

/** A zero-element stand-in for a weight only fast ops read (they hold it packed). */
const PACKED_PLACEHOLDER = new Tensor("float32", new Float32Array(0), [0]);

/**
 * Quantized weights of `graph` (top level) the low-memory kernels can take as they are: every reader is
 * a group-1 Conv, MatMul or Gemm reading it as its weight in the layout it was stored for. The others
 * are dequantized at load like in normal mode.
 */
export function packableQuantized(graph: Graph): Set<string> {
  const ok = new Set<string>();
  const bad = new Set<string>();
  for (const node of graph.nodes) {
    node.inputs.forEach((name, i) => {
      const q = graph.quantized.get(name);
      if (!q) return;
      if (i === 1 && readsAsWeight(node, q)) ok.add(name);
      else bad.add(name);
    });
  }
  for (const name of bad) ok.delete(name);
  return ok;
}

function readsAsWeight(node: Node, q: QuantizedTensor): boolean {
  if (q.dtype !== "float32" || q.dims.length === 0) return false;
  const attrs = new Attrs(node.attributes);
  switch (node.op) {
    case "Conv":
      return q.layout.kind === "conv" && q.dims.length === 4 && attrs.int("group", 1) === 1;
    case "MatMul":
      return q.layout.kind === "matmul_kn" && q.dims.length === 2;
    case "Gemm":
      return q.dims.length === 2 && q.layout.kind === (attrs.int("transB", 0) === 1 ? "matmul_nk" : "matmul_kn");
    default:
      return false;
  }
}

/** Options of {@link buildFastOps}. */
export interface BuildFastOpsOptions {
  /**
   * Run chains of fp32 Convs, each read only by the next, as one op with the intermediates kept in kernel
   * memory (same bits either way; off for tests and A/B measurements). @default true
   */
  chainConvs?: boolean;
}

/**
 * Builds the fast ops of `model` (prepared: constants folded, nodes sorted). `packed` holds the
 * quantized weights kept out of the graph for the low-memory kernels: each becomes a packed handle
 * (its initializer a zero-element placeholder), or, when its node cannot take it after all, a
 * dequantized initializer.
 */
export function buildFastOps(
  model: Model,
  kernels: Kernels,
  packed: ReadonlyMap<string, QuantizedTensor> = new Map(),
  options: BuildFastOpsOptions = {},
): KernelOverrides {
  const ops = new Map<Node, OpDefinition>();
  const consumed = new Set<string>();
  const failed = new Set<string>();
  /** Weights of low-mode Convs run in fp32 (tiny K), dequantized once: kernel copy and initializer. */
  const smallK = new Map<string, Tensor>();
  const smallKOps: Node[] = [];
  /** Residual-gate Adds fused so far, by node: their op, built to defer the sum to the reader or not. */
  const residuals = new Map<Node, (defer: boolean) => OpDefinition>();
  visit(model.graph, (name) => model.graph.initializers.get(name), true);

  function visit(graph: Graph, constants: ConstantLookup, top: boolean): void {
    const readers = readersOf(graph);
    /** This graph's fp32 Convs (fast ops of their own), for the chains. */
    const links = new Map<Node, ConvChainLink>();
    /** This graph's packed low-mode Convs (they take an SE gate in kernel memory as the fp32 ones do). */
    const packedConvs: Node[] = [];
    /** Those that are 1×1 GEMVs a chain may run inside a squeeze-and-excitation block. */
    const gemvs = new Map<Node, GemvLink>();
    /** The op of an fp32 Conv, recorded as a chain link when its fused epilogue ends in one value. */
    const chainableConv = (node: Node, def: OpDefinition, step: F32ConvStep, absorbed: readonly Absorbed[]) => {
      const output = epilogueEnd(node, absorbed);
      if (output) links.set(node, { step, output });
      return f32ConvOp(kernels, def, step);
    };
    const producers = new Map<string, Node>();
    for (const node of graph.nodes) for (const name of node.outputs) if (name) producers.set(name, node);
    for (const node of graph.nodes) {
      for (const a of Object.values(node.attributes)) {
        if (a.kind === "graph") {
          const sub = a.value;
          visit(sub, (name) => sub.initializers.get(name) ?? constants(name), false);
        }
      }
      if (ops.has(node)) continue;
      if (node.op === "ConvTranspose") {
        const def = OPS.get(node.op);
        const geometry = convTransposeGeometry(constants, node);
        if (!def || !geometry) continue;
        const epi = channelEpilogueAfter(graph, constants, node, readers, geometry.oc);
        if (epi.activation !== "none" && !geometry.disjoint) {
          epi.activation = "none";
          epi.absorbed.pop();
        }
        const fast = f32ConvTransposeOp(kernels, constants, node, def, epi);
        if (!fast) continue;
        ops.set(node, fast);
        for (const { node: absorbed, input } of epi.absorbed) {
          ops.set(absorbed, passThrough(OPS.get(absorbed.op)!, input));
        }
        continue;
      }
      if (node.op === "Add" || node.op === "Concat") {
        fuseIntoReader(graph, constants, node, { readers, producers, ops, residuals });
        continue;
      }
      if (node.op !== "Conv" && node.op !== "MatMul" && node.op !== "Gemm") continue;
      const def = OPS.get(node.op);
      if (!def) continue;
      const q = top ? packed.get(node.inputs[1] ?? "") : undefined;
      const bDims = q?.dims ?? floatConstant(constants, node.inputs[1])?.dims;
      const columnBias = node.op === "MatMul" && bDims?.length === 2
        ? columnBiasAfter(graph, constants, node, readers, bDims[1]!)
        : undefined;
      const epi = epilogueAfter(graph, constants, columnBias?.absorbed.node ?? node, readers);
      if (columnBias) {
        epi.columnBias = columnBias.values;
        epi.absorbed.unshift(columnBias.absorbed);
      }
      let fast: OpDefinition | undefined;
      if (q) {
        const low: LowOp = node.op === "Conv"
          ? qd8ConvOp(kernels, constants, node, def, q, epi)
          : qd8GemmOp(kernels, constants, node, def, q, epi);
        if (typeof low === "string") {
          failed.add(node.inputs[1]!);
          if (low.endsWith(`(${SMALL_K_REASON})`)) {
            const name = node.inputs[1]!;
            const w = smallK.get(name) ?? dequantize(q);
            smallK.set(name, w);
            const step = f32ConvStep(kernels, (n) => (n === name ? w : constants(n)), node, epi);
            if (step) {
              fast = chainableConv(node, def, step, epi.absorbed);
              smallKOps.push(node);
            }
          }
        } else {
          consumed.add(low.weight);
          fast = low.def;
          if (node.op === "Conv") packedConvs.push(node);
          const output = low.gemv ? epilogueEnd(node, epi.absorbed) : undefined;
          if (low.gemv && output) gemvs.set(node, { gemv: low.gemv, output });
        }
      } else if (node.op === "Conv") {
        const pre = preAffineBefore(graph, constants, node, readers, producers, ops);
        const folded = pre ? f32ConvStep(kernels, constants, node, epi, pre) : undefined;
        const step = folded ?? f32ConvStep(kernels, constants, node, epi);
        if (step) fast = chainableConv(node, def, step, epi.absorbed);
        if (folded && pre) {
          for (const { node: absorbed, input } of pre.absorbed) {
            ops.set(absorbed, passThrough(OPS.get(absorbed.op)!, input));
          }
        }
      } else fast = f32GemmOp(kernels, constants, node, def, epi);
      if (!fast) continue;
      ops.set(node, fast);
      for (const { node: absorbed, input } of epi.absorbed) {
        ops.set(absorbed, passThrough(OPS.get(absorbed.op)!, input));
      }
    }
    // SE gates `Mul(x, s)` read only by a conv: applied to the conv's input in kernel memory.
    const mul = OPS.get("Mul");
    for (const node of [...links.keys(), ...packedConvs]) {
      const gate = mul ? channelScaleBefore(graph, node, readers, producers, ops) : undefined;
      if (gate) ops.set(gate, f32ChannelScaleOp(mul!));
    }
    const conv = OPS.get("Conv");
    if ((options.chainConvs ?? true) && conv) {
      const chains = convChains(graph, readers, links, gemvs);
      const residuals = chainResiduals(graph, readers, chains, links, ops);
      const pools = chainPools(graph, readers, chains, links, ops, residuals);
      applyConvChains(kernels, conv, withPooledConvs(chains, pools), links, ops, OPS, gemvs, residuals, pools);
    }
  }

  // Then the ops between them that nothing absorbed: float32 fast paths (bit-identical to the reference).
  const rest = (graph: Graph): void => {
    for (const node of graph.nodes) {
      for (const a of Object.values(node.attributes)) if (a.kind === "graph") rest(a.value);
      const def = OPS.get(node.op);
      if (ops.has(node) || !def) continue;
      const fast = f32ElementwiseFastOp(node, def) ?? f32PoolOp(node, def, kernels) ??
        f32SoftmaxOp(node, def, kernels) ??
        f32LayerNormOp(node, def) ?? f32MatMulOp(node, def, kernels);
      if (fast) ops.set(node, fast);
    }
  };
  rest(model.graph);

  // Low-mode Convs left to fp32 (lowModeFp32Reason): counted in the kernel names the session reports.
  const label = `${LOW_MODE_FP32_LABEL} (${smallKOps.length} layers)`;
  for (const node of smallKOps) {
    const inner = ops.get(node)!;
    ops.set(node, { ...inner, run: (...args) => (kernels.note(label), inner.run(...args)) });
  }
  for (const [name, q] of packed) {
    const t = smallK.get(name) ?? (failed.has(name) || !consumed.has(name) ? dequantize(q) : PACKED_PLACEHOLDER);
    model.graph.initializers.set(name, t);
  }
  return ops;
}

/** The elementwise fast op of `node` (row/column-repeated operands tried when the elementwise forms do not apply). */
function f32ElementwiseFastOp(node: Node, def: OpDefinition): OpDefinition | undefined {
  return f32ElementwiseOp(node, f32RowBroadcastOp(node, def) ?? def);
}

/** What {@link fuseIntoReader} reads and records. */
interface ReaderFusion {
  readers: ReadonlyMap<string, Node[]>;
  producers: ReadonlyMap<string, Node>;
  ops: Map<Node, OpDefinition>;
  residuals: Map<Node, (defer: boolean) => OpDefinition>;
}

/**
 * Fuses into an Add or Concat the nodes feeding it that can: a nearest Resize read by it alone
 * (`f32_upsample_add_op.ts`, `f32_upsample_concat_op.ts`), or for an Add `x + Mul(x, s)`
 * (`f32_scale_residual_op.ts`); an upsampling Add also takes over the sum of a residual-gate Add it alone
 * reads. Each absorbed node passes the input its reader needs through.
 */
function fuseIntoReader(graph: Graph, constants: ConstantLookup, node: Node, f: ReaderFusion): void {
  const { readers, producers, ops } = f;
  const def = OPS.get(node.op);
  if (!def || node.domain !== "") return;
  const absorb = (fused: OpDefinition, absorbed: Absorbed[]) => {
    ops.set(node, fused);
    for (const { node: a, input } of absorbed) ops.set(a, passThrough(OPS.get(a.op)!, input));
  };
  const resize = (i: number) =>
    fusableResize(graph, constants, node.inputs[i], node, readers, producers, ops, OPS.get("Resize"));
  if (node.op === "Concat") {
    const ups = node.inputs.map((_, i) => resize(i));
    if (ups.some((u) => u !== undefined)) {
      absorb(f32UpsampleConcatOp(node, def, ups), ups.flatMap((u) => (u ? [{ node: u.node, input: 0 }] : [])));
    }
    return;
  }
  if (node.inputs.length !== 2) return;
  const add = f32ElementwiseFastOp(node, def) ?? def;
  for (const i of [1, 0] as const) {
    const up = resize(i);
    if (!up) continue;
    absorb(f32UpsampleAddOp(node, add, up, i), [{ node: up.node, input: 0 }]);
    const lateral = node.inputs[1 - i]!;
    const residual = producers.get(lateral);
    const build = residual ? f.residuals.get(residual) : undefined;
    const alone = readers.get(lateral)?.length === 1 && !graph.outputs.some((o) => o.name === lateral);
    if (build && alone && node.inputs[i] !== lateral) ops.set(residual!, build(true));
    return;
  }
  const r = scaleResidualBefore(graph, node, readers, producers, ops);
  const mul = r ? OPS.get("Mul") : undefined;
  if (!r || !mul) return;
  const mulFast = f32ElementwiseFastOp(r.mul, mul) ?? mul;
  const build = (defer: boolean) => f32ScaleResidualOp(node, add, r, mulFast, defer);
  f.residuals.set(node, build);
  absorb(build(false), [{ node: r.mul, input: r.gate }]);
}
