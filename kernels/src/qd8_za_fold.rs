//! Zero points of the `qd8-f32-qcXw` GEMM folded into each block's int32 sums (see `qd8_f32_qcw_gemm`).
//!
//! `T = dot - za·colsum` is exact in int32 however it is formed. A SIMD tile may start a block's sums at
//! `-za·colsum` with one `i32x4.dot_i16x8_s` per vector (`za_terms`) instead of an `i32x4.mul` and a
//! subtract after the block, when `fold_za` says every colsum and zero point fits in i16.
//! A block's colsums (i32 × 8) sit at byte 64 of its metadata (see `qcw_pack`).

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::qcw_pack::Geometry;

/// Whether a full tile (`rows` rows from zero point `zp`) starts each block's sums at `-za·colsum`
/// (`za_terms`): SIMD builds only, several blocks, some zero point non-zero, every colsum
/// (`≤ bl·(2^BITS - 1)`) at most 32767 and every zero point inside i16.
#[inline(always)]
pub unsafe fn fold_za<const BITS: usize>(g: &Geometry, zp: *const i32, rows: usize) -> bool {
    if !cfg!(target_feature = "simd128") || g.nb < 2 || g.bl * ((1 << BITS) - 1) > 32767 {
        return false;
    }
    let mut any = false;
    for r in 0..rows {
        let z = *zp.add(r);
        if z != z as i16 as i32 {
            return false;
        }
        any |= z != 0;
    }
    any
}

/// `-za[r]·colsum[j]` of one block, the start of its int32 sums: each colsum lane `c` (0..=32767) becomes
/// the i16 pair `(-c, 0)`, so `i32x4.dot_i16x8_s` with a splat of `za` gives `za·(-c) + hi16(za)·0`
/// exactly — one instruction per vector instead of an i32 multiply and a subtract after the block.
#[cfg(target_feature = "simd128")]
#[inline(always)]
pub unsafe fn za_terms<const R: usize>(meta: *const u8, zp: *const i32) -> [[v128; 2]; R] {
    let lo16 = i32x4_splat(0xffff);
    let c0 = v128_and(i32x4_neg(v128_load(meta.add(64) as *const v128)), lo16);
    let c1 = v128_and(i32x4_neg(v128_load(meta.add(80) as *const v128)), lo16);
    let mut acc = [[c0; 2]; R];
    for r in 0..R {
        let vz = v128_load32_splat(zp.add(r) as *const u32);
        acc[r][0] = i32x4_dot_i16x8(vz, c0);
        acc[r][1] = i32x4_dot_i16x8(vz, c1);
    }
    acc
}
