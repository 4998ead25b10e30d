//! Multiplies each plane of an NCHW tensor by its own scalar, in place: `x[p·plane + i] ·= s[p]`. A
//! squeeze-and-excitation block's `Mul(x, s)` (s: `[N, C, 1, 1]`) done on the conv input already in kernel
//! memory, instead of as a separate pass in JavaScript. One float32 multiply per value, rounded to nearest
//! in every build: the Mul op's values (a NaN the multiply creates, ∞·0, may carry another sign bit).

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// `x[p·plane + i] ·= s[p]` for `planes` planes of `plane` floats.
///
/// # Safety
/// `x` covers `planes · plane` floats and `s` covers `planes`.
pub unsafe fn scale_planes(x: *mut f32, planes: usize, plane: usize, s: *const f32) {
    for p in 0..planes {
        let v = *s.add(p);
        let row = x.add(p * plane);
        let mut i = 0;
        #[cfg(target_feature = "simd128")]
        {
            let vv = f32x4_splat(v);
            while i + 16 <= plane {
                let q = row.add(i) as *mut v128;
                v128_store(q, f32x4_mul(v128_load(q), vv));
                v128_store(q.add(1), f32x4_mul(v128_load(q.add(1)), vv));
                v128_store(q.add(2), f32x4_mul(v128_load(q.add(2)), vv));
                v128_store(q.add(3), f32x4_mul(v128_load(q.add(3)), vv));
                i += 16;
            }
            while i + 4 <= plane {
                let q = row.add(i) as *mut v128;
                v128_store(q, f32x4_mul(v128_load(q), vv));
                i += 4;
            }
        }
        while i < plane {
            *row.add(i) *= v;
            i += 1;
        }
    }
}
