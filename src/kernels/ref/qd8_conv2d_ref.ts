/**
 * Scalar reference for the low-memory convolution (`Kernels.qd8Conv2d`): one patch row per output pixel
 * (input channel, then kernel row, then kernel column; zero outside the image), the rows quantized to
 * int8 ({@link quantizeRowsRef}), the qd8 GEMM ({@link qd8F32QcwGemmRef}), the result transposed to NCHW.
 * The kernels agree with it exactly.
 * @module
 */
import type { Activation } from "../activation.ts";
import { type Conv2dGeometry, conv2dOutputSize } from "./f32_conv2d_ref.ts";
import { type QcwWeights, qd8F32QcwGemmRef } from "./qd8_f32_qcw_gemm_ref.ts";
import { quantizeRowsRef } from "./quantize_rows_ref.ts";

/**
 * The patch rows of one NCHW image (`oh·ow` rows of `c·kh·kw`), group 1.
 *
 * @example
 * ```ts
 * const rows = im2rowRef(new Float32Array([1, 2, 3, 4]), { c: 1, h: 2, w: 2, oc: 1, kh: 1, kw: 2 });
 * if (rows.join() !== "1,2,3,4") throw new Error("im2row");
 * ```
 */
export function im2rowRef(x: Float32Array, g: Conv2dGeometry): Float32Array {
  const [oh, ow] = conv2dOutputSize(g);
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilations ?? [1, 1];
  const [pt, pl] = g.pads ?? [0, 0, 0, 0];
  const k = g.c * g.kh * g.kw;
  const rows = new Float32Array(oh * ow * k);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let o = (oy * ow + ox) * k;
      for (let c = 0; c < g.c; c++) {
        for (let ky = 0; ky < g.kh; ky++) {
          for (let kx = 0; kx < g.kw; kx++, o++) {
            const iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) rows[o] = x[(c * g.h + iy) * g.w + ix]!;
          }
        }
      }
    }
  }
  return rows;
}

/** The qd8 convolution of one NCHW image by weights `w` (`n` = output channels, `k = c·kh·kw`). */
export function qd8Conv2dRef(
  x: Float32Array,
  w: QcwWeights,
  g: Conv2dGeometry,
  options: { asymmetric: boolean; activation?: Activation },
): Float32Array {
  const [oh, ow] = conv2dOutputSize(g);
  const pixels = oh * ow, k = g.c * g.kh * g.kw;
  const rows = quantizeRowsRef(im2rowRef(x, g), { m: pixels, k, asymmetric: options.asymmetric });
  const y = qd8F32QcwGemmRef(rows, w, options.activation ?? "none");
  const out = new Float32Array(w.n * pixels);
  for (let p = 0; p < pixels; p++) for (let j = 0; j < w.n; j++) out[j * pixels + p] = y[p * w.n + j]!;
  return out;
}
