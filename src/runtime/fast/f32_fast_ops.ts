/**
 * fp32 fast ops: Conv (2-D, any groups, depthwise fast path), MatMul and Gemm with a constant weight,
 * on the wasm kernels with the weights packed once at session creation (`packF32Gemm`,
 * `prepareConv2dF32`) and an optional fused activation. Each returns an {@link OpDefinition} whose
 * `run` closes over its packed weights, or `undefined` when the node does not fit (it then keeps its
 * reference kernel). A Conv is packed first ({@link f32ConvStep}), so that a chain of them can run as one op
 * (`f32_conv_chain_op.ts`).
 * @module
 */
import type { Node } from "../../graph/graph.ts";
import { allocateForOverwrite } from "../../graph/dtype.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Activation } from "../../kernels/activation.ts";
import type { Kernels, PreparedConv2d } from "../../kernels/kernels.ts";
import { resolveWindow } from "../ops/nn/_window.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import type { Epilogue, PreAffine } from "./_fusion.ts";
import { deferredChannelScale } from "./f32_channel_scale.ts";

/** Resolves a constant (an initializer of the graph or of an enclosing graph) by name. */
export type ConstantLookup = (name: string) => Tensor | undefined;

/** A float32 constant named `name`, or undefined. */
export function floatConstant(constants: ConstantLookup, name: string | undefined): Tensor | undefined {
  if (!name) return undefined;
  const t = constants(name);
  return t && t.type === "float32" ? t : undefined;
}

/** Conv geometry of one call: strides, dilations and `[top, left, bottom, right]` pads for input `x`. */
export function convCallGeometry(x: { readonly dims: readonly number[] }, kernel: readonly number[], attrs: Attrs) {
  const win = resolveWindow(x.dims.slice(2), [...kernel], attrs);
  return {
    strides: [win.strides[0]!, win.strides[1]!] as const,
    dilations: [win.dilations[0]!, win.dilations[1]!] as const,
    pads: [win.padsBegin[0]!, win.padsBegin[1]!, win.padsEnd[0]!, win.padsEnd[1]!] as const,
    outShape: win.outShape,
  };
}

/**
 * `(bias + columnBias) · scale + shift` for `n` outputs (undefined when that is all zeros and there was no
 * bias).
 */
export function foldedBias(bias: Float32Array | undefined, n: number, epi: Epilogue): Float32Array | undefined {
  const column = epi.columnBias;
  if (!bias && !column && epi.shift === 0) return undefined;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((bias ? bias[i]! : 0) + (column ? column[i]! : 0)) * epi.scale + epi.shift;
  return out;
}

/** `w · scale` (the same array when the scale is 1). */
export function scaled(w: Float32Array, scale: number): Float32Array {
  return scale === 1 ? w : w.map((v) => v * scale);
}

/** True when a Conv's attributes add no padding (so an input affine folds exactly into it). */
export function unpadded(attrs: Attrs): boolean {
  const autoPad = attrs.string("auto_pad", "NOTSET");
  return (autoPad === "NOTSET" || autoPad === "VALID") && attrs.ints("pads", [0]).every((p) => p === 0);
}

/** `bias + shift · Σ W[o]` per output channel `o` of `oc` (W rows contiguous): an input shift folded in. */
export function withInputShift(bias: Float32Array | undefined, w: Float32Array, oc: number, shift: number) {
  const out = new Float32Array(oc);
  const per = w.length / oc;
  for (let o = 0; o < oc; o++) {
    let sum = 0;
    for (let i = o * per; i < (o + 1) * per; i++) sum += w[i]!;
    out[o] = (bias ? bias[o]! : 0) + shift * sum;
  }
  return out;
}

/** Throws a TypeError unless `x` is a float32 tensor of rank `rank` (when given). */
export function requireFloat(op: string, x: Tensor | undefined, rank?: number): Tensor {
  if (!x || x.type !== "float32" || (rank !== undefined && x.dims.length !== rank)) {
    throw new TypeError(
      `${op} (fast kernel) needs a float32${rank === undefined ? "" : ` rank-${rank}`} input, got ${
        x ? `${x.type} [${x.dims}]` : "none"
      }`,
    );
  }
  return x;
}

/** A 2-D Conv with constant float32 weights (and bias) packed for the wasm conv kernels: what a call needs. */
export interface F32ConvStep {
  /** Weights (scaled by the fused affines) and folded bias in kernel memory. */
  prepared: PreparedConv2d;
  /** `[kh, kw]`. */
  kernel: readonly [number, number];
  /** Output channels. */
  outChannels: number;
  /** The node's attributes (strides, dilations, pads, auto_pad: resolved per call from the input dims). */
  attrs: Attrs;
  /** The fused activation. */
  activation: Activation;
}

/** Packs `node` (a 2-D Conv with constant float32 weights) with its epilogue (and input affine `pre`), or undefined. */
export function f32ConvStep(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  epi: Epilogue,
  pre?: PreAffine,
): F32ConvStep | undefined {
  const w = floatConstant(constants, node.inputs[1]);
  const b = node.inputs[2] ? floatConstant(constants, node.inputs[2]) : undefined;
  if (!w || w.dims.length !== 4 || (node.inputs[2] && !b)) return undefined;
  const attrs = new Attrs(node.attributes);
  const group = attrs.int("group", 1);
  const [oc, cg, kh, kw] = w.dims as [number, number, number, number];
  if (pre && !unpadded(attrs)) return undefined;
  const wd = w.data as Float32Array;
  const bias = foldedBias(
    pre ? withInputShift(b?.data as Float32Array | undefined, wd, oc, pre.shift) : b?.data as Float32Array | undefined,
    oc,
    epi,
  );
  const prepared = kernels.prepareConv2dF32(scaled(wd, epi.scale * (pre?.scale ?? 1)), {
    outChannels: oc,
    inChannels: cg * group,
    kernel: [kh, kw],
    group,
    ...(bias ? { bias } : {}),
  });
  return { prepared, kernel: [kh, kw], outChannels: oc, attrs, activation: epi.activation };
}

/** The fast op of one Conv packed by {@link f32ConvStep}: one wasm conv call per run. */
export function f32ConvOp(kernels: Kernels, def: OpDefinition, step: F32ConvStep): OpDefinition {
  const { prepared, kernel, outChannels: oc, attrs, activation } = step;
  return {
    ...def,
    run: ([xIn]) => {
      const x = requireFloat("Conv", xIn, 4);
      const g = convCallGeometry(x, kernel, attrs);
      const [batch, , height, width] = x.dims as [number, number, number, number];
      const gate = deferredChannelScale(x);
      const r = kernels.conv2dF32(x.data as Float32Array, prepared, {
        batch,
        height,
        width,
        strides: g.strides,
        dilations: g.dilations,
        pads: g.pads,
        activation,
        // From the run's buffer pool: a fresh multi-MiB array costs several times its copy.
        out: allocateForOverwrite("float32", batch * oc * g.outShape[0]! * g.outShape[1]!) as Float32Array,
        ...(gate ? { inputScale: gate.scale } : {}),
      });
      return [new Tensor("float32", r.data, r.dims)];
    },
  };
}

/** MatMul with a constant rank-2 B, or Gemm (transA = 0, alpha = 1) with constant B and C, on the fp32 GEMM. */
export function f32GemmOp(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  def: OpDefinition,
  epi: Epilogue,
): OpDefinition | undefined {
  const activation = epi.activation;
  const bt = floatConstant(constants, node.inputs[1]);
  if (!bt || bt.dims.length !== 2) return undefined;
  const plan = gemmPlan(constants, node, bt.dims as [number, number]);
  if (!plan) return undefined;
  const bias = foldedBias(plan.bias, plan.n, epi);
  const packed = kernels.packF32Gemm(scaled(bt.data as Float32Array, epi.scale), {
    k: plan.k,
    n: plan.n,
    layout: plan.transB ? "nk" : "kn",
    ...(bias ? { bias } : {}),
  });
  return {
    ...def,
    run: ([aIn]) => {
      const a = requireFloat(node.op, aIn, node.op === "Gemm" ? 2 : undefined);
      const dims = matmulOutputDims(node.op, a, plan.k, plan.n);
      if (a.data.length === 0) return [new Tensor("float32", new Float32Array(0), dims)];
      const out = allocateForOverwrite("float32", (a.data.length / plan.k) * plan.n) as Float32Array;
      return [new Tensor("float32", kernels.gemmF32(a.data as Float32Array, packed, { activation, out }), dims)];
    },
  };
}

/** What a MatMul/Gemm node multiplies by: `k × n`, whether B is stored `[n][k]`, and the fused bias. */
export interface GemmPlan {
  k: number;
  n: number;
  transB: boolean;
  bias?: Float32Array;
}

/** The {@link GemmPlan} of a MatMul (B `[k, n]`) or a Gemm this path supports, or undefined. */
export function gemmPlan(
  constants: ConstantLookup,
  node: Node,
  bDims: readonly [number, number],
): GemmPlan | undefined {
  if (node.op === "MatMul") return { k: bDims[0], n: bDims[1], transB: false };
  if (node.op !== "Gemm") return undefined;
  const attrs = new Attrs(node.attributes);
  if (attrs.int("transA", 0) !== 0 || attrs.float("alpha", 1) !== 1) return undefined;
  const transB = attrs.int("transB", 0) === 1;
  const [k, n] = transB ? [bDims[1], bDims[0]] : bDims;
  if (!node.inputs[2]) return { k, n, transB };
  const c = floatConstant(constants, node.inputs[2]);
  if (!c || c.data.length !== n || c.dims[c.dims.length - 1] !== n) return undefined;
  const beta = attrs.float("beta", 1);
  const bias = Float32Array.from(c.data as Float32Array, (v) => v * beta);
  return { k, n, transB, bias };
}

/** Output dims of `A · B` for B `k × n`; throws when A's last axis is not `k`. */
export function matmulOutputDims(op: string, a: Tensor, k: number, n: number): number[] {
  const last = a.dims[a.dims.length - 1];
  if (last !== k) throw new RangeError(`${op}: A [${a.dims}] does not have ${k} columns to multiply by B (${k}×${n})`);
  return a.dims.length === 1 ? [n] : [...a.dims.slice(0, -1), n];
}
