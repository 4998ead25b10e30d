//! fp32 GEMM with packed B and a fused bias + activation epilogue:
//! `C[i][j] = act(Σ_k A[i][k]·B[k][j] + colbias[j] + rowbias[i])`.
//!
//! Packed B (built once by [`pack`]): `ceil(n/8)` panels of 8 columns; panel `p` is
//! `[colbias: 8 × f32][k rows × 8 × f32]`, columns past `n` padded with zeros. The microkernel keeps an
//! `MR × 8` tile of C in registers (splat one A element, two B vectors, `2·MR` multiply-adds per k) and
//! applies the activation to each tile right after storing it; the relaxed variant uses
//! `f32x4.relaxed_madd` (fused on CPUs with FMA), the others multiply then add. Every output is
//! `bias + Σ_k` in increasing `k` in every build, so the SIMD128 build gives the same bits on every engine.
//!
//! `MR = 4` on SIMD128: 8 accumulators + 4 splats + 2 B vectors + 1 product temporary fit the 15 vector
//! registers V8 allocates on x64 however LLVM orders the loads. With `6 × 8` LLVM's wasm kept all six
//! splats live next to the 12 accumulators (20 values); `4 × 8` ran up to ~20 % faster under V8
//! and JavaScriptCore in interleaved runs of the PP-OCR det conv shapes (BENCHMARKS.md). Re-measured on
//! PP-OCR rec's 1×1 conv shapes under Deno (CPU time, one process): `5 × 8` took 1.00-1.16× and `6 × 8`
//! 1.07-1.21× the `4 × 8` time, and unrolling the k loop by 2 or 4 took 1.15-1.21× or 1.00-1.03×; the 4 × 8
//! tile runs at ~23-26 GFLOP/s whether B is in L1 or streamed, so that is this build's ceiling here.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
use crate::f32_gemv;

/// Columns per packed panel.
pub const NR: usize = 8;
/// Rows per register tile of this variant.
pub const MR: usize = 4;
/// Bytes of packed B a panel block may take before the row loop moves to the next block.
const PANEL_BLOCK_BYTES: usize = 256 * 1024;

/// Floats in packed B for an `n`-column, `k`-deep matrix.
pub fn packed_len(n: usize, k: usize) -> usize {
    n.div_ceil(NR) * (k + 1) * NR
}

/// Packs `B` (element `(kk, j)` at `b[kk·stride_k + j·stride_n]`) and the optional column bias.
///
/// # Safety
/// `b` covers every addressed element, `bias` is null or holds `n` floats, `out` holds `packed_len(n, k)`.
pub unsafe fn pack(n: usize, k: usize, b: *const f32, stride_k: usize, stride_n: usize, bias: *const f32, out: *mut f32) {
    let panels = n.div_ceil(NR);
    for p in 0..panels {
        let dst = out.add(p * (k + 1) * NR);
        for c in 0..NR {
            let j = p * NR + c;
            *dst.add(c) = if j < n && !bias.is_null() { *bias.add(j) } else { 0.0 };
        }
        for kk in 0..k {
            let row = dst.add(NR + kk * NR);
            for c in 0..NR {
                let j = p * NR + c;
                *row.add(c) = if j < n { *b.add(kk * stride_k + j * stride_n) } else { 0.0 };
            }
        }
    }
}

/// Packs `n` columns of a row-major `k × n` B (rows `ldb` apart, e.g. an NCHW image as
/// `[channels][pixels]`) with zero column bias: what [`pack`] writes for `stride_k = ldb, stride_n = 1`,
/// but reading B row by row and copying whole 8-column runs (a conv's pointwise input, per chunk).
///
/// # Safety
/// `b` covers `k` rows of `n` floats `ldb` apart, `out` holds `packed_len(n, k)` floats.
pub unsafe fn pack_rows(n: usize, k: usize, b: *const f32, ldb: usize, out: *mut f32) {
    let panel_len = (k + 1) * NR;
    let full = n / NR;
    for p in 0..n.div_ceil(NR) {
        core::ptr::write_bytes(out.add(p * panel_len), 0, NR);
    }
    for kk in 0..k {
        let src = b.add(kk * ldb);
        let dst = out.add(NR + kk * NR);
        for p in 0..full {
            core::ptr::copy_nonoverlapping(src.add(p * NR), dst.add(p * panel_len), NR);
        }
        if full * NR < n {
            let row = dst.add(full * panel_len);
            for c in 0..NR {
                let j = full * NR + c;
                *row.add(c) = if j < n { *src.add(j) } else { 0.0 };
            }
        }
    }
}

/// `C = act(A·B + bias)` for `m × k` A (rows `lda` apart), packed B, `m × n` C (rows `ldc` apart).
///
/// # Safety
/// Pointers cover their matrices; `row_bias` is null or holds `m` floats.
pub unsafe fn gemm(
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    packed: *const f32,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    act: &Act,
) {
    let panels = n.div_ceil(NR);
    let panel_len = (k + 1) * NR;
    let block = (PANEL_BLOCK_BYTES / (panel_len * 4)).max(1);
    let mut p0 = 0;
    while p0 < panels {
        let p1 = (p0 + block).min(panels);
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(MR);
            let ai = a.add(i * lda);
            let rb = if row_bias.is_null() { row_bias } else { row_bias.add(i) };
            for p in p0..p1 {
                let cols = (n - p * NR).min(NR);
                let bp = packed.add(p * panel_len);
                let cp = c.add(i * ldc + p * NR);
                match rows {
                    1 => tile::<1>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                    2 => tile::<2>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                    3 => tile::<3>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                    _ => tile::<MR>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                }
            }
            i += rows;
        }
        p0 = p1;
    }
    #[cfg(not(target_feature = "simd128"))]
    activation::apply_rows(c, m, n, ldc, act);
}

/// Eight zero column biases for B read in place (16-byte aligned for the vector loads).
#[cfg(target_feature = "simd128")]
#[repr(C, align(16))]
struct Aligned8([f32; NR]);
#[cfg(target_feature = "simd128")]
static ZERO_BIAS: Aligned8 = Aligned8([0.0; NR]);

/// `C = act(A·B + row_bias)` with B read in place: `k × n`, row-major, rows `ldb` apart (e.g. an NCHW
/// image as `[channels][pixels]`, so a 1×1 convolution needs no im2col copy). Same tiles, blocking and
/// summation order as [`gemm`] on B packed with zero column bias, so the results are bit-identical.
/// `scratch` holds `(k + 1) · NR` floats: the last, partial panel (and, in the scalar build, every
/// panel) is packed there. One column (`n == 1`) runs as [`f32_gemv::gemv`].
///
/// # Safety
/// Pointers cover their matrices; `row_bias` is null or holds `m` floats.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_strided(
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    act: &Act,
    scratch: *mut f32,
) {
    if n == 1 {
        // One column: a matrix-vector product (same bits), not one eighth of an 8-column tile.
        f32_gemv::gemv(m, k, a, lda, b, ldb, row_bias, c, ldc, act);
        return;
    }
    let panels = n.div_ceil(NR);
    let panel_len = (k + 1) * NR;
    let block = (PANEL_BLOCK_BYTES / (panel_len * 4)).max(1);
    let mut p0 = 0;
    while p0 < panels {
        let p1 = (p0 + block).min(panels);
        // A partial last panel is packed once per block (its columns past `n` read zeros).
        let tail = p1 == panels && n % NR != 0;
        if tail && cfg!(target_feature = "simd128") {
            pack(n - (panels - 1) * NR, k, b.add((panels - 1) * NR), ldb, 1, core::ptr::null(), scratch);
        }
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(MR);
            let ai = a.add(i * lda);
            let rb = if row_bias.is_null() { row_bias } else { row_bias.add(i) };
            for p in p0..p1 {
                let cols = (n - p * NR).min(NR);
                let cp = c.add(i * ldc + p * NR);
                if cols < NR || cfg!(not(target_feature = "simd128")) {
                    // SIMD builds packed the tail above; the scalar build packs every panel here.
                    if cfg!(not(target_feature = "simd128")) {
                        pack(cols, k, b.add(p * NR), ldb, 1, core::ptr::null(), scratch);
                    }
                    let bp = scratch;
                    match rows {
                        1 => tile::<1>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                        2 => tile::<2>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                        3 => tile::<3>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                        _ => tile::<MR>(k, ai, lda, bp, rb, cp, ldc, cols, act),
                    }
                    continue;
                }
                #[cfg(target_feature = "simd128")]
                {
                    let bp = b.add(p * NR);
                    match rows {
                        1 => tile_strided::<1>(k, ai, lda, bp, ldb, rb, cp, ldc, act),
                        2 => tile_strided::<2>(k, ai, lda, bp, ldb, rb, cp, ldc, act),
                        3 => tile_strided::<3>(k, ai, lda, bp, ldb, rb, cp, ldc, act),
                        _ => tile_strided::<MR>(k, ai, lda, bp, ldb, rb, cp, ldc, act),
                    }
                }
            }
            i += rows;
        }
        p0 = p1;
    }
    #[cfg(not(target_feature = "simd128"))]
    activation::apply_rows(c, m, n, ldc, act);
}

/// `acc + a·b` per lane: fused in the relaxed build, a separate multiply and add otherwise (the fp32
/// kernels' one rounding rule).
#[cfg(target_feature = "simd128")]
#[inline(always)]
pub(crate) fn madd(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        f32x4_add(f32x4_mul(a, b), acc)
    }
}

#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const R: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    bp: *const f32,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
    act: &Act,
) {
    tile_body::<R>(k, a, lda, bp, bp.add(NR), NR, row_bias, c, ldc, cols, act);
}

/// The register tile on B read in place: rows of 8 columns `ldb` floats apart, column bias zero.
#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_strided<const R: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    act: &Act,
) {
    tile_body::<R>(k, a, lda, ZERO_BIAS.0.as_ptr(), b, ldb, row_bias, c, ldc, NR, act);
}

/// `R × 8` tile: `colbias` (8 floats) plus the row bias, then `Σ_k A·B` in increasing `k`, with B's
/// rows of 8 columns `ldb` floats apart from `b`.
#[cfg(target_feature = "simd128")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_body<const R: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    colbias: *const f32,
    w: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
    act: &Act,
) {
    let bias0 = v128_load(colbias as *const v128);
    let bias1 = v128_load(colbias.add(4) as *const v128);
    let mut acc = [[bias0, bias1]; R];
    if !row_bias.is_null() {
        for r in 0..R {
            let rb = f32x4_splat(*row_bias.add(r));
            acc[r][0] = f32x4_add(acc[r][0], rb);
            acc[r][1] = f32x4_add(acc[r][1], rb);
        }
    }
    // Every operand is addressed from a fixed base plus `kk`: no pointer chain to carry across rows.
    for kk in 0..k {
        let wk = w.add(kk * ldb);
        let w0 = v128_load(wk as *const v128);
        let w1 = v128_load(wk.add(4) as *const v128);
        for r in 0..R {
            let av = v128_load32_splat(a.add(r * lda + kk) as *const u32);
            acc[r][0] = madd(av, w0, acc[r][0]);
            acc[r][1] = madd(av, w1, acc[r][1]);
        }
    }
    for r in 0..R {
        let (y0, y1) = (acc[r][0], acc[r][1]);
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
    // Out of line and on the tile just stored (still in L1): inlining the activations here made the
    // function large enough that JavaScriptCore spilled the accumulators of the k loop (2× slower).
    activation::apply_rows(c, R, cols, ldc, act);
}

#[cfg(not(target_feature = "simd128"))]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const R: usize>(
    k: usize,
    a: *const f32,
    lda: usize,
    bp: *const f32,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
    _act: &Act,
) {
    let mut acc = [[0f32; NR]; R];
    for r in 0..R {
        let rb = if row_bias.is_null() { 0.0 } else { *row_bias.add(r) };
        for j in 0..NR {
            acc[r][j] = *bp.add(j) + rb;
        }
    }
    for kk in 0..k {
        let w = bp.add(NR + kk * NR);
        for r in 0..R {
            let av = *a.add(r * lda + kk);
            for j in 0..NR {
                acc[r][j] += av * *w.add(j);
            }
        }
    }
    for r in 0..R {
        for j in 0..cols {
            *c.add(r * ldc + j) = acc[r][j];
        }
    }
}
