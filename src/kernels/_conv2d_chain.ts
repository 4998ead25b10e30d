// A chain of fp32 convolutions run back to back in kernel memory: each step reads the previous one's output
// there, planned and run by the one-call code of _conv2d.ts, so only the chain's input and output are copied.
import { type Activation, encodeActivation } from "./activation.ts";
import type { KernelModule } from "./kernel_module.ts";
import { type PackedQcw, pad8 } from "./_qd8_gemm.ts";
import { qcwBlocks } from "./ref/qd8_f32_qcw_gemm_ref.ts";
import { checkInputScale, scaleImage } from "./_input_scale.ts";
import {
  type Conv2dF32Options,
  type ConvCall,
  describe,
  planCall,
  positiveInt,
  type PreparedConv2d,
  runCall,
} from "./_conv2d.ts";

/**
 * One convolution of a {@link conv2dChainF32} chain: its weights (input channels = the previous step's
 * outputs), geometry and activation.
 */
export interface Conv2dChainStep extends Pick<Conv2dF32Options, "strides" | "dilations" | "pads" | "activation"> {
  /** The step's weights. */
  conv: PreparedConv2d;
}

/**
 * A squeeze-and-excitation gate between two convolutions of a chain: the image so far multiplied, plane by
 * plane, by `fc2(fc1(its plane means))` — GlobalAveragePool, two 1×1 convolutions on one pixel with their
 * activations, and the Mul — in kernel memory, each the kernel the op alone runs (the bits of the ops one
 * by one: `bl_f32_global_avgpool`, the conv's, `bl_f32_scale_planes`).
 */
export interface Conv2dChainGate {
  /** The two 1×1 convolutions, channels → reduced → channels, with their activations. */
  gate: readonly [Conv2dChainGateConv, Conv2dChainGateConv];
}

/**
 * A gate's 1×1 convolution on packed quantized weights (low memory mode): the qd8 GEMM on the one pixel's
 * row, quantized asymmetrically as low mode's ops quantize activations (`qd8F32QcwGemm`'s bits).
 */
export interface Conv2dChainGemv {
  /** The weights: `k` input channels, `n` output channels. */
  packed: PackedQcw;
  /** Fused activation. @default "none" */
  activation?: Activation;
}

/** One of a gate's two convolutions: fp32 weights, or packed quantized ones. */
export type Conv2dChainGateConv = Conv2dChainStep | Conv2dChainGemv;

/** One entry of a chain: a convolution, or a gate after one. */
export type Conv2dChainEntry = Conv2dChainStep | Conv2dChainGate;

/** Options of a {@link conv2dChainF32} call: the chain input's size, and where its output goes. */
export interface Conv2dChainF32Options {
  /** Input height. */
  height: number;
  /** Input width. */
  width: number;
  /** Images in `x` (NCHW). @default 1 */
  batch?: number;
  /** Where to write the last step's output; a new array when omitted. */
  out?: Float32Array;
  /** The first step's input scale, as {@link Conv2dF32Options.inputScale}. */
  inputScale?: Float32Array;
}

/** The result of a convolution chain. */
export interface Conv2dChainResult {
  /** The last step's output, NCHW. */
  data: Float32Array;
  /** `[batch, oc, oh, ow]` of the last step. */
  dims: [number, number, number, number];
  /** Name of the kernel each step ran, in order. */
  kernels: string[];
}

/** A planned gate conv, `in` → `out` channels: an fp32 call (its index into the chain's calls) or a GEMV. */
type GateConvRun = ({ call: number } | { gemv: Conv2dChainGemv }) & { in: number; out: number };

/** A planned gate: its two convs, channels and plane size. */
interface GateRun {
  fc: readonly [GateConvRun, GateConvRun];
  c: number;
  plane: number;
}

/**
 * Runs convolutions back to back, each reading the previous one's output, with the intermediates kept in
 * kernel memory: per image, the input is copied in once, each step runs the kernel {@link conv2dF32} would
 * run (same choice, descriptor and scratch) between two ping-pong buffers, a gate scales the current image
 * in place ({@link Conv2dChainGate}), and only the last output is copied out, so the result has the bits of
 * the steps run one by one.
 */
export function conv2dChainF32(
  module: KernelModule,
  names: readonly [string, string, string],
  x: Float32Array,
  entries: readonly Conv2dChainEntry[],
  o: Conv2dChainF32Options,
): Conv2dChainResult {
  const fn = "conv2dChainF32";
  if (!entries.some((e) => !("gate" in e))) {
    throw new RangeError(`${fn}: the chain has no steps; give at least one convolution`);
  }
  const batch = o.batch ?? 1;
  positiveInt(batch, `${fn}: batch`);
  const calls: ConvCall[] = [];
  /** Per entry: the index of its call (a convolution) or its planned gate. */
  const plan: Array<number | GateRun> = [];
  let [height, width] = [o.height, o.width];
  /** The last convolution step planned (the image's current channels are its outputs). */
  let prev: ConvCall | undefined, prevIndex = -1;
  entries.forEach((entry, i) => {
    if ("gate" in entry) {
      if (!prev) throw new RangeError(`${fn}: entry ${i} is a gate before any convolution; start with one`);
      const fc = entry.gate.map((step, j): GateConvRun => {
        if ("packed" in step) {
          step.packed.assertOwner(module, `${fn}: weights of gate ${i} conv ${j}`);
          return { gemv: step, in: step.packed.k, out: step.packed.n };
        }
        step.conv.assertOwner(module, `${fn}: weights of gate ${i} conv ${j}`);
        const call = planCall(`${fn} gate ${i} conv ${j}`, names, step.conv, { ...step, height: 1, width: 1 });
        if (call.oh !== 1 || call.ow !== 1) {
          throw new RangeError(`${fn}: gate ${i} conv ${j} must keep one pixel (a 1×1 kernel without pads)`);
        }
        calls.push(call);
        return { call: calls.length - 1, in: step.conv.inChannels, out: call.oc };
      }) as [GateConvRun, GateConvRun];
      const [a, b] = fc;
      if (a.in !== prev.oc || b.in !== a.out || b.out !== prev.oc) {
        throw new RangeError(
          `${fn}: gate ${i} maps ${a.in} → ${a.out} → ${b.in} → ${b.out} channels after a step giving ` +
            `${prev.oc}; a gate's convs go from the image's channels back to them`,
        );
      }
      plan.push({ fc, c: prev.oc, plane: height * width });
      return;
    }
    entry.conv.assertOwner(module, `${fn}: weights of step ${i}`);
    if (prev && entry.conv.inChannels !== prev.oc) {
      throw new RangeError(
        `${fn}: step ${i} takes ${entry.conv.inChannels} input channels but step ${prevIndex} gives ${prev.oc}; ` +
          `chain only convolutions whose channels match`,
      );
    }
    const call = planCall(`${fn} step ${i}`, names, entry.conv, { ...entry, height, width });
    calls.push(call);
    plan.push(calls.length - 1);
    [height, width] = [call.oh, call.ow];
    [prev, prevIndex] = [call, i];
  });
  const steps = plan.filter((p): p is number => typeof p === "number").map((p) => calls[p]!);
  const first = steps[0]!, last = steps[steps.length - 1]!;
  if (x.length !== batch * first.inSize) {
    throw new RangeError(
      `${fn}: x has ${x.length} elements, expected ${batch}·${first.conv.inChannels}·${o.height}·${o.width}`,
    );
  }
  const out = o.out ?? new Float32Array(batch * last.outSize);
  if (out.length !== batch * last.outSize) {
    throw new RangeError(`${fn}: out has ${out.length} elements, expected ${batch * last.outSize}`);
  }
  const c = first.conv.inChannels;
  if (o.inputScale !== undefined) checkInputScale(fn, o.inputScale, batch, c);
  const gates = plan.filter((p): p is GateRun => typeof p !== "number");
  const heap = module.heap;
  const pd = heap.alloc(calls.length * 64);
  let pa = 0, pb = 0, ps = 0, pk = 0, pg = 0;
  try {
    // Each call gets its own scratch size (as conv2dF32 gives it), in one block big enough for all.
    const scratch = calls.map((call, i) => describe(module, `${fn} call ${i}`, call, pd + i * 64));
    const size = Math.max(first.inSize, ...steps.map((c) => c.outSize));
    pa = heap.alloc(size * 4);
    pb = heap.alloc(size * 4);
    ps = heap.alloc(Math.max(...scratch));
    if (o.inputScale !== undefined) pk = heap.alloc(c * 4);
    // A gate's means, reduced vector and factors; after them a GEMV's int8 row, scale, zero point and the
    // GEMM's block scratch.
    const gemvs = gates.flatMap((g) => g.fc.flatMap((f) => ("gemv" in f ? [f.gemv.packed] : [])));
    const rowBytes = Math.max(0, ...gemvs.map((w) => pad8(w.k) + 8 + qcwBlocks(w.k, w.blockSize) * 4));
    const gateBytes = Math.ceil(Math.max(0, ...gates.map((g) => 2 * g.c + g.fc[0].out)) / 16) * 64;
    if (gateBytes > 0) pg = heap.alloc(gateBytes + rowBytes);
    const run = (i: number, from: number, to: number) =>
      runCall(module, calls[i]!, pd + i * 64, from, to, ps, scratch[i]!);
    const gateConv = (f: GateConvRun, from: number, to: number) => {
      if ("call" in f) return run(f.call, from, to);
      const { packed: w, activation } = f.gemv, act = encodeActivation(activation), lda = pad8(w.k);
      const pq = pg + gateBytes, pscale = pq + lda, pzero = pscale + 4, pscr = pzero + 4;
      const ex = module.exports, name = `qd8-f32-qc${w.bits}w-gemm`;
      const where = () => `gate GEMV n=${w.n}, k=${w.k}, bits=${w.bits}, blockSize=${w.blockSize}`;
      module.check(ex.bl_qd8_quantize_rows(1, w.k, from, w.k, 1, pq, lda, pscale, pzero), name, where);
      const scratchBytes = qcwBlocks(w.k, w.blockSize) * 4;
      const status = ex.bl_qd8_f32_qcw_gemm(
        1,
        w.n,
        w.k,
        w.bits,
        w.blockSize,
        pq,
        lda,
        pscale,
        pzero,
        w.ptr,
        to,
        w.n,
        act.code,
        act.p0,
        act.p1,
        pscr,
        scratchBytes,
      );
      module.check(status, name, where);
    };
    for (let b = 0; b < batch; b++) {
      heap.f32(pa, first.inSize).set(x.subarray(b * first.inSize, (b + 1) * first.inSize));
      if (o.inputScale !== undefined) scaleImage(module, pa, c, o.height * o.width, o.inputScale, b, pk);
      let [px, py] = [pa, pb];
      for (const p of plan) {
        if (typeof p === "number") {
          run(p, px, py);
          [px, py] = [py, px];
          continue;
        }
        const [means, reduced, factors] = [pg, pg + p.c * 4, pg + (p.c + p.fc[0].out) * 4];
        const where = () => `gate of ${p.c} planes of ${p.plane} floats`;
        module.check(module.exports.bl_f32_global_avgpool(p.c, p.plane, px, means), "f32-global-avgpool", where);
        gateConv(p.fc[0], means, reduced);
        gateConv(p.fc[1], reduced, factors);
        module.check(module.exports.bl_f32_scale_planes(px, p.c, p.plane, factors), "f32-scale-planes", where);
      }
      out.set(heap.f32(px, last.outSize), b * last.outSize);
    }
  } finally {
    heap.free(pd);
    for (const p of [pa, pb, ps, pk, pg]) if (p !== 0) heap.free(p);
  }
  return { data: out, dims: [batch, last.oc, last.oh, last.ow], kernels: calls.map((c) => c.kernel) };
}
