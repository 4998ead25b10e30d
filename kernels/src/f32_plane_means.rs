//! GlobalAveragePool: each plane's mean, the float64 sum of its float32 values in order divided by the
//! plane size in float64 and rounded once to float32 — the bits of the reference op and of the TypeScript
//! fast path (`src/runtime/fast/f32_pool_ops.ts`). SIMD builds take eight planes in four `f64x2` sums
//! (lane `j` of sum `i` is plane `2i + j`): four floats of each plane per load, paired across planes by
//! interleaving shuffles, widened exactly and added in order — a quarter of the loads, which Deno's V8 bounds-checks
//! one by one, and four independent add chains. Other planes go four, then one at a time.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// `out[p] = mean(x[p·plane .. (p + 1)·plane])` for `planes` planes.
///
/// # Safety
/// `x` covers `planes · plane` floats and `out` covers `planes`.
pub unsafe fn plane_means(x: *const f32, planes: usize, plane: usize, out: *mut f32) {
    let mut p = 0;
    #[cfg(target_feature = "simd128")]
    while p + 8 <= planes {
        means8(x.add(p * plane), plane, out.add(p));
        p += 8;
    }
    while p + 4 <= planes {
        means::<4>(x.add(p * plane), plane, out.add(p));
        p += 4;
    }
    while p < planes {
        means::<1>(x.add(p * plane), plane, out.add(p));
        p += 1;
    }
}

/// The means of `N` consecutive planes, one float64 sum each.
#[inline(always)]
unsafe fn means<const N: usize>(x: *const f32, plane: usize, out: *mut f32) {
    let mut s = [0f64; N];
    for i in 0..plane {
        for (q, sum) in s.iter_mut().enumerate() {
            *sum += *x.add(q * plane + i) as f64;
        }
    }
    for (q, sum) in s.iter().enumerate() {
        *out.add(q) = (*sum / plane as f64) as f32;
    }
}

/// The means of 8 consecutive planes in four `f64x2` sums (see the module doc).
#[cfg(target_feature = "simd128")]
#[inline(never)]
unsafe fn means8(x: *const f32, plane: usize, out: *mut f32) {
    let mut acc = [f64x2_splat(0.0); 4];
    let mut i = 0;
    while i + 4 <= plane {
        for (q, sum) in acc.iter_mut().enumerate() {
            let a = v128_load(x.add(2 * q * plane + i) as *const v128);
            let b = v128_load(x.add((2 * q + 1) * plane + i) as *const v128);
            // (a[k], b[k]) in the low two lanes for k = 0..3, widened and added in k order. The pairs come
            // from the two interleaves (unpcklps/unpckhps) and their high halves moved down: one instruction
            // each, where a `[a0, b0, a0, b0]` shuffle took V8 three (pshufd, pshufd, pblendw).
            let lo = i32x4_shuffle::<0, 4, 1, 5>(a, b);
            let hi = i32x4_shuffle::<2, 6, 3, 7>(a, b);
            *sum = f64x2_add(*sum, f64x2_promote_low_f32x4(lo));
            *sum = f64x2_add(*sum, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(lo, lo)));
            *sum = f64x2_add(*sum, f64x2_promote_low_f32x4(hi));
            *sum = f64x2_add(*sum, f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 2, 3>(hi, hi)));
        }
        i += 4;
    }
    let mut s = [0f64; 8];
    for (q, sum) in acc.iter().enumerate() {
        s[2 * q] = f64x2_extract_lane::<0>(*sum);
        s[2 * q + 1] = f64x2_extract_lane::<1>(*sum);
    }
    for (q, sum) in s.iter_mut().enumerate() {
        for j in i..plane {
            *sum += *x.add(q * plane + j) as f64;
        }
        *out.add(q) = (*sum / plane as f64) as f32;
    }
}
