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

/**
 * Runs convolutions back to back, each reading the previous one's output, with the intermediates kept in
 * kernel memory: per image, the input is copied in once, each step runs the kernel {@link conv2dF32} would
 * run (same choice, descriptor and scratch) between two ping-pong buffers, and only the last output is
 * copied out, so the result has the bits of the steps run one by one.
 */
export function conv2dChainF32(
  module: KernelModule,
  names: readonly [string, string, string],
  x: Float32Array,
  steps: readonly Conv2dChainStep[],
  o: Conv2dChainF32Options,
): Conv2dChainResult {
  const fn = "conv2dChainF32";
  if (steps.length === 0) throw new RangeError(`${fn}: the chain has no steps; give at least one convolution`);
  const batch = o.batch ?? 1;
  positiveInt(batch, `${fn}: batch`);
  const calls: ConvCall[] = [];
  let [height, width] = [o.height, o.width];
  steps.forEach((step, i) => {
    step.conv.assertOwner(module, `${fn}: weights of step ${i}`);
    const prev = calls[i - 1];
    if (prev && step.conv.inChannels !== prev.oc) {
      throw new RangeError(
        `${fn}: step ${i} takes ${step.conv.inChannels} input channels but step ${i - 1} gives ${prev.oc}; ` +
          `chain only convolutions whose channels match`,
      );
    }
    const call = planCall(`${fn} step ${i}`, names, step.conv, { ...step, height, width });
    calls.push(call);
    [height, width] = [call.oh, call.ow];
  });
  const first = calls[0]!, last = calls[calls.length - 1]!;
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
  const heap = module.heap;
  const pd = heap.alloc(calls.length * 64);
  let pa = 0, pb = 0, ps = 0, pk = 0;
  try {
    // Each step gets its own scratch size (as conv2dF32 gives it), in one block big enough for all.
    const scratch = calls.map((call, i) => describe(module, `${fn} step ${i}`, call, pd + i * 64));
    const size = Math.max(first.inSize, ...calls.map((c) => c.outSize));
    pa = heap.alloc(size * 4);
    pb = heap.alloc(size * 4);
    ps = heap.alloc(Math.max(...scratch));
    if (o.inputScale !== undefined) pk = heap.alloc(c * 4);
    for (let b = 0; b < batch; b++) {
      heap.f32(pa, first.inSize).set(x.subarray(b * first.inSize, (b + 1) * first.inSize));
      if (o.inputScale !== undefined) scaleImage(module, pa, c, o.height * o.width, o.inputScale, b, pk);
      let [px, py] = [pa, pb];
      calls.forEach((call, i) => {
        runCall(module, call, pd + i * 64, px, py, ps, scratch[i]!);
        [px, py] = [py, px];
      });
      out.set(heap.f32(px, last.outSize), b * last.outSize);
    }
  } finally {
    heap.free(pd);
    for (const p of [pa, pb, ps, pk]) if (p !== 0) heap.free(p);
  }
  return { data: out, dims: [batch, last.oc, last.oh, last.ow], kernels: calls.map((c) => c.kernel) };
}
