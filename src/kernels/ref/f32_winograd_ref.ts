/**
 * Scalar reference for `f32-conv2d-winograd-2x2-*`: Winograd F(2×2, 3×3) (Lavin & Gray 2015) on one NCHW
 * image, replaying `kernels/src/f32_winograd.rs` in float32 steps (`Math.fround` after each operation)
 * and in its order, so the scalar and SIMD128 builds match it exactly (the relaxed build's GEMM fuses
 * multiply-adds; it stays within the suite's Winograd budget of the float64 direct convolution).
 *
 * Per 2×2 output tile at `(2·ty, 2·tx)`, input tile `d` 4×4 from `(2·ty − pad_top, 2·tx − pad_left)`
 * (zeros outside the image):
 * `Y = Aᵀ [Σ_ic U ⊙ (Bᵀ d B)] A + bias`, `U = G g Gᵀ` (float64, rounded once), with
 * `Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]`, `G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]`,
 * `Aᵀ = [1 1 1 0; 0 1 −1 −1]`. The sum over input channels runs in increasing channel order from 0.
 * @module
 */
import type { Activation } from "../activation.ts";
import { applyActivationRef } from "./activation_ref.ts";
import { type Conv2dGeometry, conv2dOutputSize } from "./f32_conv2d_ref.ts";

const f = Math.fround;

/**
 * `U[ξ][o][i] = (G g Gᵀ)[ξ]` for the 3×3 kernels `g = w[o][i]`, computed in float64 and rounded once.
 *
 * @example
 * ```ts
 * const u = winogradWeightsRef(new Float32Array([0, 0, 0, 0, 1, 0, 0, 0, 0]), 1, 1);
 * if (u.length !== 16 || u[5] !== 0.25 || u[0] !== 0) throw new Error("centre tap");
 * ```
 */
export function winogradWeightsRef(w: Float32Array, oc: number, ic: number): Float32Array {
  const u = new Float32Array(16 * oc * ic);
  for (let o = 0; o < oc; o++) {
    for (let i = 0; i < ic; i++) {
      const g = (k: number) => w[(o * ic + i) * 9 + k]!;
      const t: number[][] = [[], [], [], []];
      for (let j = 0; j < 3; j++) {
        const [a, b, c] = [g(j), g(3 + j), g(6 + j)];
        t[0]![j] = a;
        t[1]![j] = (a + b + c) * 0.5;
        t[2]![j] = (a - b + c) * 0.5;
        t[3]![j] = c;
      }
      for (let r = 0; r < 4; r++) {
        const [a, b, c] = t[r]! as [number, number, number];
        const row = [a, (a + b + c) * 0.5, (a - b + c) * 0.5, c];
        for (let j = 0; j < 4; j++) u[((r * 4 + j) * oc + o) * ic + i] = row[j]!;
      }
    }
  }
  return u;
}

/** `Bᵀ d B` of the 4×4 tile of `plane` (`h × w`) at `(by, bx)`: down the columns first, then along rows. */
function inputTile(plane: Float32Array, h: number, w: number, by: number, bx: number): number[] {
  const at = (y: number, x: number) => (y >= 0 && y < h && x >= 0 && x < w ? plane[y * w + x]! : 0);
  const tr: number[][] = [[], [], [], []];
  for (let j = 0; j < 4; j++) {
    const [r0, r1, r2, r3] = [at(by, bx + j), at(by + 1, bx + j), at(by + 2, bx + j), at(by + 3, bx + j)];
    [tr[0]![j], tr[1]![j], tr[2]![j], tr[3]![j]] = [f(r0 - r2), f(r1 + r2), f(r2 - r1), f(r1 - r3)];
  }
  const v: number[] = [];
  for (const [d0, d1, d2, d3] of tr as [number, number, number, number][]) {
    v.push(f(d0 - d2), f(d1 + d2), f(d2 - d1), f(d1 - d3));
  }
  return v;
}

/**
 * Winograd F(2×2, 3×3) convolution of one image; `weights` is `[oc][c][3][3]`, the conv group 1,
 * stride 1, undilated. Returns `oc × oh × ow` floats.
 *
 * @example
 * ```ts
 * const x = new Float32Array(16).fill(1);
 * const w = new Float32Array(9).fill(1);
 * const y = f32Conv2dWinogradRef(x, w, undefined, { c: 1, h: 4, w: 4, oc: 1, kh: 3, kw: 3, pads: [1, 1, 1, 1] });
 * if (y[0] !== 4 || y[5] !== 9) throw new Error("window sums");
 * ```
 */
export function f32Conv2dWinogradRef(
  x: Float32Array,
  weights: Float32Array,
  bias: Float32Array | undefined,
  g: Conv2dGeometry,
  activation: Activation = "none",
): Float32Array {
  const strides = g.strides ?? [1, 1], dilations = g.dilations ?? [1, 1];
  if ((g.group ?? 1) !== 1 || g.kh !== 3 || g.kw !== 3 || [...strides, ...dilations].some((s) => s !== 1)) {
    throw new RangeError(`f32Conv2dWinogradRef: needs a group-1 3×3 stride-1 undilated conv, got ${JSON.stringify(g)}`);
  }
  const [oh, ow] = conv2dOutputSize(g);
  const [pt, pl] = g.pads ?? [0, 0, 0, 0];
  const { c, oc, h, w } = g;
  const u = winogradWeightsRef(weights, oc, c);
  const out = new Float32Array(oc * oh * ow);
  for (let ty = 0; ty < Math.ceil(oh / 2); ty++) {
    for (let tx = 0; tx < Math.ceil(ow / 2); tx++) {
      const v: number[][] = [];
      for (let i = 0; i < c; i++) {
        v.push(inputTile(x.subarray(i * h * w, (i + 1) * h * w), h, w, 2 * ty - pt, 2 * tx - pl));
      }
      for (let o = 0; o < oc; o++) {
        const m = new Array<number>(16);
        for (let xi = 0; xi < 16; xi++) {
          let acc = 0;
          for (let i = 0; i < c; i++) acc = f(acc + f(u[(xi * oc + o) * c + i]! * v[i]![xi]!));
          m[xi] = acc;
        }
        const a: number[] = [], b: number[] = [];
        for (let i = 0; i < 4; i++) {
          a.push(f(f(m[i * 4]! + m[i * 4 + 1]!) + m[i * 4 + 2]!));
          b.push(f(f(m[i * 4 + 1]! - m[i * 4 + 2]!) - m[i * 4 + 3]!));
        }
        const bo = bias?.[o] ?? 0;
        const fin = (p: number) => applyActivationRef(f(p + bo), activation);
        const y = [
          [fin(f(f(a[0]! + a[1]!) + a[2]!)), fin(f(f(b[0]! + b[1]!) + b[2]!))],
          [fin(f(f(a[1]! - a[2]!) - a[3]!)), fin(f(f(b[1]! - b[2]!) - b[3]!))],
        ];
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const oy = 2 * ty + dy, ox = 2 * tx + dx;
            if (oy < oh && ox < ow) out[(o * oh + oy) * ow + ox] = y[dy]![dx]!;
          }
        }
      }
    }
  }
  return out;
}
