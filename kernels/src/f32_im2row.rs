//! Patch rows for GEMM-based convolution with the activations as the left operand (the low-memory
//! qd8 conv: each output pixel's patch becomes one row to quantize), and the transpose that puts the
//! GEMM's pixel-major result back into NCHW planes.
//!
//! Row `r` of a chunk starting at pixel `first` is output pixel `first + r` (row-major over `oh × ow`);
//! its `kdim = c·kh·kw` entries run over input channel, then kernel row, then kernel column — the order of
//! the weights `[oc][c][kh][kw]`. Taps outside the image read zero. Geometry comes from [`ConvDesc`]
//! (group 1). SIMD builds copy the taps of one kernel row (kw <= 4, undilated) with one vector load and
//! store.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::f32_conv2d::ConvDesc;

/// Writes the patch rows of pixels `first .. first + count` (rows `ldo` floats apart, `kdim` used). With
/// `spill`, `out` has 4 more writable floats past the last row, so every row may take the vector copies.
///
/// # Safety
/// `x` covers the `c·h·w` input, `out` covers `count` rows of `ldo >= kdim` floats (+ 4 with `spill`).
#[cfg_attr(not(target_feature = "simd128"), allow(unused_variables))]
pub unsafe fn im2row(
    d: &ConvDesc,
    x: *const f32,
    first: usize,
    count: usize,
    out: *mut f32,
    ldo: usize,
    spill: bool,
) {
    let (h, w) = (d.h as usize, d.w as usize);
    let (kh, kw, sh, sw, dh, dw) =
        (d.kh as usize, d.kw as usize, d.sh as usize, d.sw as usize, d.dh as usize, d.dw as usize);
    let (pt, pl, ow) = (d.pt as usize, d.pl as usize, d.ow as usize);
    let c = d.c as usize;
    if kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && d.oh == d.h && d.ow == d.w {
        // Pointwise: the rows are the input transposed (pixels × channels), in cache-sized tiles.
        const TILE: usize = 32;
        let plane = h * w;
        let mut p0 = 0;
        while p0 < count {
            let p1 = (p0 + TILE).min(count);
            #[allow(unused_mut)]
            let mut ch0 = 0;
            #[cfg(target_feature = "simd128")]
            while ch0 + 4 <= c {
                transpose4(x.add(ch0 * plane + first), plane, p0, p1, out.add(ch0), ldo);
                ch0 += 4;
            }
            for ch in ch0..c {
                let src = x.add(ch * plane + first);
                for p in p0..p1 {
                    *out.add(p * ldo + ch) = *src.add(p);
                }
            }
            p0 = p1;
        }
        return;
    }
    #[cfg(target_feature = "simd128")]
    let kdim = c * kh * kw;
    #[cfg(target_feature = "simd128")]
    let (vec_taps, x_end) = (dw == 1 && kw <= 4 && ldo == kdim, x.add(c * h * w));
    for r in 0..count {
        let pix = first + r;
        let (oy, ox) = (pix / ow, pix % ow);
        let row = out.add(r * ldo);
        let y0 = (oy * sh) as isize - pt as isize;
        let x0 = (ox * sw) as isize - pl as isize;
        let inside_x = x0 >= 0 && x0 as usize + (kw - 1) * dw < w;
        #[cfg(target_feature = "simd128")]
        if vec_taps && inside_x && y0 >= 0 && y0 as usize + (kh - 1) * dh < h && (spill || r + 1 < count) {
            // Every tap inside the image and a next row to take the spill: one copy per kernel row.
            let last = x.add((c - 1) * h * w + (y0 as usize + (kh - 1) * dh) * w + x0 as usize);
            if last.add(4) <= x_end {
                let mut dst = row;
                for ch in 0..c {
                    let mut src = x.add(ch * h * w + y0 as usize * w + x0 as usize);
                    for _ in 0..kh {
                        v128_store(dst as *mut v128, v128_load(src as *const v128));
                        dst = dst.add(kw);
                        src = src.add(dh * w);
                    }
                }
                continue;
            }
        }
        let mut o = 0;
        for ch in 0..c {
            let plane = x.add(ch * h * w);
            for ky in 0..kh {
                let iy = y0 + (ky * dh) as isize;
                if iy < 0 || iy as usize >= h {
                    for kx in 0..kw {
                        *row.add(o + kx) = 0.0;
                    }
                } else {
                    let src = plane.add(iy as usize * w);
                    #[cfg(target_feature = "simd128")]
                    if vec_taps && inside_x {
                        // One 4-float load and store for the kw <= 4 taps: the extra lane lands in the
                        // next tap, the next row (written after this one) or the spill, never past `x`.
                        let s = src.add(x0 as usize);
                        if s.add(4) <= x_end && (o + 4 <= kdim || spill || r + 1 < count) {
                            v128_store(row.add(o) as *mut v128, v128_load(s as *const v128));
                            o += kw;
                            continue;
                        }
                    }
                    if inside_x {
                        let s = src.add(x0 as usize);
                        for kx in 0..kw {
                            *row.add(o + kx) = *s.add(kx * dw);
                        }
                    } else {
                        for kx in 0..kw {
                            let ix = x0 + (kx * dw) as isize;
                            *row.add(o + kx) = if ix >= 0 && (ix as usize) < w { *src.add(ix as usize) } else { 0.0 };
                        }
                    }
                }
                o += kw;
            }
        }
    }
}

/// Four channels (planes `plane` floats apart from `x`) of pixels `p0..p1` into four columns of the rows
/// at `out` (`ldo` apart): 4×4 blocks transposed in registers, the last pixels one by one.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn transpose4(x: *const f32, plane: usize, p0: usize, p1: usize, out: *mut f32, ldo: usize) {
    let mut p = p0;
    while p + 4 <= p1 {
        let s = x.add(p);
        let r0 = v128_load(s as *const v128);
        let r1 = v128_load(s.add(plane) as *const v128);
        let r2 = v128_load(s.add(2 * plane) as *const v128);
        let r3 = v128_load(s.add(3 * plane) as *const v128);
        let [c0, c1, c2, c3] = transpose_4x4(r0, r1, r2, r3);
        let d = out.add(p * ldo);
        v128_store(d as *mut v128, c0);
        v128_store(d.add(ldo) as *mut v128, c1);
        v128_store(d.add(2 * ldo) as *mut v128, c2);
        v128_store(d.add(3 * ldo) as *mut v128, c3);
        p += 4;
    }
    while p < p1 {
        for j in 0..4 {
            *out.add(p * ldo + j) = *x.add(j * plane + p);
        }
        p += 1;
    }
}

/// `out[j·ld + i] = y[i·cols + j]` for `i < rows`, `j < cols`: pixel-major GEMM rows into NCHW planes
/// (SIMD builds: 4×4 blocks transposed in registers).
///
/// # Safety
/// `y` holds `rows·cols` floats; `out` covers `cols` planes of `ld >= rows` floats.
pub unsafe fn scatter_columns(y: *const f32, rows: usize, cols: usize, out: *mut f32, ld: usize) {
    const TILE: usize = 64;
    let mut i0 = 0;
    while i0 < rows {
        let i1 = (i0 + TILE).min(rows);
        #[allow(unused_mut)]
        let mut j0 = 0;
        #[cfg(target_feature = "simd128")]
        while j0 + 4 <= cols {
            let mut i = i0;
            while i + 4 <= i1 {
                let s = y.add(i * cols + j0);
                let [c0, c1, c2, c3] = transpose_4x4(
                    v128_load(s as *const v128),
                    v128_load(s.add(cols) as *const v128),
                    v128_load(s.add(2 * cols) as *const v128),
                    v128_load(s.add(3 * cols) as *const v128),
                );
                let d = out.add(j0 * ld + i);
                v128_store(d as *mut v128, c0);
                v128_store(d.add(ld) as *mut v128, c1);
                v128_store(d.add(2 * ld) as *mut v128, c2);
                v128_store(d.add(3 * ld) as *mut v128, c3);
                i += 4;
            }
            for j in j0..j0 + 4 {
                for r in i..i1 {
                    *out.add(j * ld + r) = *y.add(r * cols + j);
                }
            }
            j0 += 4;
        }
        for j in j0..cols {
            let dst = out.add(j * ld);
            for i in i0..i1 {
                *dst.add(i) = *y.add(i * cols + j);
            }
        }
        i0 = i1;
    }
}

/// Rows `r0..r3` of a 4×4 block → its columns.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn transpose_4x4(r0: v128, r1: v128, r2: v128, r3: v128) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
        i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
    ]
}
