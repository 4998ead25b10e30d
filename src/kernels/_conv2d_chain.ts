// A chain of fp32 convolutions run back to back in kernel memory: each step reads the previous one's output
// there, planned and run by the one-call code of _conv2d.ts, so only the chain's input and output are copied;
// a plan (the steps' descriptors written once) serves every run on one input size. Squeeze-and-excitation
// gates between steps run there too (_conv2d_chain_gate.ts), poolings may end the chain, and a residual is
// added to the output there before it is copied out.
import type { KernelModule } from "./kernel_module.ts";
import { type Conv2dChainGate, gateBytes, type GateRun, planGate, runGate } from "./_conv2d_chain_gate.ts";
import { checkInputScale, scaleImage } from "./_input_scale.ts";
import { OwnedBlock } from "./_owned_block.ts";
import { type Pool2dGeometry, type Pool2dKind, runGlobalAveragePool, runPool2d } from "./_pool.ts";
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

/**
 * A pooling after a chain's last convolution, run in kernel memory by the kernel the op alone runs: a 2-D
 * MaxPool or AveragePool (`geometry` for the whole batch, as `Kernels.pool2dF32` takes it), or a
 * GlobalAveragePool. Pools end a chain: no convolution or gate may follow one.
 */
export type Conv2dChainPool = { pool: Pool2dKind; geometry: Pool2dGeometry } | { globalAveragePool: true };

/** One entry of a chain: a convolution, a gate after one, or a pooling at the end. */
export type Conv2dChainEntry = Conv2dChainStep | Conv2dChainGate | Conv2dChainPool;

/** A planned pooling: per image, the 2-D kernel's geometry (`planes` = channels) or the global mean's. */
type PoolRun = { pool: Pool2dKind; g: Pool2dGeometry } | { means: { planes: number; plane: number } };

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
  /** The chain's output (the last step's, or its pooling's), NCHW. */
  data: Float32Array;
  /** `[batch, channels, height, width]` of the output. */
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
  /** Per entry: the index of its call (a convolution), its planned gate or its planned pooling. */
  readonly entries: ReadonlyArray<number | GateRun | PoolRun>;
  /** The calls: the steps and the gates' fp32 convs, descriptor `i` at `ptr + 64·i`. */
  readonly calls: readonly ConvCall[];
  /** Scratch bytes of each call. */
  readonly scratch: readonly number[];
  /** The first convolution: the chain's input is its input. */
  readonly first: ConvCall;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  /** `[batch, channels, height, width]` of the chain's output. */
  readonly outDims: [number, number, number, number];
  /** Floats of one image of the output. */
  readonly outSize: number;
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
    if (!entries.some((e) => "conv" in e)) {
      throw new RangeError(`${fn}: the chain has no steps; give at least one convolution`);
    }
    const batch = o.batch ?? 1;
    positiveInt(batch, `${fn}: batch`);
    const calls: ConvCall[] = [];
    const plan: Array<number | GateRun | PoolRun> = [];
    let [channels, height, width] = [0, o.height, o.width];
    const images = [0];
    /** The last convolution step planned (the image's current channels are its outputs). */
    let prev: ConvCall | undefined, prevIndex = -1, pooled = false;
    entries.forEach((entry, i) => {
      if (!("conv" in entry) && !prev) {
        const kind = "gate" in entry ? "gate" : "pooling";
        throw new RangeError(`${fn}: entry ${i} is a ${kind} before any convolution; start with one`);
      }
      if ("pool" in entry || "globalAveragePool" in entry) {
        plan.push(planPool(fn, entry, i, batch, channels, height, width));
        if ("pool" in entry) [height, width] = [entry.geometry.oh, entry.geometry.ow];
        else [height, width] = [1, 1];
        images.push(channels * height * width);
        pooled = true;
        return;
      }
      if (pooled) throw new RangeError(`${fn}: entry ${i} follows a pooling; pools end a chain`);
      if ("gate" in entry) {
        plan.push(planGate(module, fn, names, entry, i, prev!.oc, height * width, calls));
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
      [channels, height, width] = [call.oc, call.oh, call.ow];
      images.push(call.inSize, call.outSize);
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
    const first = calls[plan.find((p): p is number => typeof p === "number")!]!;
    [this.entries, this.calls, this.first] = [plan, calls, first];
    [this.batch, this.height, this.width] = [batch, o.height, o.width];
    this.outDims = [batch, channels, height, width];
    this.outSize = channels * height * width;
    this.imageFloats = Math.max(...images);
    this.gateBytes = gateBytes(plan.filter((p): p is GateRun => typeof p === "object" && "fc" in p));
  }
}

/** Checks a pooling entry against the image it gets (`channels × height × width` per image) and plans it. */
function planPool(
  fn: string,
  entry: Conv2dChainPool,
  i: number,
  batch: number,
  channels: number,
  height: number,
  width: number,
): PoolRun {
  if ("globalAveragePool" in entry) return { means: { planes: channels, plane: height * width } };
  const g = entry.geometry;
  if (g.planes !== batch * channels || g.h !== height || g.w !== width) {
    throw new RangeError(
      `${fn}: pooling ${i} is for ${g.planes} planes of ${g.h}×${g.w} but the chain gives ${batch}·${channels} of ` +
        `${height}×${width}; plan it from the chain's output`,
    );
  }
  return { pool: entry.pool, g: { ...g, planes: channels } };
}

/**
 * Runs a planned chain: per image, the input is copied in once, each step runs the kernel {@link conv2dF32}
 * would run (same choice, descriptor and scratch) between two ping-pong buffers, a gate scales the current
 * image in place ({@link Conv2dChainGate}), poolings run their ops' kernels, a residual is added, and only the
 * output is copied out, so the result has the bits of the steps (and the pools and the Add) run one by one.
 */
export function runConv2dChainF32(
  module: KernelModule,
  chain: Conv2dChainPlan,
  x: Float32Array,
  o: Pick<Conv2dChainF32Options, "out" | "inputScale" | "residual"> = {},
): Conv2dChainResult {
  const fn = "conv2dChainF32";
  chain.assertOwner(module, `${fn}: plan`);
  const { batch, first, outSize, calls, scratch } = chain;
  if (x.length !== batch * first.inSize) {
    throw new RangeError(
      `${fn}: x has ${x.length} elements, expected ${batch}·${first.conv.inChannels}·${chain.height}·${chain.width}`,
    );
  }
  const out = o.out ?? new Float32Array(batch * outSize);
  if (out.length !== batch * outSize) {
    throw new RangeError(`${fn}: out has ${out.length} elements, expected ${batch * outSize}`);
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
        // A gate scales the image in place; a conv or a pooling writes the other buffer.
        if (typeof p === "object" && "fc" in p) {
          runGate(module, p, px, pg, gate.vectors, run);
          continue;
        }
        if (typeof p === "number") run(p, px, py);
        else if ("pool" in p) {
          runPool2d(module, p.pool.op === "max" ? "f32-maxpool2d" : "f32-avgpool2d", p.pool, p.g, px, py);
        } else runGlobalAveragePool(module, "f32-global-avgpool", p.means.planes, p.means.plane, px, py);
        [px, py] = [py, px];
      }
      const image = [b * outSize, (b + 1) * outSize] as const;
      if (residual !== undefined) {
        // The other ping-pong buffer is free now and holds at least one output.
        heap.f32(py, outSize).set(residual.subarray(...image));
        const status = module.exports.bl_f32_add_into(px, py, outSize);
        module.check(status, "f32-add", () => `${fn}: residual of ${outSize} floats`);
      }
      out.set(heap.f32(px, outSize), image[0]);
    }
  } finally {
    for (const p of [pa, pb, ps, pk, pg]) if (p !== 0) heap.free(p);
  }
  return { data: out, dims: chain.outDims, kernels: calls.map((c) => c.kernel) };
}
