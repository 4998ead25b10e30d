/**
 * ConvTranspose: the gradient of Conv, used for learned upsampling (PP-OCR's DBNet head). Each input
 * value scatters `value·w` into the output window it came from; one output plane is accumulated in
 * float64 at a time. 1-D, 2-D and 3-D; groups, strides, dilations, pads, `output_padding`,
 * `output_shape` and `auto_pad` follow the ONNX formulas.
 * @module
 */
import { Tensor } from "../../../graph/tensor.ts";
import type { Attrs, OpDefinition } from "../../op.ts";
import type { Geometry3 } from "./_conv_kernels.ts";
import { AUTO_PAD_VALUES, type Window } from "./_window.ts";
import { checkSpatialRank, geometry3 } from "./conv.ts";

function perAxis(name: string, values: number[] | undefined, rank: number, fallback: number): number[] {
  if (values === undefined || values.length === 0) return new Array<number>(rank).fill(fallback);
  if (values.length !== rank) {
    throw new RangeError(`ConvTranspose ${name} has ${values.length} values, expected ${rank}`);
  }
  return values;
}

/** Resolves output shape and pads of a transposed convolution (ONNX ConvTranspose-11+ rules). */
export function transposeWindow(inShape: readonly number[], kernel: readonly number[], attrs: Attrs): Window {
  const rank = inShape.length;
  const strides = perAxis("strides", attrs.ints("strides"), rank, 1);
  const dilations = perAxis("dilations", attrs.ints("dilations"), rank, 1);
  const outputPadding = perAxis("output_padding", attrs.ints("output_padding"), rank, 0);
  const pads = perAxis("pads", attrs.ints("pads"), 2 * rank, 0);
  const autoPad = attrs.string("auto_pad", "NOTSET");
  let outputShape = attrs.ints("output_shape");
  if (outputShape && outputShape.length === rank + 2) outputShape = outputShape.slice(2);
  if (outputShape && outputShape.length !== rank) {
    throw new RangeError(`ConvTranspose output_shape [${outputShape}] does not fit ${rank} spatial axes`);
  }
  const padsBegin = pads.slice(0, rank), padsEnd = pads.slice(rank), outShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const full = strides[i]! * (inShape[i]! - 1) + outputPadding[i]! + (kernel[i]! - 1) * dilations[i]! + 1;
    let target: number | undefined = outputShape?.[i];
    if (target === undefined && (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER")) {
      target = inShape[i]! * strides[i]!;
    }
    if (target !== undefined) {
      const total = Math.max(0, full - target);
      const small = total >> 1;
      padsBegin[i] = autoPad === "SAME_UPPER" ? small : total - small;
      padsEnd[i] = total - padsBegin[i]!;
      outShape.push(target);
    } else {
      if (autoPad === "VALID") padsBegin[i] = padsEnd[i] = 0;
      outShape.push(full - padsBegin[i]! - padsEnd[i]!);
    }
    if (outShape[i]! < 1) throw new RangeError(`ConvTranspose output size ${outShape[i]} on spatial axis ${i}`);
  }
  return { kernel: [...kernel], strides, dilations, padsBegin, padsEnd, outShape };
}

/** Scatters one input plane through one filter into a float64 output plane. */
function scatterPlane(x: Float32Array, xOff: number, w: Float32Array, wOff: number, acc: Float64Array, g: Geometry3) {
  const { inD, inH, inW, outD, outH, outW, kD, kH, kW, sD, sH, sW, dD, dH, dW, pD, pH, pW } = g;
  for (let kd = 0; kd < kD; kd++) {
    for (let kh = 0; kh < kH; kh++) {
      for (let kw = 0; kw < kW; kw++) {
        const wv = w[wOff + (kd * kH + kh) * kW + kw]!;
        const shift = kw * dW - pW;
        // Input columns whose output column iw·sW + shift lies inside the output row.
        const lo = shift >= 0 ? 0 : Math.ceil(-shift / sW);
        const hi = Math.min(inW, Math.floor((outW - 1 - shift) / sW) + 1);
        for (let id = 0; id < inD; id++) {
          const od = id * sD - pD + kd * dD;
          if (od < 0 || od >= outD) continue;
          for (let ih = 0; ih < inH; ih++) {
            const oh = ih * sH - pH + kh * dH;
            if (oh < 0 || oh >= outH) continue;
            const src = xOff + (id * inH + ih) * inW;
            let dst = (od * outH + oh) * outW + lo * sW + shift;
            for (let iw = lo; iw < hi; iw++, dst += sW) acc[dst] = acc[dst]! + wv * x[src + iw]!;
          }
        }
      }
    }
  }
}

/** Computes a float32 transposed convolution. */
export function convolveTranspose(x: Tensor, w: Tensor, b: Tensor | undefined, attrs: Attrs): Tensor {
  if (x.type !== "float32" || w.type !== "float32" || (b && b.type !== "float32")) {
    throw new TypeError(`ConvTranspose supports float32 only; got X ${x.type}, W ${w.type}`);
  }
  const spatial = x.dims.length - 2;
  if (spatial < 1 || spatial > 3 || w.dims.length !== x.dims.length) {
    throw new RangeError(`ConvTranspose needs X and W of equal rank 3..5; got X [${x.dims}] and W [${w.dims}]`);
  }
  const group = attrs.int("group", 1);
  const [batch, channels] = [x.dims[0]!, x.dims[1]!];
  if (group < 1 || w.dims[0] !== channels || channels % group !== 0) {
    throw new RangeError(`ConvTranspose with group=${group} cannot take X [${x.dims}] with W [${w.dims}]`);
  }
  const mPerGroup = w.dims[1]!, filters = mPerGroup * group, cPerGroup = channels / group;
  if (b && (b.dims.length !== 1 || b.dims[0] !== filters)) {
    throw new RangeError(`ConvTranspose bias must have shape [${filters}], got [${b.dims}]`);
  }
  const kernel = w.dims.slice(2);
  const declared = attrs.ints("kernel_shape");
  if (declared && declared.join() !== kernel.join()) {
    throw new RangeError(`ConvTranspose kernel_shape [${declared}] does not match W [${w.dims}]`);
  }
  const win = transposeWindow(x.dims.slice(2), kernel, attrs);
  const g = geometry3(x.dims.slice(2), win);
  const xd = x.data as Float32Array, wd = w.data as Float32Array, bd = b?.data as Float32Array | undefined;
  const inPlane = g.inD * g.inH * g.inW, outPlane = g.outD * g.outH * g.outW, kSize = g.kD * g.kH * g.kW;
  const out = new Float32Array(batch * filters * outPlane);
  const acc = new Float64Array(outPlane);
  for (let n = 0; n < batch; n++) {
    for (let m = 0; m < filters; m++) {
      const gi = Math.floor(m / mPerGroup), mLocal = m - gi * mPerGroup;
      acc.fill(0);
      for (let cLocal = 0; cLocal < cPerGroup; cLocal++) {
        const c = gi * cPerGroup + cLocal;
        scatterPlane(xd, (n * channels + c) * inPlane, wd, (c * mPerGroup + mLocal) * kSize, acc, g);
      }
      const bias = bd ? bd[m]! : 0, base = (n * filters + m) * outPlane;
      for (let i = 0; i < outPlane; i++) out[base + i] = acc[i]! + bias;
    }
  }
  return new Tensor("float32", out, [batch, filters, ...win.outShape]);
}

/** ONNX ConvTranspose (opsets 1–22), float32. */
export const convTranspose: OpDefinition = {
  op: "ConvTranspose",
  inputs: [2, 3],
  outputs: [1, 1],
  attributes: {
    auto_pad: { kind: "string", values: AUTO_PAD_VALUES },
    dilations: { kind: "ints" },
    group: { kind: "int" },
    kernel_shape: { kind: "ints" },
    output_padding: { kind: "ints" },
    output_shape: { kind: "ints" },
    pads: { kind: "ints" },
    strides: { kind: "ints" },
  },
  check: checkSpatialRank,
  run: ([x, w, b], attrs) => [convolveTranspose(x!, w!, b, attrs)],
};
