//! Elementwise float32 sum in place, `dst[i] += src[i]`: a residual `Add` whose one operand is already in
//! kernel memory (a conv chain's output) done there, instead of as a pass in JavaScript after the copy out.
//! One float32 add per value, rounded to nearest in every build: the Add op's values (a NaN the add
//! creates, ∞ + -∞, may carry another sign bit).

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// `dst[i] += src[i]` for `i < n`.
///
/// # Safety
/// `dst` and `src` cover `n` floats.
pub unsafe fn add_into(dst: *mut f32, src: *const f32, n: usize) {
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    {
        let (d, s) = (dst as *mut v128, src as *const v128);
        while i + 16 <= n {
            let q = i / 4;
            v128_store(d.add(q), f32x4_add(v128_load(d.add(q)), v128_load(s.add(q))));
            v128_store(d.add(q + 1), f32x4_add(v128_load(d.add(q + 1)), v128_load(s.add(q + 1))));
            v128_store(d.add(q + 2), f32x4_add(v128_load(d.add(q + 2)), v128_load(s.add(q + 2))));
            v128_store(d.add(q + 3), f32x4_add(v128_load(d.add(q + 3)), v128_load(s.add(q + 3))));
            i += 16;
        }
        while i + 4 <= n {
            let q = i / 4;
            v128_store(d.add(q), f32x4_add(v128_load(d.add(q)), v128_load(s.add(q))));
            i += 4;
        }
    }
    while i < n {
        *dst.add(i) += *src.add(i);
        i += 1;
    }
}
