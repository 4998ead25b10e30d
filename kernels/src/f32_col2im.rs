//! col2im for a ConvTranspose whose kernel windows do not overlap (stride = kernel, no pads, no dilation):
//! every output pixel comes from exactly one column value, so col2im is a permutation (a plain copy, no
//! sums). `cols` is `[oc][kh][kw][ih][iw]` (the 1×1 conv `Wᵀ·X`), `out` is `[oc][ih·kh][iw·kw]`.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// Scatters `cols` into `out` (see the module docs).
///
/// # Safety
/// `cols` and `out` each cover `oc·kh·kw·ih·iw` floats and do not overlap.
pub unsafe fn col2im_disjoint(cols: *const f32, out: *mut f32, oc: usize, kh: usize, kw: usize, ih: usize, iw: usize) {
    let plane = ih * iw;
    let ow = iw * kw;
    for o in 0..oc {
        for a in 0..kh {
            let src = cols.add((o * kh + a) * kw * plane);
            for y in 0..ih {
                let orow = out.add(((o * ih + y) * kh + a) * ow);
                let srow = src.add(y * iw);
                #[cfg(target_feature = "simd128")]
                let x = if kw == 2 { interleave2(srow, srow.add(plane), orow, iw) } else { 0 };
                #[cfg(not(target_feature = "simd128"))]
                let x = 0;
                for e in 0..kw {
                    let s = srow.add(e * plane);
                    for xx in x..iw {
                        *orow.add(xx * kw + e) = *s.add(xx);
                    }
                }
            }
        }
    }
}

/// `orow[2x] = s0[x]`, `orow[2x + 1] = s1[x]` for the leading multiple of 4 of `iw`; returns how far it got.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn interleave2(s0: *const f32, s1: *const f32, orow: *mut f32, iw: usize) -> usize {
    let mut x = 0;
    while x + 4 <= iw {
        let v0 = v128_load(s0.add(x) as *const v128);
        let v1 = v128_load(s1.add(x) as *const v128);
        v128_store(orow.add(2 * x) as *mut v128, i32x4_shuffle::<0, 4, 1, 5>(v0, v1));
        v128_store(orow.add(2 * x + 4) as *mut v128, i32x4_shuffle::<2, 6, 3, 7>(v0, v1));
        x += 4;
    }
    x
}
