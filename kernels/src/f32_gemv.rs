//! fp32 matrix-vector product `y[i] = act(row_bias[i] + Σ_k A[i][k]·x[k])` for A row-major (rows `lda`
//! apart), x and y strided: the GEMM with one column (a 1×1 conv on a 1×1 image, e.g. squeeze-and-excite
//! blocks), which the 8-column register tile would run at one eighth of its width.
//!
//! Every output is `(0 + row_bias) + Σ_k` in increasing `k`, one rounding per multiply and per add (the
//! relaxed build fuses them), exactly what [`crate::f32_gemm`]'s tiles compute for that column, so a
//! one-column GEMM gives the same bits on either path. The SIMD builds keep 8 output rows in two
//! vectors, lanes = rows: each step loads 4 k-values of 8 rows, transposes the two 4×4 blocks in
//! registers and adds the 4 products per lane in `k` order.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
#[cfg(target_feature = "simd128")]
use crate::f32_gemm::madd;

/// `y = act(A·x + row_bias)` for `m × k` A.
///
/// # Safety
/// `a` covers `m` rows of `k` floats `lda` apart, `x` holds `k` floats `incx` apart, `y` holds `m`
/// floats `incy` apart, `row_bias` is null or holds `m` floats.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemv(
    m: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    x: *const f32,
    incx: usize,
    row_bias: *const f32,
    y: *mut f32,
    incy: usize,
    act: &Act,
) {
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    while i + 8 <= m {
        let rb = if row_bias.is_null() { row_bias } else { row_bias.add(i) };
        rows8(k, a.add(i * lda), lda, x, incx, rb, y.add(i * incy), incy);
        i += 8;
    }
    while i < m {
        let row = a.add(i * lda);
        let mut s = 0.0f32 + if row_bias.is_null() { 0.0 } else { *row_bias.add(i) };
        for kk in 0..k {
            s = madd1(*row.add(kk), *x.add(kk * incx), s);
        }
        *y.add(i * incy) = s;
        i += 1;
    }
    activation::apply_rows(y, m, 1, incy, act);
}

/// `a·b + acc`, rounded like the build's vector `madd` (fused in the relaxed build).
#[inline(always)]
fn madd1(a: f32, b: f32, acc: f32) -> f32 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_extract_lane::<0>(f32x4_relaxed_madd(f32x4_splat(a), f32x4_splat(b), f32x4_splat(acc)))
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        a * b + acc
    }
}

/// The 4×4 transpose of rows `r0..r3`: vector `j` holds column `j`.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn transpose4(r0: v128, r1: v128, r2: v128, r3: v128) -> [v128; 4] {
    let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
    let t1 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
    let t2 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
    let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
    [
        i32x4_shuffle::<0, 1, 4, 5>(t0, t1),
        i32x4_shuffle::<2, 3, 6, 7>(t0, t1),
        i32x4_shuffle::<0, 1, 4, 5>(t2, t3),
        i32x4_shuffle::<2, 3, 6, 7>(t2, t3),
    ]
}

/// Eight output rows (no activation).
#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn rows8(
    k: usize,
    a: *const f32,
    lda: usize,
    x: *const f32,
    incx: usize,
    row_bias: *const f32,
    y: *mut f32,
    incy: usize,
) {
    // `0 + bias`, as the GEMM tile starts from its zero column bias (turns a -0 bias into +0).
    let zero = f32x4_splat(0.0);
    let (mut acc0, mut acc1) = if row_bias.is_null() {
        (zero, zero)
    } else {
        let rb = row_bias as *const v128;
        (f32x4_add(zero, v128_load(rb)), f32x4_add(zero, v128_load(rb.add(1))))
    };
    let mut kk = 0;
    while kk + 4 <= k {
        let p = a.add(kk);
        let lo = transpose4(
            v128_load(p as *const v128),
            v128_load(p.add(lda) as *const v128),
            v128_load(p.add(2 * lda) as *const v128),
            v128_load(p.add(3 * lda) as *const v128),
        );
        let hi = transpose4(
            v128_load(p.add(4 * lda) as *const v128),
            v128_load(p.add(5 * lda) as *const v128),
            v128_load(p.add(6 * lda) as *const v128),
            v128_load(p.add(7 * lda) as *const v128),
        );
        for j in 0..4 {
            let xs = v128_load32_splat(x.add((kk + j) * incx) as *const u32);
            acc0 = madd(lo[j], xs, acc0);
            acc1 = madd(hi[j], xs, acc1);
        }
        kk += 4;
    }
    while kk < k {
        let p = a.add(kk);
        let col = |r: usize| *p.add(r * lda);
        let lo = f32x4(col(0), col(1), col(2), col(3));
        let hi = f32x4(col(4), col(5), col(6), col(7));
        let xs = v128_load32_splat(x.add(kk * incx) as *const u32);
        acc0 = madd(lo, xs, acc0);
        acc1 = madd(hi, xs, acc1);
        kk += 1;
    }
    if incy == 1 {
        v128_store(y as *mut v128, acc0);
        v128_store(y.add(4) as *mut v128, acc1);
    } else {
        let mut tmp = [0f32; 8];
        v128_store(tmp.as_mut_ptr() as *mut v128, acc0);
        v128_store(tmp.as_mut_ptr().add(4) as *mut v128, acc1);
        for r in 0..8 {
            *y.add(r * incy) = tmp[r];
        }
    }
}
