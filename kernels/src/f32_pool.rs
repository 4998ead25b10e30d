//! fp32 NCHW 2-D MaxPool and AveragePool (no dilation) with the bits of the TypeScript fast path
//! (`src/runtime/fast/f32_pool_ops.ts`), which equal the reference kernels (`src/runtime/ops/nn/pool.ts`).
//!
//! Window of output `(oy, ox)`: rows `oy·sh − ph + [hlo, hhi)`, columns `ox·sw − pw + [wlo, whi)`, the taps
//! inside the input (`taps`, the TypeScript `axisTaps` at dilation 1). Taps are read row by row, left to
//! right. MaxPool: the first tap, then each later tap `v` replaces the best when `best < v` (a NaN first tap
//! wins, later NaNs lose, of ±0 the first stays); an empty window gives the lowest float32. AveragePool: the
//! float64 sum of the taps in that order, divided by the number of taps (or, with `count_include_pad`, by
//! the window's tap count over the padded input), rounded to float32; an empty window gives 0.
//!
//! The SIMD builds run the outputs whose windows are whole (no padding reaches them) four at a time, each
//! lane its own window with the same taps in the same order: the max as `best < v ? v : best` spelled as
//! compare and select (`pmax`'s definition; a `pmax` may become `relaxed_max` in the relaxed build), the
//! sum as two `f64x2` lanes pairs (each lane one sequential sum). Stride 2 gathers each tap's four columns
//! from two loads by an even/odd shuffle. Border outputs and other strides run the scalar code, which is
//! also the whole scalar build. No relaxed instruction: every build gives the same bits.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// The lowest finite float32: the value of an empty MaxPool window.
pub const LOWEST_F32: f32 = -3.4028235e38;

/// Where 2-D pooling windows read: `planes` planes of `h × w` pooled to `oh × ow` by a `kh × kw` window
/// (strides `sh`, `sw`; leading pads `ph`, `pw`; trailing pads `peh`, `pew`, which only count_include_pad reads).
#[derive(Clone, Copy)]
pub struct PoolGeometry {
    pub planes: usize,
    pub h: usize,
    pub w: usize,
    pub oh: usize,
    pub ow: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub peh: usize,
    pub pew: usize,
}

/// One axis, one output: valid taps `[lo, hi)`, the tap count over the padded input, and the window start.
#[derive(Clone, Copy)]
struct Taps {
    lo: usize,
    hi: usize,
    padded: usize,
    start: isize,
}

/// The taps of output `o` along an axis of `n` inputs (window `k`, stride `s`, pads `pb`, `pe`).
#[inline(always)]
fn taps(o: usize, n: usize, k: usize, s: usize, pb: usize, pe: usize) -> Taps {
    let start = (o * s) as isize - pb as isize;
    let lo = if start >= 0 { 0 } else { core::cmp::min((-start) as usize, k) };
    let hi = core::cmp::max(lo as isize, core::cmp::min(k as isize, n as isize - start)) as usize;
    let padded = (core::cmp::min(start + k as isize, (n + pe) as isize) - start) as usize;
    Taps { lo, hi, padded, start }
}

/// Outputs `[first, end)` of an axis whose windows are whole: `o·s ≥ p` and `o·s − p + k ≤ n`.
#[inline(always)]
fn whole_range(n: usize, out: usize, k: usize, s: usize, p: usize) -> (usize, usize) {
    let first = core::cmp::min(p.div_ceil(s), out);
    let end = if n + p >= k { core::cmp::min((n + p - k) / s + 1, out) } else { 0 };
    (first, core::cmp::max(first, end))
}

/// Max of one window (rows `row0 + [0, rows)`, columns `col0 + [0, cols)` of a plane `w` wide): the first
/// tap, then any larger one.
#[inline(always)]
unsafe fn window_max(xp: *const f32, w: usize, row0: usize, rows: usize, col0: usize, cols: usize) -> f32 {
    if rows == 0 || cols == 0 {
        return LOWEST_F32;
    }
    let first = row0 * w + col0;
    let mut best = *xp.add(first);
    for a in 0..rows {
        let r = xp.add(first + a * w);
        for e in 0..cols {
            let v = *r.add(e);
            if best < v {
                best = v;
            }
        }
    }
    best
}

/// Float64 sum of one window's taps, row by row, left to right, from 0.
#[inline(always)]
unsafe fn window_sum(xp: *const f32, w: usize, row0: usize, rows: usize, col0: usize, cols: usize) -> f64 {
    let mut sum = 0.0f64;
    for a in 0..rows {
        let r = xp.add((row0 + a) * w + col0);
        for e in 0..cols {
            sum += *r.add(e) as f64;
        }
    }
    sum
}

/// 2-D MaxPool of `g.planes` planes at `x` into `y` (see the module docs for the rule).
///
/// # Safety
/// `x` holds `planes·h·w` floats, `y` `planes·oh·ow`.
pub unsafe fn max_pool2d(x: *const f32, y: *mut f32, g: &PoolGeometry) {
    let (wx0, wx1) = whole_range(g.w, g.ow, g.kw, g.sw, g.pw);
    for p in 0..g.planes {
        let xp = x.add(p * g.h * g.w);
        for oy in 0..g.oh {
            let th = taps(oy, g.h, g.kh, g.sh, g.ph, g.peh);
            let yr = y.add((p * g.oh + oy) * g.ow);
            let rows = th.hi - th.lo;
            let row0 = (th.start + th.lo as isize).max(0) as usize;
            if rows == 0 {
                for ox in 0..g.ow {
                    *yr.add(ox) = LOWEST_F32;
                }
                continue;
            }
            let mut ox = 0;
            while ox < g.ow {
                if ox == wx0 && wx0 < wx1 {
                    #[cfg(target_feature = "simd128")]
                    {
                        let col = ox * g.sw - g.pw;
                        let avail = (g.planes - p) * g.h * g.w;
                        let done = max_whole_simd(xp, yr.add(ox), g, row0, rows, col, wx1 - ox, avail);
                        ox += done;
                    }
                    if ox >= wx1 {
                        continue;
                    }
                }
                let tw = taps(ox, g.w, g.kw, g.sw, g.pw, g.pew);
                let col0 = (tw.start + tw.lo as isize) as usize;
                *yr.add(ox) = window_max(xp, g.w, row0, rows, col0, tw.hi - tw.lo);
                ox += 1;
            }
        }
    }
}

/// Whole-window max outputs four at a time, starting at column `col`, at most `count` of them; returns how
/// many it wrote (a multiple of 4; the rest are left to the scalar code). `avail` floats are readable from `xp`.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn max_whole_simd(
    xp: *const f32,
    yr: *mut f32,
    g: &PoolGeometry,
    row0: usize,
    rows: usize,
    col: usize,
    count: usize,
    avail: usize,
) -> usize {
    let (w, kw, sw) = (g.w, g.kw, g.sw);
    if sw > 2 {
        return 0;
    }
    let mut done = 0;
    let last_row = (row0 + rows - 1) * w;
    while done + 4 <= count {
        let c = col + done * sw;
        // The furthest float read: `lanes` reads 4·sw floats from the last tap's column.
        if last_row + c + kw - 1 + 4 * sw > avail {
            break;
        }
        let mut best;
        if sw == 2 && kw == 2 {
            // Both taps of a row from one pair of loads: even lanes tap 0, odd lanes tap 1.
            let (ev, od) = even_odd(xp.add(row0 * w + c));
            best = max_lanes(ev, od);
            for a in 1..rows {
                let (ev, od) = even_odd(xp.add((row0 + a) * w + c));
                best = max_lanes(best, ev);
                best = max_lanes(best, od);
            }
        } else {
            best = lanes(xp.add(row0 * w + c), sw);
            for a in 0..rows {
                let r = xp.add((row0 + a) * w + c);
                for e in (if a == 0 { 1 } else { 0 })..kw {
                    best = max_lanes(best, lanes(r.add(e), sw));
                }
            }
        }
        v128_store(yr.add(done) as *mut v128, best);
        done += 4;
    }
    done
}

/// `best < v ? v : best` per lane (pmax's definition), as compare and select so no relaxed max replaces it.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn max_lanes(best: v128, v: v128) -> v128 {
    v128_bitselect(v, best, f32x4_lt(best, v))
}

/// Floats `p[0], p[sw], p[2·sw], p[3·sw]` for `sw` 1 or 2 (reads `4·sw` floats).
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn lanes(p: *const f32, sw: usize) -> v128 {
    if sw == 1 {
        v128_load(p as *const v128)
    } else {
        even_odd(p).0
    }
}

/// Of the 8 floats at `p`: the even ones `p[0], p[2], p[4], p[6]` and the odd ones.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn even_odd(p: *const f32) -> (v128, v128) {
    let a = v128_load(p as *const v128);
    let b = v128_load(p.add(4) as *const v128);
    (i32x4_shuffle::<0, 2, 4, 6>(a, b), i32x4_shuffle::<1, 3, 5, 7>(a, b))
}

/// 2-D AveragePool of `g.planes` planes at `x` into `y` (see the module docs for the rule).
///
/// # Safety
/// `x` holds `planes·h·w` floats, `y` `planes·oh·ow`.
pub unsafe fn average_pool2d(x: *const f32, y: *mut f32, g: &PoolGeometry, include_pad: bool) {
    let (wx0, wx1) = whole_range(g.w, g.ow, g.kw, g.sw, g.pw);
    for p in 0..g.planes {
        let xp = x.add(p * g.h * g.w);
        for oy in 0..g.oh {
            let th = taps(oy, g.h, g.kh, g.sh, g.ph, g.peh);
            let yr = y.add((p * g.oh + oy) * g.ow);
            let rows = th.hi - th.lo;
            let row0 = (th.start + th.lo as isize).max(0) as usize;
            let mut ox = 0;
            while ox < g.ow {
                if ox == wx0 && wx0 < wx1 && rows > 0 {
                    #[cfg(target_feature = "simd128")]
                    {
                        let col = ox * g.sw - g.pw;
                        let count = if include_pad { th.padded * g.kw } else { rows * g.kw };
                        let left = (g.planes - p) * g.h * g.w;
                        ox += mean_whole_simd(xp, yr.add(ox), g, row0, rows, col, wx1 - ox, left, count as f64);
                    }
                    if ox >= wx1 {
                        continue;
                    }
                }
                let tw = taps(ox, g.w, g.kw, g.sw, g.pw, g.pew);
                let cols = tw.hi - tw.lo;
                let valid = rows * cols;
                *yr.add(ox) = if valid == 0 {
                    0.0
                } else {
                    let col0 = (tw.start + tw.lo as isize) as usize;
                    let sum = window_sum(xp, g.w, row0, rows, col0, cols);
                    let count = if include_pad { th.padded * tw.padded } else { valid };
                    (sum / count as f64) as f32
                };
                ox += 1;
            }
        }
    }
}

/// Whole-window means four at a time (two `f64x2` sums), like [`max_whole_simd`]; `count` divides every sum.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn mean_whole_simd(
    xp: *const f32,
    yr: *mut f32,
    g: &PoolGeometry,
    row0: usize,
    rows: usize,
    col: usize,
    outputs: usize,
    avail: usize,
    count: f64,
) -> usize {
    let (w, kw, sw) = (g.w, g.kw, g.sw);
    if sw > 2 {
        return 0;
    }
    let div = f64x2_splat(count);
    let mut done = 0;
    let last_row = (row0 + rows - 1) * w;
    while done + 4 <= outputs {
        let c = col + done * sw;
        if last_row + c + kw - 1 + 4 * sw > avail {
            break;
        }
        let mut lo = f64x2_splat(0.0);
        let mut hi = f64x2_splat(0.0);
        for a in 0..rows {
            let r = xp.add((row0 + a) * w + c);
            if sw == 2 && kw == 2 {
                let (ev, od) = even_odd(r);
                lo = f64x2_add(lo, f64x2_promote_low_f32x4(ev));
                hi = f64x2_add(hi, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(ev, ev)));
                lo = f64x2_add(lo, f64x2_promote_low_f32x4(od));
                hi = f64x2_add(hi, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(od, od)));
            } else {
                for e in 0..kw {
                    let v = lanes(r.add(e), sw);
                    lo = f64x2_add(lo, f64x2_promote_low_f32x4(v));
                    hi = f64x2_add(hi, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(v, v)));
                }
            }
        }
        let lo32 = f32x4_demote_f64x2_zero(f64x2_div(lo, div));
        let hi32 = f32x4_demote_f64x2_zero(f64x2_div(hi, div));
        v128_store(yr.add(done) as *mut v128, i32x4_shuffle::<0, 1, 4, 5>(lo32, hi32));
        done += 4;
    }
    done
}
