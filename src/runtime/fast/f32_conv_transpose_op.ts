/**
 * ConvTranspose (2-D, group 1, explicit pads, no `output_shape`/`auto_pad`) with constant float32
 * weights on the fp32 GEMM: `cols = Xᵀ·W` (one row per input pixel, `oc·kh·kw` columns, W packed once),
 * then a col2im scatter-add into the output and the bias. Other forms keep the reference kernel.
 * @module
 */
import type { Node } from "../../graph/graph.ts";
import { Tensor } from "../../graph/tensor.ts";
import type { Kernels } from "../../kernels/kernels.ts";
import { transposeColumns } from "../ops/nn/_conv_kernels.ts";
import { Attrs, type OpDefinition } from "../op.ts";
import { type ConstantLookup, floatConstant, requireFloat } from "./f32_fast_ops.ts";

/** The fast ConvTranspose for `node`, or undefined when it does not fit. */
export function f32ConvTransposeOp(
  kernels: Kernels,
  constants: ConstantLookup,
  node: Node,
  def: OpDefinition,
): OpDefinition | undefined {
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
  const cols = oc * kh * kw;
  const packed = kernels.packF32Gemm(w.data as Float32Array, { k: c, n: cols });
  const bias = b?.data as Float32Array | undefined;
  return {
    ...def,
    run: ([xIn]) => {
      const x = requireFloat("ConvTranspose", xIn, 4);
      const [batch, xc, ih, iw] = x.dims as [number, number, number, number];
      if (xc !== c) throw new RangeError(`ConvTranspose: X [${x.dims}] does not have the ${c} channels W has`);
      const oh = (ih - 1) * sh - pt - pb + dh * (kh - 1) + 1 + oph;
      const ow = (iw - 1) * sw - pl - pr + dw * (kw - 1) + 1 + opw;
      const inPlane = ih * iw, outPlane = oh * ow;
      const out = new Float32Array(batch * oc * outPlane);
      const xt = new Float32Array(inPlane * c);
      const xd = x.data as Float32Array;
      for (let n = 0; n < batch; n++) {
        transposeColumns(xd, n * c * inPlane, c, inPlane, 0, inPlane, xt);
        const y = kernels.gemmF32(xt, packed);
        const base = n * oc * outPlane;
        for (let o = 0; o < oc; o++) out.fill(bias ? bias[o]! : 0, base + o * outPlane, base + (o + 1) * outPlane);
        for (let p = 0; p < inPlane; p++) {
          const y0 = Math.floor(p / iw) * sh - pt, x0 = (p % iw) * sw - pl;
          let src = p * cols;
          for (let o = 0; o < oc; o++) {
            const plane = base + o * outPlane;
            for (let a = 0; a < kh; a++) {
              const yy = y0 + a * dh;
              if (yy < 0 || yy >= oh) {
                src += kw;
                continue;
              }
              const row = plane + yy * ow;
              for (let e = 0; e < kw; e++, src++) {
                const xx = x0 + e * dw;
                if (xx >= 0 && xx < ow) out[row + xx]! += y[src]!;
              }
            }
          }
        }
      }
      return [new Tensor("float32", out, [batch, oc, oh, ow])];
    },
  };
}
