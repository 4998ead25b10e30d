/**
 * ConvTranspose (2-D, group 1, explicit pads, no `output_shape`/`auto_pad`) with constant float32
 * weights as a 1×1 convolution on the wasm conv kernel: `cols = Wᵀ·X` (one row of input pixels per
 * `(oc, ky, kx)`, W transposed and packed once), then col2im into the output. A per-channel epilogue
 * after it (`Add`/`Mul` by per-channel constants, BatchNormalization; `_channel_epilogue.ts`) folds into
 * the weights and bias. When the kernel windows do not overlap (stride = kernel, no pads, no dilation or
 * output padding, as in DBNet's upsampling head) col2im is a permutation, done in kernel memory
 * (`bl_f32_col2im_disjoint`), and the bias and a following activation run fused in the conv kernel too. Other forms keep the reference kernel.
 * @module
 */
import { allocateForOverwrite } from "../../graph/dtype.ts";
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import type { ChannelEpilogue } from "./_channel_epilogue.ts";
import { type ConstantLookup, floatConstant, requireFloat } from "./f32_fast_ops.ts";

let colsScratch = new Float32Array(0);

/** A reusable buffer for the `cols` of one call (kernels never run re-entrantly). */
function colsBuffer(n: number): Float32Array {
  if (colsScratch.length < n) colsScratch = new Float32Array(n);
  return colsScratch.subarray(0, n);
}

/** The ConvTranspose geometry a fast op supports, or undefined. */
export function convTransposeGeometry(constants: ConstantLookup, node: Node) {
  const attrs = new Attrs(node.attributes);
  const w = floatConstant(constants, node.inputs[1]);
  const b = node.inputs[2] ? floatConstant(constants, node.inputs[2]) : undefined;
  if (!w || w.dims.length !== 4 || (node.inputs[2] && !b)) return undefined;
  if (attrs.int("group", 1) !== 1 || attrs.has("output_shape")) return undefined;
  if (attrs.string("auto_pad", "NOTSET") !== "NOTSET") return undefined;
  const [c, oc, kh, kw] = w.dims as [number, number, number, number];
  const [sh, sw] = attrs.ints("strides", [1, 1]) as [number, number];
  const [dh, dw] = attrs.ints("dilations", [1, 1]) as [number, number];
  const [pt, pl, pb, pr] = attrs.ints("pads", [0, 0, 0, 0]) as [number, number, number, number];
  const [oph, opw] = attrs.ints("output_padding", [0, 0]) as [number, number];
  const declared = attrs.ints("kernel_shape");
  if (declared && declared.join() !== [kh, kw].join()) return undefined;
  if ([sh, sw, dh, dw, pt, pl, pb, pr, oph, opw].some((v) => v === undefined)) return undefined;
  const disjoint = sh === kh && sw === kw && dh === 1 && dw === 1 && pt + pl + pb + pr + oph + opw === 0;
  return { w, b, c, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oph, opw, disjoint };
}

/**
 * The fast ConvTranspose for `node`, or undefined when it does not fit. `epi` (optional) is the
 * per-channel epilogue to fold in; its activation must be `"none"` unless the windows are disjoint.
 */
export function f32ConvTransposeOp(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  def: OpDefinition,
  epi?: ChannelEpilogue,
): OpDefinition | undefined {
  const g = convTransposeGeometry(constants, node);
  if (!g) return undefined;
  const { c, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oph, opw, disjoint } = g;
  if (epi && epi.activation !== "none" && !disjoint) return undefined;
  const taps = kh * kw, rows = oc * taps;
  const wd = g.w.data as Float32Array, bd = g.b?.data as Float32Array | undefined;
  // Wᵀ: row (o, ky, kx) holds the c input-channel weights, scaled by the epilogue's channel scale.
  const wt = new Float32Array(rows * c);
  for (let ci = 0; ci < c; ci++) {
    for (let r = 0; r < rows; r++) wt[r * c + ci] = wd[ci * rows + r]! * (epi ? epi.scale[Math.floor(r / taps)]! : 1);
  }
  const bias = new Float32Array(oc);
  for (let o = 0; o < oc; o++) bias[o] = (bd ? bd[o]! : 0) * (epi ? epi.scale[o]! : 1) + (epi ? epi.shift[o]! : 0);
  const rowBias = disjoint ? Float32Array.from({ length: rows }, (_, r) => bias[Math.floor(r / taps)]!) : undefined;
  const prepared = kernels.prepareConv2dF32(wt, {
    outChannels: rows,
    inChannels: c,
    kernel: [1, 1],
    ...(rowBias ? { bias: rowBias } : {}),
  });
  const activation = epi?.activation ?? "none";
  return {
    ...def,
    run: ([xIn]) => {
      const x = requireFloat("ConvTranspose", xIn, 4);
      const [batch, xc, ih, iw] = x.dims as [number, number, number, number];
      if (xc !== c) throw new RangeError(`ConvTranspose: X [${x.dims}] does not have the ${c} channels W has`);
      const oh = (ih - 1) * sh - pt - pb + dh * (kh - 1) + 1 + oph;
      const ow = (iw - 1) * sw - pl - pr + dw * (kw - 1) + 1 + opw;
      const inPlane = ih * iw, outPlane = oh * ow;
      const out = allocateForOverwrite("float32", batch * oc * outPlane) as Float32Array;
      const xd = x.data as Float32Array;
      const cols = disjoint ? new Float32Array(0) : colsBuffer(rows * inPlane);
      for (let n = 0; n < batch; n++) {
        const xn = xd.subarray(n * c * inPlane, (n + 1) * c * inPlane);
        const base = n * oc * outPlane;
        if (disjoint) {
          // col2im is a permutation: done in kernel memory before the copy out.
          const outN = out.subarray(base, base + oc * outPlane);
          kernels.conv2dF32(xn, prepared, { height: ih, width: iw, activation, out: outN, col2im: [kh, kw] });
          continue;
        }
        kernels.conv2dF32(xn, prepared, { height: ih, width: iw, activation, out: cols });
        for (let o = 0; o < oc; o++) out.fill(bias[o]!, base + o * outPlane, base + (o + 1) * outPlane);
        for (let r = 0; r < rows; r++) {
          const o = Math.floor(r / taps), a = Math.floor((r % taps) / kw), e = r % kw;
          const plane = base + o * outPlane;
          for (let y = 0; y < ih; y++) {
            const yy = y * sh - pt + a * dh;
            if (yy < 0 || yy >= oh) continue;
            const row = plane + yy * ow, src = r * inPlane + y * iw;
            for (let xx = 0; xx < iw; xx++) {
              const px = xx * sw - pl + e * dw;
              if (px >= 0 && px < ow) out[row + px]! += cols[src + xx]!;
            }
          }
        }
      }
      return [new Tensor("float32", out, [batch, oc, oh, ow])];
    },
  };
}
