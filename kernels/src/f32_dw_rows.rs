//! The depthwise conv's padded plane rows (`f32_dwconv2d`): an input row copied into its place, or split
//! into even and odd columns for stride 2 across so every tap reads consecutive floats.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// Copies `n` floats (SIMD builds: vector moves, the last four again if `n` is not a multiple of 4).
///
/// # Safety
/// `src` and `dst` cover `n` floats.
#[inline(always)]
pub unsafe fn copy_row(src: *const f32, dst: *mut f32, n: usize) {
    #[cfg(target_feature = "simd128")]
    if n >= 4 {
        let mut i = 0;
        while i + 4 <= n {
            v128_store(dst.add(i) as *mut v128, v128_load(src.add(i) as *const v128));
            i += 4;
        }
        if i < n {
            v128_store(dst.add(n - 4) as *mut v128, v128_load(src.add(n - 4) as *const v128));
        }
        return;
    }
    core::ptr::copy_nonoverlapping(src, dst, n);
}

/// Writes one input row into a split plane row (`pw` padded columns, the padding already zero): input
/// column `i` lands at padded column `p = x0 + i` (for `p < x1`), stored at `dst[p / 2]` if `p` is even,
/// at `dst[pw / 2 + p / 2]` if odd.
///
/// # Safety
/// `src` covers the row's `x1 - x0` floats and `dst` the padded row's `pw`.
pub unsafe fn split_row(src: *const f32, dst: *mut f32, pw: usize, x0: usize, x1: usize) {
    let half = pw / 2;
    // An odd `pw` leaves its last column out of both halves (no output reads it).
    let n = x1.min(2 * half).saturating_sub(x0);
    if n == 0 {
        return;
    }
    // Where input columns 2j and 2j + 1 go: e[j] and o[j].
    let (e, o) = if x0 % 2 == 0 {
        (dst.add(x0 / 2), dst.add(half + x0 / 2))
    } else {
        (dst.add(half + x0 / 2), dst.add(x0 / 2 + 1))
    };
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    if n >= 8 {
        let pair = |i: usize| {
            let lo = v128_load(src.add(i) as *const v128);
            let hi = v128_load(src.add(i + 4) as *const v128);
            v128_store(e.add(i / 2) as *mut v128, i32x4_shuffle::<0, 2, 4, 6>(lo, hi));
            v128_store(o.add(i / 2) as *mut v128, i32x4_shuffle::<1, 3, 5, 7>(lo, hi));
        };
        while i + 8 <= n {
            pair(i);
            i += 8;
        }
        // The last columns again from an even start (same values), then at most one column.
        if i < n {
            i = (n - 8) & !1;
            pair(i);
            i += 8;
        }
    }
    while i < n {
        if i % 2 == 0 {
            *e.add(i / 2) = *src.add(i);
        } else {
            *o.add(i / 2) = *src.add(i);
        }
        i += 1;
    }
}
