/**
 * Memory-low fast ops (MNN's Memory_Low): Conv (2-D, group 1), MatMul and Gemm whose weight is a
 * quantized record run `qd8F32QcwGemm` on the packed 2/4/8-bit codes: activations are quantized to
 * int8 per row at run time (asymmetric, one scale and zero point per row), dot products are int8 with
 * int32 accumulation. Conv runs in kernel memory (`Kernels.qd8Conv2d`: patch rows of one output pixel
 * each, quantized in bounded chunks, the GEMM, a transpose to NCHW); when the native library serves the
 * weights, the patch rows are built here and the GEMM runs natively.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import type { QuantizedTensor } from "../../graph/quantized_tensor.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Activation } from "../../kernels/activation.ts";
import { type Conv2dChainGemv, type Kernels, type PackedQcw, winogradChannelsPay } from "../../kernels/kernels.ts";
import { geometry3 } from "../ops/nn/conv.ts";
import { im2row, transposeColumns } from "../ops/nn/_conv_kernels.ts";
import { resolveWindow } from "../ops/nn/_window.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import type { Epilogue } from "./_fusion.ts";
import {
  type ConstantLookup,
  convCallGeometry,
  floatConstant,
  foldedBias,
  gemmPlan,
  matmulOutputDims,
  requireFloat,
  unpadded,
} from "./f32_fast_ops.ts";
import { deferredChannelScale } from "./f32_channel_scale.ts";
import { qcwFromQuantized } from "./qcw_weights.ts";

/** Int8 per-row quantization of activations: asymmetric (most inputs follow a ReLU-like activation). */
const ASYMMETRIC = true;

/**
 * A group-1 Conv whose reduction length `c·kh·kw` is below this runs in fp32 on its weight dequantized for
 * that layer only (tiny: at most `oc·63` floats). Measured under Deno, one thread, relaxed build, 4-bit
 * block-32 weights against the fp32 conv on the same shape: fp32/int8 time 0.47 at K = 27 (3→16 3×3
 * stride 2, 320²), 0.60 at K = 12 (12→96 1×1, 160²), 0.80 at K = 24, 0.92 at K = 48, 1.09 at K = 64
 * (64→128 1×1, 40²): patch rows this short leave the int8 GEMM nothing to win against their quantization.
 */
export const LOW_FP32_MAX_K = 63;

/**
 * A group-1 3×3 stride-1 undilated Conv with at most this many weights also runs in fp32 on its own weight
 * dequantized (at most 128 KiB of float32, plus its 16/9× Winograd-domain copy): there it takes Winograd
 * F(2×2, 3×3). Measured on PP-OCR det's neck (four 24×96×3×3 convs of 20 736 weights, outputs 80² … 10²),
 * whole det 4-bit block-32 low-mode run, both sessions in one process, 15 interleaved rounds under Deno:
 * 0.88× the time of im2row + the int8 GEMM (24 output channels leave the int8 GEMM little to win against
 * building and quantizing 864-long patch rows); det's extra memory ≈ 0.9 MB. The cap keeps models with many
 * large 3×3 convs (ResNets) on packed weights.
 */
export const LOW_FP32_WINOGRAD_MAX_WEIGHTS = 32_768;

/**
 * A group-1 Conv with at most this many output channels (and at most {@link LOW_FP32_SMALL_MAX_WEIGHTS}
 * weights) runs in fp32 on its own weight dequantized: the int8 path quantizes every K-long input row, and
 * with few outputs per row that costs more than the int8 dot products save. Measured under Deno, one
 * thread, relaxed build, 4-bit block-32 1×1 convs with ReLU against the fp32 conv on the same shape
 * (`qd8Conv2d` ÷ `conv2dF32`, K 88/200/480 × 192/960 pixels): 1.16–1.58 at 16 outputs, 0.96–1.23 at 32,
 * 0.78–0.98 at 48, 0.63–0.92 at 64. (On one pixel — a squeeze-and-excitation block's convs — fp32 also won
 * up to 96 outputs, 1.1–3.0; not taken: PP-OCR cls would then keep none of its weights packed.)
 */
export const LOW_FP32_MAX_OUT_CHANNELS = 32;

/** The weight cap of the output-channel rule: at most 128 KiB of float32 per layer. */
export const LOW_FP32_SMALL_MAX_WEIGHTS = 32_768;

/**
 * Why low mode runs this Conv weight (`[oc, c, kh, kw]`) in fp32 on its own dequantized copy, or undefined
 * when it stays packed on the int8 kernels: a tiny reduction length (≤ {@link LOW_FP32_MAX_K}), few output
 * channels (≤ {@link LOW_FP32_MAX_OUT_CHANNELS}) on a small weight, or a small 3×3 stride-1 weight Winograd
 * serves (≤ {@link LOW_FP32_WINOGRAD_MAX_WEIGHTS}).
 */
export function lowModeFp32Reason(dims: readonly number[], attrs: Attrs): string | undefined {
  if (dims.length !== 4 || attrs.int("group", 1) !== 1) return undefined;
  const [oc, c, kh, kw] = dims as [number, number, number, number];
  if (c * kh * kw <= LOW_FP32_MAX_K) return `reduction length ${c * kh * kw} ≤ ${LOW_FP32_MAX_K}: fp32 is faster`;
  if (oc <= LOW_FP32_MAX_OUT_CHANNELS && oc * c * kh * kw <= LOW_FP32_SMALL_MAX_WEIGHTS) {
    return `${oc} output channels ≤ ${LOW_FP32_MAX_OUT_CHANNELS}: fp32 is faster`;
  }
  const unit = (name: string) => attrs.ints(name, [1, 1]).every((v) => v === 1);
  if (
    kh === 3 && kw === 3 && unit("strides") && unit("dilations") && oc * c * 9 <= LOW_FP32_WINOGRAD_MAX_WEIGHTS &&
    winogradChannelsPay(c, oc)
  ) {
    return `3×3 stride-1 weight of ${oc * c * 9} ≤ ${LOW_FP32_WINOGRAD_MAX_WEIGHTS}: fp32 Winograd is faster`;
  }
  return undefined;
}

/** Patch floats per GEMM call of a Conv (512 KiB of float32: bounded transient memory in low mode). */
const PATCH_CHUNK_FLOATS = 1 << 17;

/**
 * Runs the qd8 GEMM on float rows, quantized in kernel memory (`bl_qd8_quantize_rows` writes zeros past
 * `k` up to the padded row length, so any `k` goes this way, with no quantized copy made in JS).
 */
function qd8Gemm(
  kernels: Kernels,
  a: Float32Array,
  packed: PackedQcw,
  activation: Activation,
  out?: Float32Array,
): Float32Array {
  const o = out === undefined ? {} : { out };
  return kernels.qd8F32QcwGemm(a, packed, { asymmetric: ASYMMETRIC, activation, ...o });
}

let patchScratch = new Float32Array(0);
let gemmScratch = new Float32Array(0);

/** Reusable float32 scratch (kernels never run re-entrantly): less garbage, lower peak memory. */
function scratch(which: "patch" | "gemm", n: number): Float32Array {
  if (which === "patch") {
    if (patchScratch.length < n) patchScratch = new Float32Array(n);
    return patchScratch.subarray(0, n);
  }
  if (gemmScratch.length < n) gemmScratch = new Float32Array(n);
  return gemmScratch.subarray(0, n);
}

/** Names the kernel `session.kernels` reports for the low-mode Convs {@link lowModeFp32Reason} sends to fp32. */
export const LOW_MODE_FP32_LABEL = "f32-conv2d-low-mode-fp32";

/** Marks the reason {@link qd8ConvOp} gives for a Conv it leaves to fp32 ({@link lowModeFp32Reason}). */
export const SMALL_K_REASON = "weight dequantized for this layer only";

/**
 * A packed low-mode op (`gemv`: a 1×1 unpadded Conv's weights the wasm GEMM serves, which a conv chain may
 * run inside a squeeze-and-excitation block), or why the node keeps a dequantized weight.
 */
export type LowOp = { def: OpDefinition; weight: string; gemv?: Conv2dChainGemv } | string;

/** Conv (2-D, group 1) whose weight `q` is quantized, on im2row + the qd8 GEMM. */
export function qd8ConvOp(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  def: OpDefinition,
  q: QuantizedTensor,
  epi: Epilogue,
): LowOp {
  const activation = epi.activation;
  const attrs = new Attrs(node.attributes);
  if (attrs.int("group", 1) !== 1) return "grouped conv (its small weight is dequantized)";
  if (q.dims.length !== 4) return `conv weight [${q.dims}] is not 2-D`;
  const fp32 = lowModeFp32Reason(q.dims, attrs);
  if (fp32 !== undefined) return `${fp32} (${SMALL_K_REASON})`;
  const b = node.inputs[2] ? floatConstant(constants, node.inputs[2]) : undefined;
  if (node.inputs[2] && !b) return "bias is not a float32 constant";
  const w = qcwFromQuantized(q, "conv", foldedBias(b?.data as Float32Array | undefined, q.dims[0]!, epi), epi.scale);
  if (typeof w === "string") return w;
  const packed = kernels.packQcw(w);
  const [oc, c, kh, kw] = q.dims as [number, number, number, number];
  const k = c * kh * kw;
  const gemv = k === c && unpadded(attrs) && !kernels.nativeTakes(packed) ? { packed, activation } : undefined;
  return {
    weight: node.inputs[1]!,
    ...(gemv ? { gemv } : {}),
    def: {
      ...def,
      run: ([xIn]) => {
        const x = requireFloat("Conv", xIn, 4);
        if (x.dims[1] !== c) throw new RangeError(`Conv: X [${x.dims}] does not have the ${c} channels W has`);
        const gate = deferredChannelScale(x);
        const cg = convCallGeometry(x, [kh, kw], attrs);
        const [batch, , height, width] = x.dims as [number, number, number, number];
        if (height * width === 1 && k === c && cg.pads.every((p) => p === 0)) {
          // One pixel per image (a squeeze-and-excitation block's convs): the images are the GEMM's rows as
          // they are (0.4-0.5× the time of the conv binding's patch rows and transpose; the same bits).
          const rows = gate ? scaledPlanes(x.data as Float32Array, gate.scale, 1) : x.data as Float32Array;
          const out = allocateForOverwrite("float32", batch * oc) as Float32Array;
          return [new Tensor("float32", qd8Gemm(kernels, rows, packed, activation, out), [batch, oc, 1, 1])];
        }
        if (!kernels.nativeTakes(packed)) {
          const r = kernels.qd8Conv2d(x.data as Float32Array, packed, {
            channels: c,
            height,
            width,
            kernel: [kh, kw],
            batch,
            strides: cg.strides,
            dilations: cg.dilations,
            pads: cg.pads,
            asymmetric: ASYMMETRIC,
            activation,
            out: allocateForOverwrite("float32", batch * oc * cg.outShape[0]! * cg.outShape[1]!) as Float32Array,
            ...(gate ? { inputScale: gate.scale } : {}),
          });
          return [new Tensor("float32", r.data, r.dims)];
        }
        const win = resolveWindow(x.dims.slice(2), [kh, kw], attrs);
        const g = geometry3(x.dims.slice(2), win);
        const inPlane = g.inH * g.inW, outPlane = g.outH * g.outW;
        const out = allocateForOverwrite("float32", batch * oc * outPlane) as Float32Array;
        const pointwise = kh === 1 && kw === 1 && win.strides.every((s) => s === 1) &&
          win.padsBegin.every((p) => p === 0) && win.padsEnd.every((p) => p === 0);
        const chunk = Math.max(1, Math.min(outPlane, Math.floor(PATCH_CHUNK_FLOATS / k)));
        const patches = scratch("patch", chunk * k);
        const xd = gate ? scaledPlanes(x.data as Float32Array, gate.scale, inPlane) : x.data as Float32Array;
        for (let n = 0; n < batch; n++) {
          for (let first = 0; first < outPlane; first += chunk) {
            const end = Math.min(outPlane, first + chunk);
            const rows = patches.subarray(0, (end - first) * k);
            if (pointwise) transposeColumns(xd, n * c * inPlane, c, inPlane, first, end, rows);
            else im2row(xd, n * c * inPlane, c, g, first, end, rows);
            const y = qd8Gemm(kernels, rows, packed, activation, scratch("gemm", (end - first) * oc));
            scatterColumns(y, end - first, oc, out, n * oc * outPlane + first, outPlane);
          }
        }
        return [new Tensor("float32", out, [batch, oc, ...win.outShape])];
      },
    },
  };
}

/** `x` with each plane of `plane` floats multiplied by its factor (float32, as the SE-gate Mul it stands for). */
function scaledPlanes(x: Float32Array, scale: Float32Array, plane: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let p = 0; p < scale.length; p++) {
    const f = scale[p]!;
    for (let i = p * plane, end = i + plane; i < end; i++) y[i] = x[i]! * f;
  }
  return y;
}

/** Writes `y` (`rows × cols`, row-major) transposed into `out` at `offset` with row stride `ld`. */
function scatterColumns(y: Float32Array, rows: number, cols: number, out: Float32Array, offset: number, ld: number) {
  for (let j = 0; j < cols; j++) {
    const dst = offset + j * ld;
    for (let i = 0, s = j; i < rows; i++, s += cols) out[dst + i] = y[s]!;
  }
}

/** MatMul (rank-2 B) or Gemm (transA = 0, alpha = 1) whose B `q` is quantized, on the qd8 GEMM. */
export function qd8GemmOp(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  def: OpDefinition,
  q: QuantizedTensor,
  epi: Epilogue,
): LowOp {
  const activation = epi.activation;
  if (q.dims.length !== 2) return `weight [${q.dims}] is not a matrix`;
  const plan = gemmPlan(constants, node, q.dims as [number, number]);
  if (!plan) return "Gemm attributes or C this path does not take";
  const bias = foldedBias(plan.bias, plan.n, epi);
  const w = qcwFromQuantized(q, plan.transB ? "matmul_nk" : "matmul_kn", bias, epi.scale);
  if (typeof w === "string") return w;
  const packed: PackedQcw = kernels.packQcw(w);
  return {
    weight: node.inputs[1]!,
    def: {
      ...def,
      run: ([aIn]) => {
        const a = requireFloat(node.op, aIn, node.op === "Gemm" ? 2 : undefined);
        const dims = matmulOutputDims(node.op, a, plan.k, plan.n);
        if (a.data.length === 0) return [new Tensor("float32", new Float32Array(0), dims)];
        // Into the run's buffer pool (`allocate`): a new array per run would be garbage the engine collects late.
        const out = allocateForOverwrite("float32", (a.data.length / plan.k) * plan.n) as Float32Array;
        const y = qd8Gemm(kernels, a.data as Float32Array, packed, activation, out);
        return [new Tensor("float32", y, dims)];
      },
    },
  };
}
