/**
 * Scalar reference for NCHW 2-D convolution of one image (`f32-conv2d-*`, `f32-dwconv2d-*`):
 * direct loops, float64 accumulation, float32 result, fused bias and activation.
 * @module
 */
import type { Activation } from "../activation.ts";
import { applyActivationRef } from "./activation_ref.ts";

/** Geometry of one convolution. */
export interface Conv2dGeometry {
  /** Input channels. */
  c: number;
  /** Input height. */
  h: number;
  /** Input width. */
  w: number;
  /** Output channels. */
  oc: number;
  /** Kernel height and width. */
  kh: number;
  kw: number;
  /** Groups. @default 1 */
  group?: number;
  /** Strides `[sh, sw]`. @default [1, 1] */
  strides?: readonly [number, number];
  /** Dilations `[dh, dw]`. @default [1, 1] */
  dilations?: readonly [number, number];
  /** Pads `[top, left, bottom, right]`. @default [0, 0, 0, 0] */
  pads?: readonly [number, number, number, number];
}

/** Output height and width of a convolution (ONNX formula); RangeError when empty. */
export function conv2dOutputSize(g: Conv2dGeometry): [number, number] {
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilations ?? [1, 1];
  const [pt, pl, pb, pr] = g.pads ?? [0, 0, 0, 0];
  const oh = Math.floor((g.h + pt + pb - (dh * (g.kh - 1) + 1)) / sh) + 1;
  const ow = Math.floor((g.w + pl + pr - (dw * (g.kw - 1) + 1)) / sw) + 1;
  if (!(oh > 0 && ow > 0)) throw new RangeError(`Conv2d: output size ${oh}×${ow} is empty`);
  return [oh, ow];
}

/**
 * Direct convolution; `weights` is `[oc][c/group][kh][kw]`. Returns `oc × oh × ow` floats.
 *
 * @example
 * ```ts
 * const y = f32Conv2dRef(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 1, 1, 1]), undefined,
 *   { c: 1, h: 2, w: 2, oc: 1, kh: 2, kw: 2 });
 * if (y.length !== 1 || y[0] !== 10) throw new Error("sum of the window");
 * ```
 */
export function f32Conv2dRef(
  x: Float32Array,
  weights: Float32Array,
  bias: Float32Array | undefined,
  g: Conv2dGeometry,
  activation: Activation = "none",
): Float32Array {
  const [oh, ow] = conv2dOutputSize(g);
  const group = g.group ?? 1;
  const [sh, sw] = g.strides ?? [1, 1];
  const [dh, dw] = g.dilations ?? [1, 1];
  const [pt, pl] = g.pads ?? [0, 0, 0, 0];
  const cg = g.c / group;
  const ocg = g.oc / group;
  const out = new Float32Array(g.oc * oh * ow);
  for (let o = 0; o < g.oc; o++) {
    const c0 = Math.floor(o / ocg) * cg;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = bias?.[o] ?? 0;
        for (let ic = 0; ic < cg; ic++) {
          for (let ky = 0; ky < g.kh; ky++) {
            const iy = oy * sh + ky * dh - pt;
            if (iy < 0 || iy >= g.h) continue;
            for (let kx = 0; kx < g.kw; kx++) {
              const ix = ox * sw + kx * dw - pl;
              if (ix < 0 || ix >= g.w) continue;
              s += weights[((o * cg + ic) * g.kh + ky) * g.kw + kx]! * x[((c0 + ic) * g.h + iy) * g.w + ix]!;
            }
          }
        }
        out[(o * oh + oy) * ow + ox] = applyActivationRef(Math.fround(s), activation);
      }
    }
  }
  return out;
}
