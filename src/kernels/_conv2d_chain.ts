// A chain of fp32 convolutions run back to back in kernel memory: each step reads the previous one's output
// there, planned and run by the one-call code of _conv2d.ts, so only the chain's input and output are copied.
import type { KernelModule } from "./kernel_module.ts";
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
  gate: readonly [Conv2dChainStep, Conv2dChainStep];
}

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

/** A planned gate: its two calls (indices into the chain's calls), channels and plane size. */
interface GateRun {
  fc: readonly [number, number];
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
      const fc = entry.gate.map((step, j) => {
        step.conv.assertOwner(module, `${fn}: weights of gate ${i} conv ${j}`);
        const call = planCall(`${fn} gate ${i} conv ${j}`, names, step.conv, { ...step, height: 1, width: 1 });
        if (call.oh !== 1 || call.ow !== 1) {
          throw new RangeError(`${fn}: gate ${i} conv ${j} must keep one pixel (a 1×1 kernel without pads)`);
        }
        calls.push(call);
        return calls.length - 1;
      }) as [number, number];
      const [a, b] = [calls[fc[0]]!, calls[fc[1]]!];
      if (a.conv.inChannels !== prev.oc || b.conv.inChannels !== a.oc || b.oc !== prev.oc) {
        throw new RangeError(
          `${fn}: gate ${i} maps ${a.conv.inChannels} → ${a.oc} → ${b.conv.inChannels} → ${b.oc} channels after ` +
            `a step giving ${prev.oc}; a gate's convs go from the image's channels back to them`,
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
    // A gate's means, reduced vector and factors.
    const gateFloats = Math.max(0, ...gates.map((g) => 2 * g.c + calls[g.fc[0]]!.oc));
    if (gateFloats > 0) pg = heap.alloc(gateFloats * 4);
    const run = (i: number, from: number, to: number) =>
      runCall(module, calls[i]!, pd + i * 64, from, to, ps, scratch[i]!);
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
        const [means, reduced, factors] = [pg, pg + p.c * 4, pg + (p.c + calls[p.fc[0]]!.oc) * 4];
        const where = () => `gate of ${p.c} planes of ${p.plane} floats`;
        module.check(module.exports.bl_f32_global_avgpool(p.c, p.plane, px, means), "f32-global-avgpool", where);
        run(p.fc[0], means, reduced);
        run(p.fc[1], reduced, factors);
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
