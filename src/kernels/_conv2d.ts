// fp32 convolution bindings: weights copied into kernel memory once (subnormals stored as zero), then per
// call im2col+GEMM (a 1×1 stride-1 unpadded conv skips im2col: its input planes are copied into packed
// panels per chunk, or read in place when shallow or one pixel — a matrix-vector product), the direct depthwise
// kernel (chosen when group == channels == output channels) or, for group-1 3×3 stride-1 undilated convs
// where the crossover rule says it pays, Winograd F(2×2, 3×3) (_winograd.ts). A chain of convs runs with its
// intermediates in kernel memory (_conv2d_chain.ts), each step planned and run by this file's code for one call.
import { type Activation, encodeActivation } from "./activation.ts";
import type { KernelModule } from "./kernel_module.ts";
import { flushSubnormals } from "./_flush_subnormals.ts";
import { OwnedBlock } from "./_owned_block.ts";
import { checkInputScale, scaleImage } from "./_input_scale.ts";
import { conv2dOutputSize } from "./ref/f32_conv2d_ref.ts";
import {
  type PreparedWinograd,
  prepareWinogradF32,
  winogradChannelsPay,
  winogradGeometry,
  winogradPays,
  winogradScratchBytes,
} from "./_winograd.ts";

/** Shape of the weights given to {@link prepareConv2dF32}. */
export interface PrepareConv2dOptions {
  /** Output channels. */
  outChannels: number;
  /** Input channels (of the whole input, all groups). */
  inChannels: number;
  /** Kernel `[kh, kw]`. */
  kernel: readonly [number, number];
  /** Groups. @default 1 */
  group?: number;
  /** Per-output-channel bias. */
  bias?: Float32Array;
  /**
   * Also transform group-1 3×3 weights for Winograd F(2×2, 3×3) (when the channel counts pass the
   * crossover rule), so stride-1 undilated calls can take it. @default true
   */
  winograd?: boolean;
}

/** Options of one convolution call. */
export interface Conv2dF32Options {
  /** Input height. */
  height: number;
  /** Input width. */
  width: number;
  /** Images in `x` (NCHW). @default 1 */
  batch?: number;
  /** `[sh, sw]`. @default [1, 1] */
  strides?: readonly [number, number];
  /** `[dh, dw]`. @default [1, 1] */
  dilations?: readonly [number, number];
  /** `[top, left, bottom, right]`. @default [0, 0, 0, 0] */
  pads?: readonly [number, number, number, number];
  /** Fused activation. @default "none" */
  activation?: Activation;
  /** Where to write the output; a new array when omitted. */
  out?: Float32Array;
  /**
   * `[kh, kw]` of a ConvTranspose with disjoint windows (stride = kernel, no pads or dilation) whose
   * `Wᵀ·X` this conv computes: the output channels `(o, a, e)` are scattered in kernel memory (col2im, a
   * permutation) into `[oc / (kh·kw)][oh·kh][ow·kw]` before the copy out.
   */
  col2im?: readonly [number, number];
  /**
   * One factor per image and input channel (`batch · inChannels`, image-major) the input is multiplied by
   * in kernel memory before the conv: the values of a float32 `Mul(x, s)` feeding it (`_input_scale.ts`).
   */
  inputScale?: Float32Array;
}

/** The result of a convolution. */
export interface Conv2dResult {
  /** Output, NCHW. */
  data: Float32Array;
  /** `[batch, oc, oh, ow]`. */
  dims: [number, number, number, number];
  /** Name of the kernel that ran. */
  kernel: string;
}

/** Conv weights and bias in a kernel instance's memory. Free with dispose(). */
export class PreparedConv2d extends OwnedBlock {
  /** Output channels. */
  readonly outChannels: number;
  /** Input channels. */
  readonly inChannels: number;
  /** `[kh, kw]`. */
  readonly kernel: readonly [number, number];
  /** Groups. */
  readonly group: number;
  /** Whether a bias is stored after the weights. */
  readonly hasBias: boolean;
  /** The Winograd-domain weights, when prepared (group-1 3×3 convs the crossover rule accepts). */
  winograd: PreparedWinograd | undefined;

  constructor(module: KernelModule, o: PrepareConv2dOptions, weightCount: number) {
    super(module, (weightCount + (o.bias === undefined ? 0 : o.outChannels)) * 4);
    this.outChannels = o.outChannels;
    this.inChannels = o.inChannels;
    this.kernel = [o.kernel[0], o.kernel[1]];
    this.group = o.group ?? 1;
    this.hasBias = o.bias !== undefined;
    this.winograd = undefined;
  }

  /** Frees the weights and the Winograd-domain weights (idempotent). */
  override dispose(): void {
    this.winograd?.dispose();
    super.dispose();
  }

  /** True when the depthwise kernel applies. */
  get depthwise(): boolean {
    return this.group === this.inChannels && this.group === this.outChannels;
  }
}

/** Throws a RangeError unless `v` is a positive integer. */
export function positiveInt(v: number, what: string): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${what} must be a positive integer, got ${v}`);
}

/**
 * Copies conv weights (`[oc][c/group][kh][kw]`) and bias into `module`'s memory; subnormal weights are
 * stored as zero (see `_flush_subnormals.ts`: they cost x86 a microcode assist per multiply).
 */
export function prepareConv2dF32(module: KernelModule, weights: Float32Array, o: PrepareConv2dOptions): PreparedConv2d {
  const group = o.group ?? 1;
  for (
    const [v, what] of [[o.outChannels, "outChannels"], [o.inChannels, "inChannels"], [o.kernel[0], "kernel[0]"], [
      o.kernel[1],
      "kernel[1]",
    ], [group, "group"]] as const
  ) positiveInt(v, `prepareConv2dF32: ${what}`);
  if (o.inChannels % group !== 0 || o.outChannels % group !== 0) {
    throw new RangeError(`prepareConv2dF32: group ${group} must divide ${o.inChannels} and ${o.outChannels} channels`);
  }
  const count = o.outChannels * (o.inChannels / group) * o.kernel[0] * o.kernel[1];
  if (weights.length !== count) {
    throw new RangeError(`prepareConv2dF32: weights have ${weights.length} elements, expected ${count}`);
  }
  if (o.bias !== undefined && o.bias.length !== o.outChannels) {
    throw new RangeError(`prepareConv2dF32: bias has ${o.bias.length} elements, expected ${o.outChannels}`);
  }
  const prepared = new PreparedConv2d(module, o, count);
  const stored = module.heap.f32(prepared.ptr, count);
  stored.set(weights);
  flushSubnormals(stored);
  if (o.bias !== undefined) module.heap.f32(prepared.ptr + count * 4, o.outChannels).set(o.bias);
  const [kh, kw] = o.kernel;
  if (
    (o.winograd ?? true) && group === 1 && kh === 3 && kw === 3 &&
    winogradChannelsPay(o.inChannels, o.outChannels)
  ) {
    prepared.winograd = prepareWinogradF32(module, prepared.ptr, o.outChannels, o.inChannels);
  }
  return prepared;
}

/** Target scratch for the im2col panels of one chunk of pixels (stays in L2). */
const CONV_SCRATCH_TARGET = 512 * 1024;

/** Geometry of one call (the {@link Conv2dF32Options} fields a chain step shares). */
type CallGeometry = Pick<Conv2dF32Options, "height" | "width" | "strides" | "dilations" | "pads" | "activation">;

/** One conv call resolved against its weights: descriptor, sizes, and the kernel that runs it. */
export interface ConvCall {
  conv: PreparedConv2d;
  /** The 15 u32 of the kernels' descriptor: c, h, w, oc, group, kh, kw, sh, sw, dh, dw, pad top, pad left, oh, ow. */
  desc: number[];
  inSize: number;
  outSize: number;
  oc: number;
  oh: number;
  ow: number;
  depthwise: boolean;
  winograd: boolean;
  /** Name of the kernel that runs it. */
  kernel: string;
  act: ReturnType<typeof encodeActivation>;
}

/** Resolves and checks one call of `conv` (`fn` names the caller in messages). */
export function planCall(
  fn: string,
  names: readonly [string, string, string],
  conv: PreparedConv2d,
  o: CallGeometry,
): ConvCall {
  positiveInt(o.height, `${fn}: height`);
  positiveInt(o.width, `${fn}: width`);
  const { inChannels: c, outChannels: oc, group } = conv;
  const [kh, kw] = conv.kernel;
  const [sh, sw] = o.strides ?? [1, 1];
  const [dh, dw] = o.dilations ?? [1, 1];
  const pads = o.pads ?? [0, 0, 0, 0];
  let oh: number, ow: number;
  try {
    [oh, ow] = conv2dOutputSize({
      c,
      h: o.height,
      w: o.width,
      oc,
      kh,
      kw,
      group,
      strides: [sh, sw],
      dilations: [dh, dw],
      pads,
    });
  } catch (cause) {
    throw new RangeError(
      `${fn}: a ${kh}×${kw} kernel over a ${o.height}×${o.width} input (strides ${sh}×${sw}, dilations ${dh}×${dw}, ` +
        `pads ${pads.join(",")}) gives an empty output; give a larger input or smaller strides, dilations or kernel`,
      { cause },
    );
  }
  const depthwise = conv.depthwise;
  const winograd = conv.winograd !== undefined && winogradGeometry([sh, sw], [dh, dw]) &&
    winogradPays(c, oc, oh, ow);
  return {
    conv,
    desc: [c, o.height, o.width, oc, group, kh, kw, sh, sw, dh, dw, pads[0], pads[1], oh, ow],
    inSize: c * o.height * o.width,
    outSize: oc * oh * ow,
    oc,
    oh,
    ow,
    depthwise,
    winograd,
    kernel: depthwise ? names[1] : winograd ? names[2] : names[0],
    act: encodeActivation(o.activation),
  };
}

/** Writes `call`'s descriptor at `pd` and returns the scratch bytes it needs (throws on a geometry no kernel takes). */
export function describe(module: KernelModule, fn: string, call: ConvCall, pd: number): number {
  const ex = module.exports;
  module.heap.u32(pd, 15).set(call.desc);
  let scratch: number;
  if (call.depthwise) scratch = ex.bl_f32_dwconv2d_scratch(pd) >>> 0;
  else if (call.winograd) scratch = winogradScratchBytes(module, pd, call.oh);
  else {
    const min = ex.bl_f32_conv2d_scratch_min(pd) >>> 0;
    const panels = Math.ceil((call.oh * call.ow) / 8);
    scratch = min === 0 ? 0 : Math.min(panels, Math.max(1, Math.floor(CONV_SCRATCH_TARGET / min))) * min;
  }
  if (scratch === 0) {
    const [c, h, w, oc, group] = call.desc;
    throw new RangeError(`${fn}: invalid geometry c=${c} ${h}×${w} → ${oc}×${call.oh}×${call.ow}, group ${group}`);
  }
  return scratch;
}

/**
 * Runs `call` on kernel memory: input at `px`, output to `py`, descriptor (written by {@link describe}) at
 * `pd`, `scratch` bytes at `ps`.
 */
export function runCall(
  module: KernelModule,
  call: ConvCall,
  pd: number,
  px: number,
  py: number,
  ps: number,
  scratch: number,
) {
  const ex = module.exports;
  const { conv, oc, act } = call;
  const [c, , , , group, kh, kw] = call.desc as [number, number, number, number, number, number, number];
  const pbias = conv.hasBias ? conv.ptr + (oc * (c / group) * kh * kw) * 4 : 0;
  const pw = call.winograd ? conv.winograd!.ptr : conv.ptr;
  const run = call.depthwise ? ex.bl_f32_dwconv2d : call.winograd ? ex.bl_f32_conv2d_winograd : ex.bl_f32_conv2d;
  const status = run(pd, px, pw, pbias, py, act.code, act.p0, act.p1, ps, scratch);
  module.check(status, call.kernel, () => {
    const [, h, w] = call.desc;
    return `c=${c}, ${h}×${w}, oc=${oc}, k=${kh}×${kw}, group=${group}`;
  });
}

/** Runs the convolution; `names` gives the kernel names `[im2col+gemm, depthwise, winograd]` for reporting. */
export function conv2dF32(
  module: KernelModule,
  names: readonly [string, string, string],
  x: Float32Array,
  conv: PreparedConv2d,
  o: Conv2dF32Options,
): Conv2dResult {
  conv.assertOwner(module, "conv2dF32: weights");
  const batch = o.batch ?? 1;
  positiveInt(batch, "conv2dF32: batch");
  const call = planCall("conv2dF32", names, conv, o);
  const { inSize, outSize, oc, oh, ow } = call;
  if (x.length !== batch * inSize) {
    throw new RangeError(
      `conv2dF32: x has ${x.length} elements, expected ${batch}·${conv.inChannels}·${o.height}·${o.width}`,
    );
  }
  const out = o.out ?? new Float32Array(batch * outSize);
  if (out.length !== batch * outSize) {
    throw new RangeError(`conv2dF32: out has ${out.length} elements, expected ${batch * outSize}`);
  }
  const [ka, ke] = o.col2im ?? [1, 1];
  if (o.col2im !== undefined) {
    positiveInt(ka, "conv2dF32: col2im[0]");
    positiveInt(ke, "conv2dF32: col2im[1]");
    if (oc % (ka * ke) !== 0) {
      throw new RangeError(`conv2dF32: col2im ${ka}×${ke} needs output channels divisible by ${ka * ke}, got ${oc}`);
    }
  }
  const c = conv.inChannels;
  if (o.inputScale !== undefined) checkInputScale("conv2dF32", o.inputScale, batch, c);
  const heap = module.heap;
  const pd = heap.alloc(15 * 4);
  let px = 0, py = 0, ps = 0, pz = 0, pk = 0;
  try {
    const scratch = describe(module, "conv2dF32", call, pd);
    px = heap.alloc(inSize * 4);
    py = heap.alloc(outSize * 4);
    ps = heap.alloc(scratch);
    if (o.col2im !== undefined) pz = heap.alloc(outSize * 4);
    if (o.inputScale !== undefined) pk = heap.alloc(c * 4);
    for (let b = 0; b < batch; b++) {
      heap.f32(px, inSize).set(x.subarray(b * inSize, (b + 1) * inSize));
      if (o.inputScale !== undefined) scaleImage(module, px, c, o.height * o.width, o.inputScale, b, pk);
      runCall(module, call, pd, px, py, ps, scratch);
      if (pz !== 0) {
        const s = module.exports.bl_f32_col2im_disjoint(py, pz, oc / (ka * ke), ka, ke, oh, ow);
        module.check(s, call.kernel, () => `col2im ${ka}×${ke} of ${oc} channels ${oh}×${ow}`);
      }
      out.set(heap.f32(pz === 0 ? py : pz, outSize), b * outSize);
    }
  } finally {
    heap.free(pd);
    for (const p of [px, py, ps, pz, pk]) if (p !== 0) heap.free(p);
  }
  return { data: out, dims: [batch, oc / (ka * ke), oh * ka, ow * ke], kernel: call.kernel };
}
