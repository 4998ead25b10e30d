//! Direct depthwise convolution (`group == c == oc`) on NCHW images (one image), geometry from
//! [`ConvDesc`]. Each channel's input rows are copied into a zero-padded plane (for stride 2, split into
//! even and odd columns so every tap reads consecutive floats); SIMD builds then compute 3×3 and 5×5
//! windows with the taps unrolled (stride 1: two output rows per step sharing their input rows), the
//! activation applied before each store. Every output sums bias then its taps in `ky`, `kx` order, a
//! multiply and an add each, whatever the path.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
use crate::f32_conv2d::ConvDesc;

/// Depthwise convolution (`group == c == oc`): `weights` is `[c][kh][kw]`; `scratch` holds
/// [`ConvDesc::dw_scratch`] floats. Per output: bias, then the taps in `ky`, `kx` order (a multiply and an
/// add each), then the activation, applied before the store (no second pass over the output).
///
/// # Safety
/// Pointers cover the tensors the descriptor describes.
pub unsafe fn dwconv2d(d: &ConvDesc, x: *const f32, weights: *const f32, bias: *const f32, out: *mut f32, act: &Act, scratch: *mut f32) {
    let (kh, kw, sh, sw, dh, dw) =
        (d.kh as usize, d.kw as usize, d.sh as usize, d.sw as usize, d.dh as usize, d.dw as usize);
    let (h, w, oh, ow) = (d.h as usize, d.w as usize, d.oh as usize, d.ow as usize);
    let ph = (oh - 1) * sh + (kh - 1) * dh + 1;
    let pw = (ow - 1) * sw + (kw - 1) * dw + 1 + 8;
    // Stride-2 fast path: each padded row is stored as its even columns then its odd columns, so every
    // tap reads four consecutive floats (no gathering).
    let split = cfg!(target_feature = "simd128") && sw == 2 && dh == 1 && dw == 1 && kh == kw && (kh == 3 || kh == 5);
    for ch in 0..d.c as usize {
        let plane = x.add(ch * h * w);
        // Zero-padded copy of the input rows the outputs read: columns [x0, x1) of the plane row come
        // from input columns [x0 - pl, x1 - pl).
        let pl = d.pl as usize;
        let x0 = pl.min(pw);
        let x1 = (pl + w).min(pw);
        for py in 0..ph {
            let dst = scratch.add(py * pw);
            let iy = py as isize - d.pt as isize;
            if iy >= 0 && (iy as usize) < h && x1 > x0 {
                if split {
                    split_row(plane.add(iy as usize * w), dst, pw, x0, x1);
                    continue;
                }
                core::ptr::write_bytes(dst, 0, x0);
                core::ptr::copy_nonoverlapping(plane.add(iy as usize * w), dst.add(x0), x1 - x0);
                core::ptr::write_bytes(dst.add(x1), 0, pw - x1);
            } else {
                core::ptr::write_bytes(dst, 0, pw);
            }
        }
        let wc = weights.add(ch * kh * kw);
        let b = if bias.is_null() { 0.0 } else { *bias.add(ch) };
        let oc = out.add(ch * oh * ow);
        #[cfg(target_feature = "simd128")]
        {
            let fast = dh == 1 && dw == 1 && kh == kw;
            let done = match (fast, kh, sw) {
                (true, 3, 1) => dw_plane::<3, 1>(scratch, pw, sh, wc, b, oc, oh, ow, act),
                (true, 3, 2) => dw_plane::<3, 2>(scratch, pw, sh, wc, b, oc, oh, ow, act),
                (true, 5, 1) => dw_plane::<5, 1>(scratch, pw, sh, wc, b, oc, oh, ow, act),
                (true, 5, 2) => dw_plane::<5, 2>(scratch, pw, sh, wc, b, oc, oh, ow, act),
                _ => false,
            };
            if done {
                continue;
            }
        }
        for oy in 0..oh {
            let base = scratch.add(oy * sh * pw);
            let orow = oc.add(oy * ow);
            let mut ox = 0;
            #[cfg(target_feature = "simd128")]
            while ox + 4 <= ow {
                let mut acc = f32x4_splat(b);
                for ky in 0..kh {
                    let srow = base.add(ky * dh * pw + ox * sw);
                    for kx in 0..kw {
                        let wv = f32x4_splat(*wc.add(ky * kw + kx));
                        let s = srow.add(kx * dw);
                        let v = match sw {
                            1 => v128_load(s as *const v128),
                            2 => {
                                let lo = v128_load(s as *const v128);
                                let hi = v128_load(s.add(4) as *const v128);
                                i32x4_shuffle::<0, 2, 4, 6>(lo, hi)
                            }
                            _ => f32x4(*s, *s.add(sw), *s.add(2 * sw), *s.add(3 * sw)),
                        };
                        acc = madd(wv, v, acc);
                    }
                }
                v128_store(orow.add(ox) as *mut v128, activation::apply_v(acc, act));
                ox += 4;
            }
            while ox < ow {
                let mut acc = b;
                for ky in 0..kh {
                    for kx in 0..kw {
                        acc += *wc.add(ky * kw + kx) * *base.add(ky * dh * pw + ox * sw + kx * dw);
                    }
                }
                *orow.add(ox) = activation::apply(acc, act);
                ox += 1;
            }
        }
    }
}

/// Writes one zero-padded input row (input columns land at padded columns `[x0, x1)`, `pw` padded
/// columns) as its even padded columns at `dst[0..]` then its odd ones at `dst[pw / 2..]`.
#[inline(never)]
unsafe fn split_row(src: *const f32, dst: *mut f32, pw: usize, x0: usize, x1: usize) {
    let half = pw / 2;
    let (even, odd) = (dst, dst.add(half));
    let end = 2 * half;
    let mut p = 0;
    // Left padding, then one column if needed so the 8-column steps start on an even column.
    while p < end && (p < x0 || p % 2 != 0) {
        let v = if p >= x0 && p < x1 { *src.add(p - x0) } else { 0.0 };
        if p % 2 == 0 { *even.add(p / 2) = v } else { *odd.add(p / 2) = v }
        p += 1;
    }
    #[cfg(target_feature = "simd128")]
    while p + 8 <= x1 {
        let s = src.add(p - x0);
        let lo = v128_load(s as *const v128);
        let hi = v128_load(s.add(4) as *const v128);
        v128_store(even.add(p / 2) as *mut v128, i32x4_shuffle::<0, 2, 4, 6>(lo, hi));
        v128_store(odd.add(p / 2) as *mut v128, i32x4_shuffle::<1, 3, 5, 7>(lo, hi));
        p += 8;
    }
    while p < end {
        let v = if p >= x0 && p < x1 { *src.add(p - x0) } else { 0.0 };
        if p % 2 == 0 { *even.add(p / 2) = v } else { *odd.add(p / 2) = v }
        p += 1;
    }
}

/// One channel of a `K×K`, stride-`S`, undilated depthwise conv from the padded plane, activation applied
/// before each store: 16 outputs per step in four independent accumulators, taps unrolled. For `S == 2`
/// the plane's rows are split by [`split_row`] (even columns, then odd ones from `pw / 2`).
#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn dw_plane<const K: usize, const S: usize>(
    plane: *const f32,
    pw: usize,
    sh: usize,
    wc: *const f32,
    b: f32,
    out: *mut f32,
    oh: usize,
    ow: usize,
    act: &Act,
) -> bool {
    let mut wv = [f32x4_splat(0.0); 25];
    for t in 0..K * K {
        wv[t] = f32x4_splat(*wc.add(t));
    }
    let bias = f32x4_splat(b);
    let half = pw / 2;
    let mut oy0 = 0;
    if S == 1 && sh == 1 {
        // Two output rows at once, 8 outputs each: the K + 1 input rows are loaded once for both (each
        // output still sums its taps in `ky`, `kx` order).
        while oy0 + 2 <= oh {
            let base = plane.add(oy0 * pw);
            let (r0, r1) = (out.add(oy0 * ow), out.add((oy0 + 1) * ow));
            let mut ox = 0;
            while ox + 8 <= ow {
                let mut acc = [bias; 4];
                for r in 0..K + 1 {
                    let srow = base.add(r * pw + ox);
                    for kx in 0..K {
                        let v0 = v128_load(srow.add(kx) as *const v128);
                        let v1 = v128_load(srow.add(kx + 4) as *const v128);
                        if r < K {
                            let w = wv[r * K + kx];
                            acc[0] = madd(w, v0, acc[0]);
                            acc[1] = madd(w, v1, acc[1]);
                        }
                        if r >= 1 {
                            let w = wv[(r - 1) * K + kx];
                            acc[2] = madd(w, v0, acc[2]);
                            acc[3] = madd(w, v1, acc[3]);
                        }
                    }
                }
                v128_store(r0.add(ox) as *mut v128, activation::apply_v(acc[0], act));
                v128_store(r0.add(ox + 4) as *mut v128, activation::apply_v(acc[1], act));
                v128_store(r1.add(ox) as *mut v128, activation::apply_v(acc[2], act));
                v128_store(r1.add(ox + 4) as *mut v128, activation::apply_v(acc[3], act));
                ox += 8;
            }
            dw_row_tail::<K, S>(base, pw, wc, b, &wv, r0, ox, ow, half, act);
            dw_row_tail::<K, S>(base.add(pw), pw, wc, b, &wv, r1, ox, ow, half, act);
            oy0 += 2;
        }
    }
    for oy in oy0..oh {
        let base = plane.add(oy * sh * pw);
        let orow = out.add(oy * ow);
        let mut ox = 0;
        while ox + 16 <= ow {
            let mut acc = [bias; 4];
            for ky in 0..K {
                let srow = base.add(ky * pw + ox);
                for kx in 0..K {
                    let w = wv[ky * K + kx];
                    let s = srow.add(col::<S>(kx, half));
                    for q in 0..4 {
                        acc[q] = madd(w, v128_load(s.add(4 * q) as *const v128), acc[q]);
                    }
                }
            }
            for q in 0..4 {
                v128_store(orow.add(ox + 4 * q) as *mut v128, activation::apply_v(acc[q], act));
            }
            ox += 16;
        }
        dw_row_tail::<K, S>(base, pw, wc, b, &wv, orow, ox, ow, half, act);
    }
    true
}

/// Offset of padded column `ox·S + kx` in a stored row of [`dw_plane`] (`ox` is added by the caller).
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn col<const S: usize>(kx: usize, half: usize) -> usize {
    if S == 1 {
        kx
    } else if kx % 2 == 0 {
        kx / 2
    } else {
        half + kx / 2
    }
}

/// Outputs `ox..ow` of one row of [`dw_plane`]: four at a time, then one at a time (same sums).
#[cfg(target_feature = "simd128")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn dw_row_tail<const K: usize, const S: usize>(
    base: *const f32,
    pw: usize,
    wc: *const f32,
    b: f32,
    wv: &[v128; 25],
    orow: *mut f32,
    mut ox: usize,
    ow: usize,
    half: usize,
    act: &Act,
) {
    while ox + 4 <= ow {
        let mut acc = f32x4_splat(b);
        for ky in 0..K {
            let srow = base.add(ky * pw + ox);
            for kx in 0..K {
                acc = madd(wv[ky * K + kx], v128_load(srow.add(col::<S>(kx, half)) as *const v128), acc);
            }
        }
        v128_store(orow.add(ox) as *mut v128, activation::apply_v(acc, act));
        ox += 4;
    }
    while ox < ow {
        let mut acc = b;
        for ky in 0..K {
            for kx in 0..K {
                acc += *wc.add(ky * K + kx) * *base.add(ky * pw + ox + col::<S>(kx, half));
            }
        }
        *orow.add(ox) = activation::apply(acc, act);
        ox += 1;
    }
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
fn madd(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(f32x4_mul(a, b), acc)
    }
}
