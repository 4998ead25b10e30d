//! Direct depthwise convolution (`group == c == oc`) on NCHW images (one image), geometry from
//! [`ConvDesc`]. The scratch plane is zeroed once per call (the padding is the same for every channel);
//! each channel then overwrites only the plane rows and columns that come from its input (for stride 2
//! across, rows are split into even and odd columns so every tap reads consecutive floats). Taps on
//! padding rows are skipped, as the reference skips them (on PP-OCR cls's 2- and 3-row maps with 5×5
//! kernels most rows of a window are padding); taps on padding columns are summed as zeros.
//!
//! SIMD builds run every undilated window with stride 1 or 2 across (any size, any stride down) in
//! blocks of 16, 8 or 4 columns of one output row, or of two with stride 1 down (eight independent
//! accumulators in the widest block, each plane row the two rows share loaded once); a row's last
//! partial block is recomputed over its final four columns (same sums, so the overlap rewrites
//! identical values). The taps across are unrolled for widths 3 and 5 but the rows stay a loop: with a
//! whole window unrolled, V8 issues every load of the block first and spills them (shifted windows
//! shuffled from fewer loads measured no faster under V8 and slower under JavaScriptCore). ReLU, ReLU6,
//! HardSwish and the affine HardSwish are applied in registers before each store (0.84-0.97× the time of
//! a pass over each finished row, Deno and Bun); the others (sigmoid, tanh, …) run over each finished row
//! (pair) while it is in cache. Every output sums bias then its taps in `ky`, `kx` order, a multiply
//! and an add each, whatever the path (the relaxed build fuses them), so the SIMD128 build gives the
//! scalar build's bits.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
#[cfg(target_feature = "simd128")]
use crate::f32_gemm::madd;
use crate::f32_conv2d::ConvDesc;
use crate::f32_dw_rows::{copy_row, split_row};

/// Depthwise convolution (`group == c == oc`): `weights` is `[c][kh][kw]`; `scratch` holds
/// [`ConvDesc::dw_scratch`] floats. Per output: bias, then the taps in `ky`, `kx` order (a multiply and an
/// add each), then the activation (on the SIMD fast path before each store or over each finished
/// output row or pair of rows, see [`dw_plane`]).
///
/// # Safety
/// Pointers cover the tensors the descriptor describes.
pub unsafe fn dwconv2d(d: &ConvDesc, x: *const f32, weights: *const f32, bias: *const f32, out: *mut f32, act: &Act, scratch: *mut f32) {
    let (kh, kw, sh, sw, dh, dw) =
        (d.kh as usize, d.kw as usize, d.sh as usize, d.sw as usize, d.dh as usize, d.dw as usize);
    let (h, w, oh, ow) = (d.h as usize, d.w as usize, d.oh as usize, d.ow as usize);
    let ph = (oh - 1) * sh + (kh - 1) * dh + 1;
    let pw = (ow - 1) * sw + (kw - 1) * dw + 1 + 8;
    // Stride 2 across on the fast path: each padded row is stored as its even columns then its odd
    // columns, so every tap reads four consecutive floats (no gathering).
    let split = cfg!(target_feature = "simd128") && sw == 2 && dh == 1 && dw == 1;
    // Plane rows [y0, y1) and columns [x0, x1) come from the input (rows from y0 - pt, columns from
    // x0 - pl); everything else stays zero for every channel.
    core::ptr::write_bytes(scratch, 0, ph * pw);
    let (pt, pl) = (d.pt as usize, d.pl as usize);
    let (y0, y1) = (pt.min(ph), (pt + h).min(ph));
    let (x0, x1) = (pl.min(pw), (pl + w).min(pw));
    for ch in 0..d.c as usize {
        let plane = x.add(ch * h * w);
        if x1 > x0 {
            for py in y0..y1 {
                let (src, dst) = (plane.add((py - pt) * w), scratch.add(py * pw));
                if split {
                    split_row(src, dst, pw, x0, x1);
                } else {
                    copy_row(src, dst.add(x0), x1 - x0);
                }
            }
        }
        let wc = weights.add(ch * kh * kw);
        let b = if bias.is_null() { 0.0 } else { *bias.add(ch) };
        let oc = out.add(ch * oh * ow);
        #[cfg(target_feature = "simd128")]
        {
            if dh == 1 && dw == 1 && (sw == 1 || sw == 2) {
                match (sw, kw) {
                    (1, 3) => dw_plane::<1, 3>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                    (1, 5) => dw_plane::<1, 5>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                    (1, _) => dw_plane::<1, 0>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                    (_, 3) => dw_plane::<2, 3>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                    (_, 5) => dw_plane::<2, 5>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                    _ => dw_plane::<2, 0>(scratch, pw, (y0, y1), kh, kw, sh, wc, b, oc, oh, ow, act),
                }
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
                    if !(y0..y1).contains(&(oy * sh + ky * dh)) {
                        continue;
                    }
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
                    if !(y0..y1).contains(&(oy * sh + ky * dh)) {
                        continue;
                    }
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

/// One channel of an undilated depthwise conv with stride `S` across (1, or 2 from rows split by
/// [`split_row`]: even columns, then odd ones from `pw / 2`) from the padded plane: with stride 1 down,
/// output rows in pairs (the `kh - 1` plane rows they share loaded once); otherwise one at a time (pairs
/// sharing fewer rows measured slower under JavaScriptCore, about even under V8). The piecewise-linear
/// activations are applied in registers before each store; any other runs over each finished row (pair)
/// while it is in cache. `KW` is the kernel width when it is 3 or 5 (the
/// taps across unrolled), 0 for any other (`kw` read at run time).
#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn dw_plane<const S: usize, const KW: usize>(
    plane: *const f32,
    pw: usize,
    rows: (usize, usize),
    kh: usize,
    kw: usize,
    sh: usize,
    wc: *const f32,
    b: f32,
    out: *mut f32,
    oh: usize,
    ow: usize,
    act: &Act,
) {
    use activation::*;
    let fused = matches!(act.code, ACT_RELU | ACT_RELU6 | ACT_HARDSWISH | ACT_HARDSWISH_AFFINE);
    let g = Rows { pw, half: pw / 2, rows, kh, kw, wc, bias: b, ow, act: *act, fused };
    let mut oy = 0;
    while sh == 1 && oy + 2 <= oh {
        dw_rows::<S, 2, KW>(&g, plane, oy, out.add(oy * ow));
        if !fused {
            activation::apply_rows(out.add(oy * ow), 1, 2 * ow, 2 * ow, act);
        }
        oy += 2;
    }
    while oy < oh {
        dw_rows::<S, 1, KW>(&g, plane, oy * sh, out.add(oy * ow));
        if !fused {
            activation::apply_rows(out.add(oy * ow), 1, ow, ow, act);
        }
        oy += 1;
    }
}

/// What every block of one channel shares: plane row pitch and split offset, the input rows, kernel size,
/// weights, bias, output width and the activation (`fused`: applied by the blocks before their stores).
#[cfg(target_feature = "simd128")]
struct Rows {
    pw: usize,
    half: usize,
    /// Plane rows `[start, end)` that hold input rows (the others are padding, their taps skipped).
    rows: (usize, usize),
    kh: usize,
    kw: usize,
    wc: *const f32,
    bias: f32,
    ow: usize,
    act: Act,
    fused: bool,
}

/// `R` output rows (1, or 2 with stride 1 down) whose windows start at plane row `py` into `out` (rows
/// `ow` apart), the activation applied only if `fused`: blocks of 16 columns, then one of 8 and one of 4,
/// then the last four columns again if the width is not a multiple of 4 (rows narrower than 4 go one
/// output at a time).
#[cfg(target_feature = "simd128")]
#[inline(never)]
unsafe fn dw_rows<const S: usize, const R: usize, const KW: usize>(g: &Rows, plane: *const f32, py: usize, out: *mut f32) {
    let ow = g.ow;
    let base = plane.add(py * g.pw);
    // Which of the plane rows `py + r` (r = 0..kh + R - 1) hold input: padding rows are skipped.
    let live = |r: usize| (g.rows.0..g.rows.1).contains(&(py + r));
    let mut ox = 0;
    while ox + 16 <= ow {
        dw_block::<S, R, 4, KW>(g, base, &live, out, ox);
        ox += 16;
    }
    if ox + 8 <= ow {
        dw_block::<S, R, 2, KW>(g, base, &live, out, ox);
        ox += 8;
    }
    if ox + 4 <= ow {
        dw_block::<S, R, 1, KW>(g, base, &live, out, ox);
        ox += 4;
    }
    if ox < ow && ow >= 4 {
        dw_block::<S, R, 1, KW>(g, base, &live, out, ow - 4);
        return;
    }
    for r in 0..R {
        let (srow, orow) = (base.add(r * g.pw), out.add(r * ow));
        for x in ox..ow {
            let mut acc = g.bias;
            for ky in 0..g.kh {
                if !live(r + ky) {
                    continue;
                }
                for kx in 0..g.kw {
                    acc += *g.wc.add(ky * g.kw + kx) * *srow.add(ky * g.pw + x + col::<S>(kx, g.half));
                }
            }
            *orow.add(x) = if g.fused { activation::apply(acc, &g.act) } else { acc };
        }
    }
}

/// Outputs `ox..ox + 4V` of `R` rows (`R·V` accumulators), the activation applied only if `fused`
/// (the code then known here, so its constants stay out of the tap loops). With two rows (stride 1
/// down), plane row `r` feeds output row 0 through weight row `r` (if `r < kh`) and output row 1 through
/// weight row `r - 1` (if `r >= 1`), so each output still sums its taps in `ky`, `kx` order.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn dw_block<const S: usize, const R: usize, const V: usize, const KW: usize>(
    g: &Rows,
    base: *const f32,
    live: &impl Fn(usize) -> bool,
    out: *mut f32,
    ox: usize,
) {
    let (kh, kw, wc) = (g.kh, g.kw, g.wc);
    let bias = f32x4_splat(g.bias);
    let mut a0 = [bias; V];
    let mut a1 = [bias; V];
    let srow = |r: usize| base.add(r * g.pw + ox);
    let mut r = 0;
    if R == 2 {
        if live(0) {
            taps::<S, V, KW>(&mut a0, srow(0), wc, kw, g.half);
        }
        r = 1;
    }
    while r < kh {
        if live(r) {
            if R == 2 {
                taps2::<S, V, KW>(&mut a0, &mut a1, srow(r), wc.add(r * kw), wc.add((r - 1) * kw), kw, g.half);
            } else {
                taps::<S, V, KW>(&mut a0, srow(r), wc.add(r * kw), kw, g.half);
            }
        }
        r += 1;
    }
    if R == 2 && live(kh) {
        taps::<S, V, KW>(&mut a1, srow(kh), wc.add((kh - 1) * kw), kw, g.half);
    }
    if g.fused {
        use activation::*;
        match g.act.code {
            ACT_RELU => store_act::<R, V, ACT_RELU>(g, &a0, &a1, out, ox),
            ACT_RELU6 => store_act::<R, V, ACT_RELU6>(g, &a0, &a1, out, ox),
            ACT_HARDSWISH => store_act::<R, V, ACT_HARDSWISH>(g, &a0, &a1, out, ox),
            _ => store_act::<R, V, ACT_HARDSWISH_AFFINE>(g, &a0, &a1, out, ox),
        }
        return;
    }
    for q in 0..V {
        v128_store(out.add(ox + 4 * q) as *mut v128, a0[q]);
        if R == 2 {
            v128_store(out.add(g.ow + ox + 4 * q) as *mut v128, a1[q]);
        }
    }
}

/// Stores a block's accumulators with activation `A` (known here, so its constants stay out of the tap loops).
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn store_act<const R: usize, const V: usize, const A: u32>(
    g: &Rows,
    a0: &[v128; V],
    a1: &[v128; V],
    out: *mut f32,
    ox: usize,
) {
    let a = Act { code: A, p0: g.act.p0, p1: g.act.p1 };
    for q in 0..V {
        v128_store(out.add(ox + 4 * q) as *mut v128, activation::apply_v(a0[q], &a));
        if R == 2 {
            v128_store(out.add(g.ow + ox + 4 * q) as *mut v128, activation::apply_v(a1[q], &a));
        }
    }
}

/// One plane row's `kw` taps into one output row's accumulators (weights `w[0..kw]`).
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn taps<const S: usize, const V: usize, const KW: usize>(
    a: &mut [v128; V],
    srow: *const f32,
    w: *const f32,
    kw: usize,
    half: usize,
) {
    for kx in 0..if KW == 0 { kw } else { KW } {
        let s = srow.add(col::<S>(kx, half));
        let wv = f32x4_splat(*w.add(kx));
        for q in 0..V {
            a[q] = madd(wv, v128_load(s.add(4 * q) as *const v128), a[q]);
        }
    }
}

/// One plane row's `kw` taps into two output rows' accumulators (weights `w0[0..kw]`, `w1[0..kw]`),
/// each input vector loaded once for both.
#[cfg(target_feature = "simd128")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn taps2<const S: usize, const V: usize, const KW: usize>(
    a0: &mut [v128; V],
    a1: &mut [v128; V],
    srow: *const f32,
    w0: *const f32,
    w1: *const f32,
    kw: usize,
    half: usize,
) {
    for kx in 0..if KW == 0 { kw } else { KW } {
        let s = srow.add(col::<S>(kx, half));
        let (u0, u1) = (f32x4_splat(*w0.add(kx)), f32x4_splat(*w1.add(kx)));
        for q in 0..V {
            let v = v128_load(s.add(4 * q) as *const v128);
            a0[q] = madd(u0, v, a0[q]);
            a1[q] = madd(u1, v, a1[q]);
        }
    }
}

/// Offset of padded column `ox·S + kx` in a stored row of [`dw_plane`] (`ox` is added by the caller).
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn col<const S: usize>(kx: usize, half: usize) -> usize {
    if S == 1 {
        kx
    } else {
        kx / 2 + (kx & 1) * half
    }
}
