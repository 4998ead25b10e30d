// A chain of fp32 convolutions run back to back in kernel memory: each step reads the previous one's output
// there, planned and run by the one-call code of _conv2d.ts, so only the chain's input and output are copied;
// a plan (the steps' descriptors written once) serves every run on one input size;
// squeeze-and-excitation gates between steps run there too (_conv2d_chain_gate.ts), and a residual is added
// to the last output there before it is copied out.
import type { KernelModule } from "./kernel_module.ts";
import { type Conv2dChainGate, gateBytes, type GateRun, planGate, runGate } from "./_conv2d_chain_gate.ts";
import { checkInputScale, scaleImage } from "./_input_scale.ts";
import { OwnedBlock } from "./_owned_block.ts";
import {
  type Conv2dF32Options,
  type ConvCall,
  describe,
  planCall,
  positiveInt,
  type PreparedConv2d,
  runCall,
} from "./_conv2d.ts";

export type { Conv2dChainGate, Conv2dChainGateConv, Conv2dChainGemv } from "./_conv2d_chain_gate.ts";

/**
 * One convolution of a chain ({@link Conv2dChainPlan}): its weights (input channels = the previous step's
 * outputs), geometry and activation.
 */
export interface Conv2dChainStep extends Pick<Conv2dF32Options, "strides" | "dilations" | "pads" | "activation"> {
  /** The step's weights. */
  conv: PreparedConv2d;
}

/** One entry of a chain: a convolution, or a gate after one. */
export type Conv2dChainEntry = Conv2dChainStep | Conv2dChainGate;

/** Options of a chain call (`Kernels.conv2dChainF32`): the chain input's size, and where its output goes. */
export interface Conv2dChainF32Options extends Conv2dChainShape {
  /** Where to write the last step's output; a new array when omitted. */
  out?: Float32Array;
  /** The first step's input scale, as {@link Conv2dF32Options.inputScale}. */
  inputScale?: Float32Array;
  /**
   * Added to the last step's output in kernel memory before the copy out (as long as the output: a
   * residual connection), one float32 add per value: the bits of an `Add` of the output and `residual`.
   */
  residual?: Float32Array;
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

/** The input size a chain is planned for. */
export interface Conv2dChainShape {
  /** Input height. */
  height: number;
  /** Input width. */
  width: number;
  /** Images per call (NCHW). @default 1 */
  batch?: number;
}

/**
 * A chain resolved for one input size: each step's call, its descriptor written once into kernel memory (this
 * block) with its scratch size, and the gates' plans. Reused by every run on that size
 * ({@link runConv2dChainF32}), so a run only copies and calls; `dispose()` frees the descriptors.
 */
export class Conv2dChainPlan extends OwnedBlock {
  /** Per entry: the index of its call (a convolution) or its planned gate. */
  readonly entries: ReadonlyArray<number | GateRun>;
  /** The calls: the steps and the gates' fp32 convs, descriptor `i` at `ptr + 64·i`. */
  readonly calls: readonly ConvCall[];
  /** Scratch bytes of each call. */
  readonly scratch: readonly number[];
  readonly first: ConvCall;
  readonly last: ConvCall;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** Floats of each ping-pong buffer: the largest image the chain holds. */
  readonly imageFloats: number;
  /** Kernel memory of the gates, in bytes. */
  readonly gateBytes: { vectors: number; total: number };

  constructor(
    module: KernelModule,
    names: readonly [string, string, string],
    entries: readonly Conv2dChainEntry[],
    o: Conv2dChainShape,
  ) {
    const fn = "conv2dChainF32";
    if (!entries.some((e) => !("gate" in e))) {
      throw new RangeError(`${fn}: the chain has no steps; give at least one convolution`);
    }
    const batch = o.batch ?? 1;
    positiveInt(batch, `${fn}: batch`);
    const calls: ConvCall[] = [];
    const plan: Array<number | GateRun> = [];
    let [height, width] = [o.height, o.width];
    /** The last convolution step planned (the image's current channels are its outputs). */
    let prev: ConvCall | undefined, prevIndex = -1;
    entries.forEach((entry, i) => {
      if ("gate" in entry) {
        if (!prev) throw new RangeError(`${fn}: entry ${i} is a gate before any convolution; start with one`);
        plan.push(planGate(module, fn, names, entry, i, prev.oc, height * width, calls));
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
    super(module, calls.length * 64);
    try {
      // Each call gets its own scratch size (as conv2dF32 gives it).
      this.scratch = calls.map((call, i) => describe(module, `${fn} call ${i}`, call, this.ptr + i * 64));
    } catch (e) {
      this.dispose();
      throw e;
    }
    const steps = plan.filter((p): p is number => typeof p === "number").map((p) => calls[p]!);
    [this.entries, this.calls, this.first, this.last] = [plan, calls, steps[0]!, steps[steps.length - 1]!];
    [this.batch, this.height, this.width] = [batch, o.height, o.width];
    this.imageFloats = Math.max(this.first.inSize, ...steps.map((c) => c.outSize));
    this.gateBytes = gateBytes(plan.filter((p): p is GateRun => typeof p !== "number"));
  }

  /** `[batch, oc, oh, ow]` of the last step's output. */
  get outDims(): [number, number, number, number] {
    return [this.batch, this.last.oc, this.last.oh, this.last.ow];
  }
}

/**
 * Runs a planned chain: per image, the input is copied in once, each step runs the kernel {@link conv2dF32}
 * would run (same choice, descriptor and scratch) between two ping-pong buffers, a gate scales the current
 * image in place ({@link Conv2dChainGate}), a residual is added, and only the last output is copied out, so the
 * result has the bits of the steps (and the Add) run one by one.
 */
export function runConv2dChainF32(
  module: KernelModule,
  chain: Conv2dChainPlan,
  x: Float32Array,
  o: Pick<Conv2dChainF32Options, "out" | "inputScale" | "residual"> = {},
): Conv2dChainResult {
  const fn = "conv2dChainF32";
  chain.assertOwner(module, `${fn}: plan`);
  const { batch, first, last, calls, scratch } = chain;
  if (x.length !== batch * first.inSize) {
    throw new RangeError(
      `${fn}: x has ${x.length} elements, expected ${batch}·${first.conv.inChannels}·${chain.height}·${chain.width}`,
    );
  }
  const out = o.out ?? new Float32Array(batch * last.outSize);
  if (out.length !== batch * last.outSize) {
    throw new RangeError(`${fn}: out has ${out.length} elements, expected ${batch * last.outSize}`);
  }
  const c = first.conv.inChannels;
  if (o.inputScale !== undefined) checkInputScale(fn, o.inputScale, batch, c);
  const residual = o.residual;
  if (residual !== undefined && residual.length !== out.length) {
    throw new RangeError(`${fn}: residual has ${residual.length} elements, expected ${out.length} (the output's)`);
  }
  const heap = module.heap;
  const pd = chain.ptr, gate = chain.gateBytes;
  let pa = 0, pb = 0, ps = 0, pk = 0, pg = 0;
  try {
    pa = heap.alloc(chain.imageFloats * 4);
    pb = heap.alloc(chain.imageFloats * 4);
    ps = heap.alloc(Math.max(...scratch));
    if (o.inputScale !== undefined) pk = heap.alloc(c * 4);
    if (gate.total > 0) pg = heap.alloc(gate.total);
    const run = (i: number, from: number, to: number) =>
      runCall(module, calls[i]!, pd + i * 64, from, to, ps, scratch[i]!);
    for (let b = 0; b < batch; b++) {
      heap.f32(pa, first.inSize).set(x.subarray(b * first.inSize, (b + 1) * first.inSize));
      if (o.inputScale !== undefined) scaleImage(module, pa, c, chain.height * chain.width, o.inputScale, b, pk);
      let [px, py] = [pa, pb];
      for (const p of chain.entries) {
        if (typeof p === "number") {
          run(p, px, py);
          [px, py] = [py, px];
          continue;
        }
        runGate(module, p, px, pg, gate.vectors, run);
      }
      const image = [b * last.outSize, (b + 1) * last.outSize] as const;
      if (residual !== undefined) {
        // The other ping-pong buffer is free now and holds at least one output.
        heap.f32(py, last.outSize).set(residual.subarray(...image));
        const status = module.exports.bl_f32_add_into(px, py, last.outSize);
        module.check(status, "f32-add", () => `${fn}: residual of ${last.outSize} floats`);
      }
      out.set(heap.f32(px, last.outSize), image[0]);
    }
  } finally {
    for (const p of [pa, pb, ps, pk, pg]) if (p !== 0) heap.free(p);
  }
  return { data: out, dims: chain.outDims, kernels: calls.map((c) => c.kernel) };
}
