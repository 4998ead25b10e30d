// A squeeze-and-excitation gate inside a conv chain (_conv2d_chain.ts): the image so far multiplied, plane by
// plane, by `fc2(fc1(its plane means))` — GlobalAveragePool, two 1×1 convolutions on one pixel with their
// activations, and the Mul — in kernel memory, each the kernel the op alone runs, so the chain keeps the bits
// of the ops one by one (`bl_f32_global_avgpool`, the conv's or the qd8 GEMM's, `bl_f32_scale_planes`).
import { type Activation, encodeActivation } from "./activation.ts";
import type { KernelModule } from "./kernel_module.ts";
import { type ConvCall, planCall } from "./_conv2d.ts";
import type { Conv2dChainStep } from "./_conv2d_chain.ts";
import { type PackedQcw, pad8 } from "./_qd8_gemm.ts";
import { qcwBlocks } from "./ref/qd8_f32_qcw_gemm_ref.ts";

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

/** A squeeze-and-excitation gate between two convolutions of a chain. */
export interface Conv2dChainGate {
  /** The two 1×1 convolutions, channels → reduced → channels, with their activations. */
  gate: readonly [Conv2dChainGateConv, Conv2dChainGateConv];
}

/** A planned gate conv, `in` → `out` channels: an fp32 call (its index into the chain's calls) or a GEMV. */
type GateConvRun = ({ call: number } | { gemv: Conv2dChainGemv }) & { in: number; out: number };

/** A planned gate: its two convs, the image's channels and plane size. */
export interface GateRun {
  fc: readonly [GateConvRun, GateConvRun];
  c: number;
  plane: number;
}

/**
 * Plans gate `i` of a chain on an image of `c` channels of `plane` floats: its fp32 convs are planned on one
 * pixel and appended to `calls`. Throws RangeError when a conv does not keep one pixel or the channels do not
 * go from `c` back to `c`.
 */
export function planGate(
  module: KernelModule,
  fn: string,
  names: readonly [string, string, string],
  entry: Conv2dChainGate,
  i: number,
  c: number,
  plane: number,
  calls: ConvCall[],
): GateRun {
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
  if (a.in !== c || b.in !== a.out || b.out !== c) {
    throw new RangeError(
      `${fn}: gate ${i} maps ${a.in} → ${a.out} → ${b.in} → ${b.out} channels after a step giving ${c}; ` +
        `a gate's convs go from the image's channels back to them`,
    );
  }
  return { fc, c, plane };
}

/** Kernel memory one gate needs, in bytes: means, reduced vector and factors, then a GEMV's row and scratch. */
export function gateBytes(gates: readonly GateRun[]): { vectors: number; total: number } {
  const vectors = Math.ceil(Math.max(0, ...gates.map((g) => 2 * g.c + g.fc[0].out)) / 16) * 64;
  const gemvs = gates.flatMap((g) => g.fc.flatMap((f) => ("gemv" in f ? [f.gemv.packed] : [])));
  const row = Math.max(0, ...gemvs.map((w) => pad8(w.k) + 8 + qcwBlocks(w.k, w.blockSize) * 4));
  return { vectors, total: vectors + row };
}

/**
 * Runs gate `g` on the image at `px` in place; `pg` is {@link gateBytes} of kernel memory, `run(i, from, to)`
 * runs the chain's call `i`.
 */
export function runGate(
  module: KernelModule,
  g: GateRun,
  px: number,
  pg: number,
  vectors: number,
  run: (call: number, from: number, to: number) => void,
): void {
  const ex = module.exports;
  const [means, reduced, factors] = [pg, pg + g.c * 4, pg + (g.c + g.fc[0].out) * 4];
  const where = () => `gate of ${g.c} planes of ${g.plane} floats`;
  module.check(ex.bl_f32_global_avgpool(g.c, g.plane, px, means), "f32-global-avgpool", where);
  const conv = (f: GateConvRun, from: number, to: number) =>
    "call" in f ? run(f.call, from, to) : gemv(module, f.gemv, from, to, pg + vectors);
  conv(g.fc[0], means, reduced);
  conv(g.fc[1], reduced, factors);
  module.check(ex.bl_f32_scale_planes(px, g.c, g.plane, factors), "f32-scale-planes", where);
}

/** The qd8 GEMM of one row: `from` (`k` floats) quantized into `row`'s bytes, then `to` = `n` outputs. */
function gemv(module: KernelModule, v: Conv2dChainGemv, from: number, to: number, row: number): void {
  const { packed: w } = v, act = encodeActivation(v.activation), lda = pad8(w.k);
  const [scale, zero, scratch] = [row + lda, row + lda + 4, row + lda + 8];
  const ex = module.exports, name = `qd8-f32-qc${w.bits}w-gemm`;
  const where = () => `gate GEMV n=${w.n}, k=${w.k}, bits=${w.bits}, blockSize=${w.blockSize}`;
  module.check(ex.bl_qd8_quantize_rows(1, w.k, from, w.k, 1, row, lda, scale, zero), name, where);
  const scratchBytes = qcwBlocks(w.k, w.blockSize) * 4;
  const { code, p0, p1 } = act;
  const status = ex.bl_qd8_f32_qcw_gemm(
    1,
    w.n,
    w.k,
    w.bits,
    w.blockSize,
    row,
    lda,
    scale,
    zero,
    w.ptr,
    to,
    w.n,
    code,
    p0,
    p1,
    scratch,
    scratchBytes,
  );
  module.check(status, name, where);
}
