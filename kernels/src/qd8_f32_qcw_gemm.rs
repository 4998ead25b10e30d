//! `qd8-f32-qc{8,4,2}w` GEMM: int8 activation rows (per-row scale and zero point, see `qd8_quantize`)
//! times packed 2/4/8-bit weights (see `qcw_pack`), int32 accumulation per block, float epilogue.
//!
//! For row `i`, column `j` and each block `b` (real k range `K_b`, `len_b` elements):
//! ```text
//! T = Σ_{k∈K_b} (qa[i][k] - za[i]) · u[j][k]          (int32: dot - za·colsum[j][b])
//! R = Σ_{k∈K_b} (qa[i][k] - za[i])                    (int32: rowsum[i][b] - za·len_b)
//! acc = acc + scale[j][b]·f32(T);  acc = acc + offset[j][b]·f32(R)       (float32, acc starts at 0)
//! out = act(sa[i]·acc + bias[j])
//! ```
//! Every float step is one rounded float32 operation in this order in all variants, so results are
//! bit-identical across variants and equal to `src/kernels/ref/qd8_f32_qcw_gemm_ref.ts`.
//!
//! Inner loops: relaxed SIMD puts the weight codes (0..127) in the second operand of
//! `i32x4.relaxed_dot_i8x16_i7x16_add_s`, the form that gives the same result on x86 and ARM; 8-bit codes
//! are split into a 7-bit low plane and a 1-bit high plane. SIMD128 widens to i16 and uses
//! `i32x4.dot_i16x8_s`. The scalar variant decodes codes one at a time.
//!
//! Zero points: a SIMD tile of asymmetric rows over several blocks starts each block's int32 sums at
//! `-za·colsum` with one `i32x4.dot_i16x8_s` per vector when every colsum and zero point fits in i16
//! (`qd8_za_fold`); otherwise it subtracts `za·colsum` after the block. Both give the same int32 `T`.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
use crate::qcw_pack::{Geometry, BIAS_BYTES, META_BYTES, NR};
use crate::qd8_za_fold::fold_za;
#[cfg(target_feature = "simd128")]
use crate::qd8_za_fold::za_terms;

/// Row-tile height for a bit width in this variant. Relaxed 2/4-bit: 8 rows (16 accumulators; measured
/// under Deno on a 256³ problem, 8 rows beat 4–7 and 10, and 12 rows collapse from register spills);
/// relaxed 8-bit: 4 rows (it keeps a second accumulator set for the high plane).
pub const fn mr(bits: usize) -> usize {
    if cfg!(target_feature = "relaxed-simd") {
        if bits == 8 {
            4
        } else {
            8
        }
    } else if cfg!(target_feature = "simd128") {
        2
    } else {
        2
    }
}

/// Bytes of packed weights a panel block may take before the row loop moves on.
const PANEL_BLOCK_BYTES: usize = 128 * 1024;

/// Computes `m` rows of output. `a` rows are `lda` bytes apart (`lda >= kp`, zero past `k`);
/// `rowsums` is scratch for `m·nb` values: `f32(R)` per row and block, computed once up front.
///
/// # Safety
/// Pointers cover what the geometry addresses; `packed` is 16-byte aligned.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm(
    g: &Geometry,
    m: usize,
    a: *const i8,
    lda: usize,
    a_scale: *const f32,
    a_zp: *const i32,
    packed: *const u8,
    c: *mut f32,
    ldc: usize,
    act: &Act,
    rowsums: *mut f32,
) {
    for i in 0..m {
        let za = *a_zp.add(i);
        for b in 0..g.nb {
            let row = a.add(i * lda + b * g.bl);
            let real = g.real_len(b);
            let mut s = 0i32;
            for t in 0..real {
                s += *row.add(t) as i32;
            }
            // R = Σ (qa - za) over the block's real k, exact in int32, then one rounding to f32.
            *rowsums.add(i * g.nb + b) = s.wrapping_sub(za.wrapping_mul(real as i32)) as f32;
        }
    }
    match g.bits {
        8 => run::<8>(g, m, a, lda, a_scale, a_zp, packed, c, ldc, act, rowsums),
        4 => run::<4>(g, m, a, lda, a_scale, a_zp, packed, c, ldc, act, rowsums),
        _ => run::<2>(g, m, a, lda, a_scale, a_zp, packed, c, ldc, act, rowsums),
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(never)]
unsafe fn run<const BITS: usize>(
    g: &Geometry,
    m: usize,
    a: *const i8,
    lda: usize,
    a_scale: *const f32,
    a_zp: *const i32,
    packed: *const u8,
    c: *mut f32,
    ldc: usize,
    act: &Act,
    rowsums: *const f32,
) {
    let panels = g.n.div_ceil(NR);
    let block = (PANEL_BLOCK_BYTES / g.panel_bytes).max(1);
    let tile_rows = mr(BITS);
    let mut p0 = 0;
    while p0 < panels {
        let p1 = (p0 + block).min(panels);
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(tile_rows);
            let fold = rows == tile_rows && fold_za::<BITS>(g, a_zp.add(i), rows);
            let t = Tile {
                a: a.add(i * lda),
                lda,
                scale: a_scale.add(i),
                zp: a_zp.add(i),
                rowsums: rowsums.add(i * g.nb),
            };
            for p in p0..p1 {
                let cols = (g.n - p * NR).min(NR);
                let panel = packed.add(p * g.panel_bytes);
                let cp = c.add(i * ldc + p * NR);
                if fold {
                    // A full tile: mr(BITS) rows.
                    match tile_rows {
                        8 => tile::<8, BITS, true>(g, &t, panel, cp, ldc, cols),
                        4 => tile::<4, BITS, true>(g, &t, panel, cp, ldc, cols),
                        _ => tile::<2, BITS, true>(g, &t, panel, cp, ldc, cols),
                    }
                    continue;
                }
                match rows {
                    1 => tile::<1, BITS, false>(g, &t, panel, cp, ldc, cols),
                    2 => tile::<2, BITS, false>(g, &t, panel, cp, ldc, cols),
                    3 => tile::<3, BITS, false>(g, &t, panel, cp, ldc, cols),
                    4 => tile::<4, BITS, false>(g, &t, panel, cp, ldc, cols),
                    5 => tile::<5, BITS, false>(g, &t, panel, cp, ldc, cols),
                    6 => tile::<6, BITS, false>(g, &t, panel, cp, ldc, cols),
                    7 => tile::<7, BITS, false>(g, &t, panel, cp, ldc, cols),
                    _ => tile::<8, BITS, false>(g, &t, panel, cp, ldc, cols),
                }
            }
            i += rows;
        }
        p0 = p1;
    }
    activation::apply_rows(c, m, g.n, ldc, act);
}

/// The A side of one row tile.
struct Tile {
    a: *const i8,
    lda: usize,
    scale: *const f32,
    zp: *const i32,
    rowsums: *const f32,
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
fn dot8(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        i32x4_relaxed_dot_i8x16_i7x16_add(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        let _ = (a, b);
        acc
    }
}

/// One `R × 8` output tile over all blocks (SIMD variants). `FOLD` (see `fold_za`): each block's int32
/// sums start at `-za·colsum`; otherwise `za·colsum` is subtracted after the block.
#[cfg(target_feature = "simd128")]
#[inline(never)]
unsafe fn tile<const R: usize, const BITS: usize, const FOLD: bool>(
    g: &Geometry,
    t: &Tile,
    panel: *const u8,
    c: *mut f32,
    ldc: usize,
    cols: usize,
) {
    let zero = i32x4_splat(0);
    let mut facc = [[f32x4_splat(0.0); 2]; R];
    let mut za = [0i32; R];
    let mut za_any = false;
    for r in 0..R {
        za[r] = *t.zp.add(r);
        za_any |= za[r] != 0;
    }
    let mut blk = panel.add(BIAS_BYTES);
    for b in 0..g.nb {
        let stored = g.stored_len(b);
        let mut w = blk.add(META_BYTES);
        let mut ap = [t.a; R];
        for r in 0..R {
            ap[r] = t.a.add(r * t.lda + b * g.bl);
        }
        let mut iacc = if FOLD {
            za_terms::<R>(blk, t.zp)
        } else {
            [[zero; 2]; R]
        };
        #[cfg(target_feature = "relaxed-simd")]
        {
            if BITS == 4 {
                // The mask comes from `g.bits` (= BITS), not a literal: V8 then keeps it in a register or
                // stack slot instead of rebuilding the constant (three instructions) at every use.
                let mask = u8x16_splat(((1u32 << g.bits) - 1) as u8);
                // stored is a multiple of 8: two words per iteration.
                for _ in 0..stored / 8 {
                    for h in 0..2 {
                        let v = v128_load(w.add(16 * h) as *const v128);
                        let v0 = v128_and(v, mask);
                        let v1 = v128_and(u16x8_shr(v, 4), mask);
                        for r in 0..R {
                            let av = v128_load32_splat(ap[r].add(4 * h) as *const u32);
                            iacc[r][0] = dot8(av, v0, iacc[r][0]);
                            iacc[r][1] = dot8(av, v1, iacc[r][1]);
                        }
                    }
                    w = w.add(32);
                    for r in 0..R {
                        ap[r] = ap[r].add(8);
                    }
                }
            } else if BITS == 2 {
                let mask = u8x16_splat(((1u32 << g.bits) - 1) as u8); // as for 4 bits
                for _ in 0..stored / 8 {
                    let v = v128_load(w as *const v128);
                    w = w.add(16);
                    let v00 = v128_and(v, mask);
                    let v01 = v128_and(u16x8_shr(v, 2), mask);
                    let v10 = v128_and(u16x8_shr(v, 4), mask);
                    let v11 = v128_and(u16x8_shr(v, 6), mask);
                    for r in 0..R {
                        let av0 = v128_load32_splat(ap[r] as *const u32);
                        let av1 = v128_load32_splat(ap[r].add(4) as *const u32);
                        iacc[r][0] = dot8(av0, v00, iacc[r][0]);
                        iacc[r][1] = dot8(av0, v01, iacc[r][1]);
                        iacc[r][0] = dot8(av1, v10, iacc[r][0]);
                        iacc[r][1] = dot8(av1, v11, iacc[r][1]);
                        ap[r] = ap[r].add(8);
                    }
                }
            } else {
                let mask = u8x16_splat(0x7f);
                let one = u8x16_splat(0x01);
                let mut hacc = [[zero; 2]; R];
                for _ in 0..stored / 4 {
                    let v0 = v128_load(w as *const v128);
                    let v1 = v128_load(w.add(16) as *const v128);
                    w = w.add(32);
                    let l0 = v128_and(v0, mask);
                    let l1 = v128_and(v1, mask);
                    let h0 = v128_and(u16x8_shr(v0, 7), one);
                    let h1 = v128_and(u16x8_shr(v1, 7), one);
                    for r in 0..R {
                        let av = v128_load32_splat(ap[r] as *const u32);
                        iacc[r][0] = dot8(av, l0, iacc[r][0]);
                        iacc[r][1] = dot8(av, l1, iacc[r][1]);
                        hacc[r][0] = dot8(av, h0, hacc[r][0]);
                        hacc[r][1] = dot8(av, h1, hacc[r][1]);
                        ap[r] = ap[r].add(4);
                    }
                }
                for r in 0..R {
                    iacc[r][0] = i32x4_add(iacc[r][0], i32x4_shl(hacc[r][0], 7));
                    iacc[r][1] = i32x4_add(iacc[r][1], i32x4_shl(hacc[r][1], 7));
                }
            }
        }
        #[cfg(not(target_feature = "relaxed-simd"))]
        {
            // i16 path: L holds columns 0-1 of a quad (two k-pairs each), H columns 2-3.
            let mut lo = [[zero; 2]; R];
            let mut hi = [[zero; 2]; R];
            let groups = stored / 4;
            let mut gi = 0;
            while gi < groups {
                let (v0, v1, v2, v3, step) = if BITS == 8 {
                    let v0 = v128_load(w as *const v128);
                    let v1 = v128_load(w.add(16) as *const v128);
                    w = w.add(32);
                    (v0, v1, v0, v1, 1)
                } else if BITS == 4 {
                    let v = v128_load(w as *const v128);
                    w = w.add(16);
                    let v0 = v128_and(v, u8x16_splat(0x0f));
                    let v1 = u8x16_shr(v, 4);
                    (v0, v1, v0, v1, 1)
                } else {
                    let v = v128_load(w as *const v128);
                    w = w.add(16);
                    let mask = u8x16_splat(0x03);
                    (
                        v128_and(v, mask),
                        v128_and(u8x16_shr(v, 2), mask),
                        v128_and(u8x16_shr(v, 4), mask),
                        u8x16_shr(v, 6),
                        2,
                    )
                };
                for s in 0..step {
                    let (x0, x1) = if s == 0 { (v0, v1) } else { (v2, v3) };
                    let x0l = u16x8_extend_low_u8x16(x0);
                    let x0h = u16x8_extend_high_u8x16(x0);
                    let x1l = u16x8_extend_low_u8x16(x1);
                    let x1h = u16x8_extend_high_u8x16(x1);
                    for r in 0..R {
                        let av = i16x8_extend_low_i8x16(v128_load32_splat(ap[r] as *const u32));
                        lo[r][0] = i32x4_add(lo[r][0], i32x4_dot_i16x8(av, x0l));
                        hi[r][0] = i32x4_add(hi[r][0], i32x4_dot_i16x8(av, x0h));
                        lo[r][1] = i32x4_add(lo[r][1], i32x4_dot_i16x8(av, x1l));
                        hi[r][1] = i32x4_add(hi[r][1], i32x4_dot_i16x8(av, x1h));
                        ap[r] = ap[r].add(4);
                    }
                }
                gi += step;
            }
            for r in 0..R {
                for q in 0..2 {
                    let e = i32x4_shuffle::<0, 2, 4, 6>(lo[r][q], hi[r][q]);
                    let o = i32x4_shuffle::<1, 3, 5, 7>(lo[r][q], hi[r][q]);
                    let sum = i32x4_add(e, o);
                    iacc[r][q] = if FOLD {
                        i32x4_add(iacc[r][q], sum)
                    } else {
                        sum
                    };
                }
            }
            let _ = dot8;
        }
        // Block epilogue: T = dot - za·colsum (exact), then the two float steps per output.
        let meta = blk;
        let s0 = v128_load(meta as *const v128);
        let s1 = v128_load(meta.add(16) as *const v128);
        let o0 = v128_load(meta.add(32) as *const v128);
        let o1 = v128_load(meta.add(48) as *const v128);
        if za_any && !FOLD {
            let c0 = v128_load(meta.add(64) as *const v128);
            let c1 = v128_load(meta.add(80) as *const v128);
            for r in 0..R {
                let vz = i32x4_splat(za[r]);
                iacc[r][0] = i32x4_sub(iacc[r][0], i32x4_mul(vz, c0));
                iacc[r][1] = i32x4_sub(iacc[r][1], i32x4_mul(vz, c1));
            }
        }
        let rs = t.rowsums.add(b);
        for r in 0..R {
            let ff = v128_load32_splat(rs.add(r * g.nb) as *const u32);
            let f0 = f32x4_add(facc[r][0], f32x4_mul(s0, f32x4_convert_i32x4(iacc[r][0])));
            let f1 = f32x4_add(facc[r][1], f32x4_mul(s1, f32x4_convert_i32x4(iacc[r][1])));
            facc[r][0] = f32x4_add(f0, f32x4_mul(o0, ff));
            facc[r][1] = f32x4_add(f1, f32x4_mul(o1, ff));
        }
        blk = w;
    }
    let bias0 = v128_load(panel as *const v128);
    let bias1 = v128_load(panel.add(16) as *const v128);
    for r in 0..R {
        let sa = f32x4_splat(*t.scale.add(r));
        let y0 = f32x4_add(f32x4_mul(sa, facc[r][0]), bias0);
        let y1 = f32x4_add(f32x4_mul(sa, facc[r][1]), bias1);
        let dst = c.add(r * ldc);
        if cols == NR {
            v128_store(dst as *mut v128, y0);
            v128_store(dst.add(4) as *mut v128, y1);
        } else {
            let mut tmp = [0f32; NR];
            v128_store(tmp.as_mut_ptr() as *mut v128, y0);
            v128_store(tmp.as_mut_ptr().add(4) as *mut v128, y1);
            for j in 0..cols {
                *dst.add(j) = tmp[j];
            }
        }
    }
}

/// Code of column `c` (0..8) at k offset `kk` inside a block's words.
#[cfg(not(target_feature = "simd128"))]
#[inline(always)]
unsafe fn code<const BITS: usize>(words: *const u8, kk: usize, c: usize) -> i32 {
    let gi = kk / 4;
    let q = c / 4;
    let byte = (c % 4) * 4 + kk % 4;
    (match BITS {
        8 => *words.add((2 * gi + q) * 16 + byte),
        4 => (*words.add(gi * 16 + byte) >> (4 * q)) & 15,
        _ => (*words.add((gi / 2) * 16 + byte) >> (2 * (q + 2 * (gi % 2)))) & 3,
    }) as i32
}

/// One `R × 8` output tile over all blocks (scalar variant: the Rust reference; `fold_za` is always false
/// here, so `FOLD` is never set).
#[cfg(not(target_feature = "simd128"))]
#[inline(never)]
unsafe fn tile<const R: usize, const BITS: usize, const FOLD: bool>(
    g: &Geometry,
    t: &Tile,
    panel: *const u8,
    c: *mut f32,
    ldc: usize,
    cols: usize,
) {
    let _ = FOLD;
    let mut facc = [[0f32; NR]; R];
    let mut blk = panel.add(BIAS_BYTES);
    for b in 0..g.nb {
        let words = blk.add(META_BYTES);
        let stored = g.stored_len(b);
        let mut dot = [[0i32; NR]; R];
        for kk in 0..stored {
            for j in 0..NR {
                let u = code::<BITS>(words, kk, j);
                for r in 0..R {
                    dot[r][j] += (*t.a.add(r * t.lda + b * g.bl + kk) as i32) * u;
                }
            }
        }
        let sf = blk as *const f32;
        let cs = blk as *const i32;
        for r in 0..R {
            let za = *t.zp.add(r);
            let rr = *t.rowsums.add(r * g.nb + b);
            for j in 0..NR {
                let tt = dot[r][j].wrapping_sub(za.wrapping_mul(*cs.add(2 * NR + j))) as f32;
                facc[r][j] += *sf.add(j) * tt;
                facc[r][j] += *sf.add(NR + j) * rr;
            }
        }
        blk = words.add(stored * BITS);
    }
    let bias = panel as *const f32;
    for r in 0..R {
        let sa = *t.scale.add(r);
        for j in 0..cols {
            *c.add(r * ldc + j) = sa * facc[r][j] + *bias.add(j);
        }
    }
}
