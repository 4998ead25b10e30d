//! fp32 3×3 stride-1 convolution by Winograd F(2×2, 3×3) (Lavin & Gray 2015): 16 multiplies per 2×2 output
//! tile and input channel instead of 36.
//!
//! With `Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]`, `G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]` and
//! `Aᵀ = [1 1 1 0; 0 1 -1 -1]`, one output tile is `Y = Aᵀ [Σ_ic (G g Gᵀ) ⊙ (Bᵀ d B)] A` for the 4×4 input
//! tile `d` at `(2·ty - pad_top, 2·tx - pad_left)` (taps outside the image read zero). Steps:
//!
//! 1. [`transform_weights`] (once per layer): `U[ξ][o][ic] = (G g Gᵀ)[ξ]` in float64, rounded once, each
//!    `U[ξ]` stored with its rows interleaved in blocks of 4 (`f32_gemm_a4::interleave`'s layout).
//! 2. Per chunk of tile rows, the input transform writes `V[ξ][ic][tile]`; tile rows are padded to a
//!    multiple of 4 tiles (the SIMD transforms take 4 horizontally adjacent tiles per vector).
//! 3. 16 independent GEMMs `M[ξ] = U[ξ] · V[ξ]` (`oc × ic` by `ic × tiles`), the existing fp32 GEMM
//!    with V read in place (`f32_gemm::gemm_strided`, no packing) and U already interleaved.
//! 4. The output transform `Aᵀ m A`, then bias and the fused activation, stored as NCHW.
//!
//! Both transforms run the same float32 additions in the same order in the scalar and SIMD builds (no
//! fused multiply-add), and the GEMM's SIMD128 build equals its scalar one, so the SIMD128 build gives
//! the scalar build's bits on every engine; the relaxed build differs only by the GEMM's fused madd.
//! The summation order differs from im2col's: `tests/kernels/f32_winograd.test.ts` holds the budget.
//!
//! Scratch (floats): one GEMM panel `(c + 1)·8`, then for `R` tile rows `16·c·n` (V) and `16·oc·n` (M)
//! with `n = R·tw4`, `tw4 = 4·⌈⌈ow/2⌉/4⌉`.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act, ACT_NONE};
use crate::f32_conv2d::ConvDesc;
use crate::f32_gemm::{self, MR, NR};
use crate::f32_gemm_a4::{interleaved_len, ALayout};

/// Transformed elements per tile (a 4×4 tile).
const XI: usize = 16;

/// True for the convs this kernel runs: group 1, 3×3, stride 1, dilation 1 (any padding).
pub fn eligible(d: &ConvDesc) -> bool {
    d.group == 1 && d.kh == 3 && d.kw == 3 && d.sh == 1 && d.sw == 1 && d.dh == 1 && d.dw == 1
}

/// `(tile rows, tiles per row, tiles per row padded to 4)`.
fn tiles(d: &ConvDesc) -> (usize, usize, usize) {
    let th = (d.oh as usize).div_ceil(2);
    let tw = (d.ow as usize).div_ceil(2);
    (th, tw, tw.div_ceil(4) * 4)
}

/// Floats of V and M for one tile row.
fn row_floats(d: &ConvDesc) -> usize {
    XI * (d.c as usize + d.oc as usize) * tiles(d).2
}

/// Floats of scratch the kernel needs at the least (one tile row); more gives chunks of more rows.
/// In 64 bits: callers check it fits 32-bit addressing before running.
pub fn scratch_min(d: &ConvDesc) -> u64 {
    let tw4 = (d.ow as u64).div_ceil(2).div_ceil(4) * 4;
    (d.c as u64 + 1) * NR as u64 + XI as u64 * (d.c as u64 + d.oc as u64) * tw4
}

/// Floats of the transformed weights: 16 interleaved `oc × ic` matrices (in 64 bits: callers check the
/// size fits 32-bit addressing).
pub fn weights_len(oc: u32, ic: u32) -> u64 {
    XI as u64 * (oc as u64).div_ceil(MR as u64) * MR as u64 * ic as u64
}

/// `U[ξ]` element `(o, i)` = `(G g Gᵀ)[ξ]` for `g = w[o][i]` (3×3), computed in float64 and rounded once;
/// `U[ξ]` at `u[ξ·interleaved_len(oc, ic)]`, rows interleaved (`[o / 4][i][o % 4]`, padding rows zero).
///
/// # Safety
/// `w` holds `oc·ic·9` floats, `u` holds [`weights_len`]`(oc, ic)`.
pub unsafe fn transform_weights(oc: usize, ic: usize, w: *const f32, u: *mut f32) {
    let plane = interleaved_len(oc, ic);
    core::ptr::write_bytes(u, 0, XI * plane);
    for o in 0..oc {
        let (ob, lane) = (o / MR, o % MR);
        for i in 0..ic {
            let g = w.add((o * ic + i) * 9);
            let mut t = [[0f64; 3]; 4];
            for j in 0..3 {
                let (a, b, c) = (*g.add(j) as f64, *g.add(3 + j) as f64, *g.add(6 + j) as f64);
                t[0][j] = a;
                t[1][j] = (a + b + c) * 0.5;
                t[2][j] = (a - b + c) * 0.5;
                t[3][j] = c;
            }
            for r in 0..4 {
                let (a, b, c) = (t[r][0], t[r][1], t[r][2]);
                let row = [a, (a + b + c) * 0.5, (a - b + c) * 0.5, c];
                for j in 0..4 {
                    *u.add((r * 4 + j) * plane + (ob * ic + i) * MR + lane) = row[j] as f32;
                }
            }
        }
    }
}

/// `out = act(conv(x, w) + bias)` with `u` from [`transform_weights`]; `bias` null or `[oc]`.
///
/// # Safety
/// `d` is [`eligible`] and valid; pointers cover the tensors; `scratch` holds `scratch_len ≥ scratch_min`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn conv2d(
    d: &ConvDesc,
    x: *const f32,
    u: *const f32,
    bias: *const f32,
    out: *mut f32,
    act: &Act,
    scratch: *mut f32,
    scratch_len: usize,
) {
    let (c, oc) = (d.c as usize, d.oc as usize);
    let (th, tw, tw4) = tiles(d);
    let panel = (c + 1) * NR;
    let rows_max = ((scratch_len - panel) / row_floats(d)).clamp(1, th);
    let plane_in = (d.h * d.w) as usize;
    let plane_out = (d.oh * d.ow) as usize;
    let none = Act { code: ACT_NONE, p0: 0.0, p1: 0.0 };
    let area = scratch.add(panel);
    let mut ty0 = 0;
    while ty0 < th {
        let rows = rows_max.min(th - ty0);
        let n = rows * tw4;
        let (v, m) = (area, area.add(XI * c * n));
        for ic in 0..c {
            for r in 0..rows {
                input_row(d, x.add(ic * plane_in), ty0 + r, v.add(ic * n + r * tw4), c * n, tw4);
            }
        }
        for xi in 0..XI {
            let (a, b, y) = (u.add(xi * interleaved_len(oc, c)), v.add(xi * c * n), m.add(xi * oc * n));
            f32_gemm::gemm_strided(oc, n, c, a, ALayout::Interleaved, b, n, core::ptr::null(), y, n, &none, scratch);
        }
        for o in 0..oc {
            let bo = if bias.is_null() { 0.0 } else { *bias.add(o) };
            for r in 0..rows {
                output_row(d, m.add(o * n + r * tw4), oc * n, ty0 + r, tw, out.add(o * plane_out), bo, act);
            }
        }
        ty0 += rows;
    }
}

/// One input row of the 4×4 tile at `(by, bx)`: 12 floats from column `bx` (zeros outside the image).
#[inline(always)]
unsafe fn padded_row(d: &ConvDesc, plane: *const f32, iy: isize, bx: isize, buf: &mut [f32; 12]) {
    *buf = [0.0; 12];
    if iy < 0 || iy >= d.h as isize {
        return;
    }
    let row = plane.add(iy as usize * d.w as usize);
    for j in 0..12 {
        let ix = bx + j as isize;
        if ix >= 0 && ix < d.w as isize {
            buf[j] = *row.add(ix as usize);
        }
    }
}

/// `Bᵀ d B` of tiles `(ty, 0..tw4)` of one input plane into `v[ξ·xi_stride + tile]`, 4 tiles per vector.
#[cfg(target_feature = "simd128")]
unsafe fn input_row(d: &ConvDesc, plane: *const f32, ty: usize, v: *mut f32, xi_stride: usize, tw4: usize) {
    let (h, w) = (d.h as isize, d.w as isize);
    let by = 2 * ty as isize - d.pt as isize;
    let rows_inside = by >= 0 && by + 4 <= h;
    let mut buf = [[0f32; 12]; 4];
    let mut g = 0;
    while g < tw4 {
        let bx = 2 * g as isize - d.pl as isize;
        if rows_inside && bx >= 0 && bx + 12 <= w {
            // Every tap of the 4 tiles is inside the image: read the rows in place.
            let p = plane.add((by * w + bx) as usize);
            let ws = w as usize;
            input_tiles4([p, p.add(ws), p.add(2 * ws), p.add(3 * ws)], v.add(g), xi_stride);
        } else {
            for r in 0..4 {
                padded_row(d, plane, by + r as isize, bx, &mut buf[r]);
            }
            input_tiles4([buf[0].as_ptr(), buf[1].as_ptr(), buf[2].as_ptr(), buf[3].as_ptr()], v.add(g), xi_stride);
        }
        g += 4;
    }
}

/// `Bᵀ d B` of 4 adjacent tiles whose 4 input rows (12 floats each) start at `rows`: down the columns
/// first (`r0 − r2, r1 + r2, r2 − r1, r1 − r3` on the raw rows), then along each transformed row.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn input_tiles4(rows: [*const f32; 4], v: *mut f32, xi_stride: usize) {
    let ld = |r: usize, k: usize| v128_load(rows[r].add(4 * k) as *const v128);
    let (a, b, c, e) = ([ld(0, 0), ld(0, 1), ld(0, 2)], [ld(1, 0), ld(1, 1), ld(1, 2)], [ld(2, 0), ld(2, 1), ld(2, 2)], [ld(3, 0), ld(3, 1), ld(3, 2)]);
    let t = [
        [f32x4_sub(a[0], c[0]), f32x4_sub(a[1], c[1]), f32x4_sub(a[2], c[2])],
        [f32x4_add(b[0], c[0]), f32x4_add(b[1], c[1]), f32x4_add(b[2], c[2])],
        [f32x4_sub(c[0], b[0]), f32x4_sub(c[1], b[1]), f32x4_sub(c[2], b[2])],
        [f32x4_sub(b[0], e[0]), f32x4_sub(b[1], e[1]), f32x4_sub(b[2], e[2])],
    ];
    for i in 0..4 {
        let [v0, v1, v2] = t[i];
        let d0 = i32x4_shuffle::<0, 2, 4, 6>(v0, v1);
        let d1 = i32x4_shuffle::<1, 3, 5, 7>(v0, v1);
        let d2 = i32x4_shuffle::<1, 2, 3, 4>(d0, v2);
        let d3 = i32x4_shuffle::<1, 2, 3, 5>(d1, v2);
        let out = v.add(i * 4 * xi_stride);
        v128_store(out as *mut v128, f32x4_sub(d0, d2));
        v128_store(out.add(xi_stride) as *mut v128, f32x4_add(d1, d2));
        v128_store(out.add(2 * xi_stride) as *mut v128, f32x4_sub(d2, d1));
        v128_store(out.add(3 * xi_stride) as *mut v128, f32x4_sub(d1, d3));
    }
}

/// `Bᵀ d B` of tiles `(ty, 0..tw4)` of one input plane into `v[ξ·xi_stride + tile]` (the reference form):
/// down the columns first, then along each transformed row.
#[cfg(not(target_feature = "simd128"))]
unsafe fn input_row(d: &ConvDesc, plane: *const f32, ty: usize, v: *mut f32, xi_stride: usize, tw4: usize) {
    let by = 2 * ty as isize - d.pt as isize;
    let mut buf = [[0f32; 12]; 4];
    for t in 0..tw4 {
        let bx = 2 * t as isize - d.pl as isize;
        for r in 0..4 {
            padded_row(d, plane, by + r as isize, bx, &mut buf[r]);
        }
        let [a, b, c, e] = &buf;
        let mut tr = [[0f32; 4]; 4];
        for j in 0..4 {
            tr[0][j] = a[j] - c[j];
            tr[1][j] = b[j] + c[j];
            tr[2][j] = c[j] - b[j];
            tr[3][j] = b[j] - e[j];
        }
        for i in 0..4 {
            let [d0, d1, d2, d3] = tr[i];
            let row = [d0 - d2, d1 + d2, d2 - d1, d1 - d3];
            for j in 0..4 {
                *v.add((i * 4 + j) * xi_stride + t) = row[j];
            }
        }
    }
}

/// `Aᵀ m A + bias`, activated, for tiles `(ty, 0..tw)` of one output plane, 4 tiles per vector.
#[cfg(target_feature = "simd128")]
#[allow(clippy::too_many_arguments)]
unsafe fn output_row(d: &ConvDesc, m: *const f32, xi_stride: usize, ty: usize, tw: usize, out: *mut f32, bias: f32, act: &Act) {
    let (oh, ow) = (d.oh as usize, d.ow as usize);
    let bv = f32x4_splat(bias);
    let mut g = 0;
    while g < tw {
        let mut a = [f32x4_splat(0.0); 4];
        let mut b = a;
        for i in 0..4 {
            let mi = |j: usize| v128_load(m.add((i * 4 + j) * xi_stride + g) as *const v128);
            let (m0, m1, m2, m3) = (mi(0), mi(1), mi(2), mi(3));
            a[i] = f32x4_add(f32x4_add(m0, m1), m2);
            b[i] = f32x4_sub(f32x4_sub(m1, m2), m3);
        }
        let fin = |p: v128| activation::apply_v(f32x4_add(p, bv), act);
        let y00 = fin(f32x4_add(f32x4_add(a[0], a[1]), a[2]));
        let y10 = fin(f32x4_sub(f32x4_sub(a[1], a[2]), a[3]));
        let y01 = fin(f32x4_add(f32x4_add(b[0], b[1]), b[2]));
        let y11 = fin(f32x4_sub(f32x4_sub(b[1], b[2]), b[3]));
        let rows = [
            (i32x4_shuffle::<0, 4, 1, 5>(y00, y01), i32x4_shuffle::<2, 6, 3, 7>(y00, y01)),
            (i32x4_shuffle::<0, 4, 1, 5>(y10, y11), i32x4_shuffle::<2, 6, 3, 7>(y10, y11)),
        ];
        let ox = 2 * g;
        for (dy, (lo, hi)) in rows.into_iter().enumerate() {
            let oy = 2 * ty + dy;
            if oy >= oh {
                break;
            }
            let dst = out.add(oy * ow + ox);
            if ox + 8 <= ow {
                v128_store(dst as *mut v128, lo);
                v128_store(dst.add(4) as *mut v128, hi);
            } else {
                let mut tmp = [0f32; 8];
                v128_store(tmp.as_mut_ptr() as *mut v128, lo);
                v128_store(tmp.as_mut_ptr().add(4) as *mut v128, hi);
                for j in 0..ow - ox {
                    *dst.add(j) = tmp[j];
                }
            }
        }
        g += 4;
    }
}

/// `Aᵀ m A + bias`, activated, for tiles `(ty, 0..tw)` of one output plane (the reference form).
#[cfg(not(target_feature = "simd128"))]
#[allow(clippy::too_many_arguments)]
unsafe fn output_row(d: &ConvDesc, m: *const f32, xi_stride: usize, ty: usize, tw: usize, out: *mut f32, bias: f32, act: &Act) {
    let (oh, ow) = (d.oh as usize, d.ow as usize);
    for t in 0..tw {
        let mut a = [0f32; 4];
        let mut b = [0f32; 4];
        for i in 0..4 {
            let mi = |j: usize| *m.add((i * 4 + j) * xi_stride + t);
            a[i] = (mi(0) + mi(1)) + mi(2);
            b[i] = (mi(1) - mi(2)) - mi(3);
        }
        let fin = |p: f32| activation::apply(p + bias, act);
        let y = [
            [fin((a[0] + a[1]) + a[2]), fin((b[0] + b[1]) + b[2])],
            [fin((a[1] - a[2]) - a[3]), fin((b[1] - b[2]) - b[3])],
        ];
        for dy in 0..2 {
            let oy = 2 * ty + dy;
            for dx in 0..2 {
                let ox = 2 * t + dx;
                if oy < oh && ox < ow {
                    *out.add(oy * ow + ox) = y[dy][dx];
                }
            }
        }
    }
}
