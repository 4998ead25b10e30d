//! Dynamic int8 quantization of activation rows (the "qd8" in `qd8-f32-qcXw`), one scale per row.
//!
//! Symmetric: `scale = absmax/127`, `q = rne(x · (127/absmax))` in -127..127, zero point 0.
//! Asymmetric: the range `[min(0, min x), max(0, max x)]` maps onto -128..127:
//! `scale = range/255`, `inv = 255/range`, `zp = -128 - rne(lo·inv)`, `q = clamp(rne(x·inv) + zp, -128, 127)`.
//! An all-zero row (range 0) gives scale 0, zero point 0 and all-zero codes. Every quotient and product is
//! one float32 operation rounded to nearest even, so all variants and the TypeScript reference
//! (`src/kernels/ref/quantize_rows_ref.ts`) agree exactly. Codes past `k` (up to `ldq`) are written as 0.
//! Rows holding NaN or infinities give unspecified (but in-range) codes.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::round_even;

/// Quantizes `m` rows of `k` floats (rows `ldx` apart) to int8 rows `ldq` apart with per-row scale/zero point.
///
/// # Safety
/// `x` covers `m` rows, `q` covers `m·ldq` bytes, `scale` and `zp` hold `m` values, `ldq >= k`.
pub unsafe fn quantize_rows(
    m: usize,
    k: usize,
    x: *const f32,
    ldx: usize,
    asymmetric: bool,
    q: *mut i8,
    ldq: usize,
    scale: *mut f32,
    zp: *mut i32,
) {
    for i in 0..m {
        let xr = x.add(i * ldx);
        let qr = q.add(i * ldq);
        let (lo, hi) = min_max(xr, k);
        let p = row_params(lo, hi, asymmetric);
        *scale.add(i) = p.scale;
        *zp.add(i) = p.zp;
        encode(xr, k, p.inv, p.zp, p.qmin, qr);
        for j in k..ldq {
            *qr.add(j) = 0;
        }
    }
}

/// How one row is quantized: its scale and zero point, the multiplier `inv` and the lowest code.
#[derive(Clone, Copy)]
pub struct RowParams {
    pub scale: f32,
    pub zp: i32,
    pub inv: f32,
    pub qmin: i32,
}

/// The parameters of a row whose minimum and maximum are `lo` and `hi` (see the module doc).
#[inline(always)]
pub fn row_params(lo: f32, hi: f32, asymmetric: bool) -> RowParams {
    if asymmetric {
        let lo = if lo < 0.0 { lo } else { 0.0 };
        let hi = if hi > 0.0 { hi } else { 0.0 };
        let range = hi - lo;
        if range > 0.0 {
            let inv = 255.0 / range;
            RowParams { scale: range / 255.0, zp: -128 - (round_even(lo * inv) as i32), inv, qmin: -128 }
        } else {
            RowParams { scale: 0.0, zp: 0, inv: 0.0, qmin: -128 }
        }
    } else {
        let nlo = -lo;
        let absmax = if nlo > hi { nlo } else { hi };
        if absmax > 0.0 {
            RowParams { scale: absmax / 127.0, zp: 0, inv: 127.0 / absmax, qmin: -127 }
        } else {
            RowParams { scale: 0.0, zp: 0, inv: 0.0, qmin: -127 }
        }
    }
}

/// Minimum and maximum of a row (exact; NaN handling unspecified).
#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn min_max(x: *const f32, k: usize) -> (f32, f32) {
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for j in 0..k {
        let v = *x.add(j);
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
    }
    (lo, hi)
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn min_max(x: *const f32, k: usize) -> (f32, f32) {
    let mut vlo = f32x4_splat(f32::INFINITY);
    let mut vhi = f32x4_splat(f32::NEG_INFINITY);
    let mut j = 0;
    if k >= 16 {
        // Four independent chains: one min/max chain would wait on its own latency every 4 floats.
        let (mut lo1, mut lo2, mut lo3) = (vlo, vlo, vlo);
        let (mut hi1, mut hi2, mut hi3) = (vhi, vhi, vhi);
        while j + 16 <= k {
            let (a, b) = (v128_load(x.add(j) as *const v128), v128_load(x.add(j + 4) as *const v128));
            let (c, d) = (v128_load(x.add(j + 8) as *const v128), v128_load(x.add(j + 12) as *const v128));
            vlo = f32x4_pmin(vlo, a);
            vhi = f32x4_pmax(vhi, a);
            lo1 = f32x4_pmin(lo1, b);
            hi1 = f32x4_pmax(hi1, b);
            lo2 = f32x4_pmin(lo2, c);
            hi2 = f32x4_pmax(hi2, c);
            lo3 = f32x4_pmin(lo3, d);
            hi3 = f32x4_pmax(hi3, d);
            j += 16;
        }
        vlo = f32x4_pmin(f32x4_pmin(vlo, lo1), f32x4_pmin(lo2, lo3));
        vhi = f32x4_pmax(f32x4_pmax(vhi, hi1), f32x4_pmax(hi2, hi3));
    }
    while j + 4 <= k {
        let v = v128_load(x.add(j) as *const v128);
        vlo = f32x4_pmin(vlo, v);
        vhi = f32x4_pmax(vhi, v);
        j += 4;
    }
    let mut lo = f32x4_extract_lane::<0>(vlo);
    let mut hi = f32x4_extract_lane::<0>(vhi);
    let l = [f32x4_extract_lane::<1>(vlo), f32x4_extract_lane::<2>(vlo), f32x4_extract_lane::<3>(vlo)];
    let h = [f32x4_extract_lane::<1>(vhi), f32x4_extract_lane::<2>(vhi), f32x4_extract_lane::<3>(vhi)];
    for t in 0..3 {
        lo = if l[t] < lo { l[t] } else { lo };
        hi = if h[t] > hi { h[t] } else { hi };
    }
    while j < k {
        let v = *x.add(j);
        lo = if v < lo { v } else { lo };
        hi = if v > hi { v } else { hi };
        j += 1;
    }
    (lo, hi)
}

#[inline(always)]
fn code(v: f32, inv: f32, z: i32, qmin: i32) -> i8 {
    let t = round_even(v * inv) as i32 + z;
    (if t < qmin { qmin } else if t > 127 { 127 } else { t }) as i8
}

#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn encode(x: *const f32, k: usize, inv: f32, z: i32, qmin: i32, q: *mut i8) {
    for j in 0..k {
        *q.add(j) = code(*x.add(j), inv, z, qmin);
    }
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn encode(x: *const f32, k: usize, inv: f32, z: i32, qmin: i32, q: *mut i8) {
    if inv <= f32::MAX {
        // |x·inv| <= 256 here (|x| <= range), so adding 1.5·2^23 rounds to nearest even and leaves the
        // integer in the low mantissa bits: one add and one integer subtract instead of nearest + trunc_sat.
        let vz = i32x4_splat(MAGIC.to_bits() as i32 - z);
        encode_with(x, k, inv, z, qmin, q, |v, vinv| {
            let t = f32x4_mul(v, vinv);
            let t = v128_and(t, f32x4_eq(t, t)); // NaN → 0, as the saturating conversion gives
            i32x4_sub(f32x4_add(t, f32x4_splat(MAGIC)), vz)
        });
    } else {
        // `inv` overflowed (a range below ~1e-36): the saturating conversion keeps the old codes.
        let vz = i32x4_splat(z);
        encode_with(x, k, inv, z, qmin, q, |v, vinv| {
            i32x4_add(i32x4_trunc_sat_f32x4(f32x4_nearest(f32x4_mul(v, vinv))), vz)
        });
    }
}

/// 1.5·2^23: adding it to a float of magnitude <= 2^22 rounds it to an integer, nearest even.
#[cfg(target_feature = "simd128")]
pub const MAGIC: f32 = 12582912.0;

#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn encode_with(
    x: *const f32,
    k: usize,
    inv: f32,
    z: i32,
    qmin: i32,
    q: *mut i8,
    conv4: impl Fn(v128, v128) -> v128,
) {
    let vinv = f32x4_splat(inv);
    let vmin = i8x16_splat(qmin as i8);
    let mut j = 0;
    while j + 16 <= k {
        let c0 = conv4(v128_load(x.add(j) as *const v128), vinv);
        let c1 = conv4(v128_load(x.add(j + 4) as *const v128), vinv);
        let c2 = conv4(v128_load(x.add(j + 8) as *const v128), vinv);
        let c3 = conv4(v128_load(x.add(j + 12) as *const v128), vinv);
        let h = i8x16_narrow_i16x8(i16x8_narrow_i32x4(c0, c1), i16x8_narrow_i32x4(c2, c3));
        v128_store(q.add(j) as *mut v128, i8x16_max(h, vmin));
        j += 16;
    }
    while j < k {
        *q.add(j) = code(*x.add(j), inv, z, qmin);
        j += 1;
    }
}
