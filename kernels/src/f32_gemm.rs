//! fp32 GEMM with packed B and a fused bias + activation epilogue:
//! `C[i][j] = act(Σ_k A[i][k]·B[k][j] + colbias[j] + rowbias[i])`.
//!
//! Packed B (built once by [`pack`]): `ceil(n/8)` panels of 8 columns; panel `p` is
//! `[colbias: 8 × f32][k rows × 8 × f32]`, columns past `n` padded with zeros. The microkernel keeps an
//! `MR × 8` tile of C in registers (splat one A element, two B vectors, `2·MR` multiply-adds per k) and
//! applies the activation to each run of 16 tiles right after storing them; the relaxed variant uses
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
//!
//! Loads of A (`f32_gemm_a4`): per `k` the tile takes 2 B loads plus either 4 `v128.load32_splat` of A
//! (splat loads, 6 loads per 32 multiply-adds) or, with the 4 rows interleaved `[k][4]`, one `v128.load`
//! and 4 lane shuffles (vector loads, 3 loads). Deno's V8 bounds-checks every load (no trap handler), so
//! fewer loads pay where the shuffles find a free port: presumably so beside the relaxed build's fused
//! multiply-adds but not beside SIMD128's separate adds. Measured under Deno, one process, interleaved
//! medians, vector loads ÷ splat loads (= the previous kernel): relaxed build 0.87-0.92 on PP-OCR rec's 1×1
//! convs (240², 480² on 12×80 / 6×80, 128² on 12×160; 0.78-0.81 while the machine was loaded), 0.84-0.93 on
//! 3×3 im2col convs, 0.84-0.87 on the Winograd conv (96→24 on 80×80), 0.87-0.89 on a MatMul
//! (80×120·120×360); whole models 0.84-0.86 (rec), 0.90-0.93 (det), 0.92-0.96 (cls). SIMD128 build 0.98-1.08
//! per shape, whole models 0.91-1.05; JavaScriptCore (Bun), both builds, 0.95-1.12 per model. So vector
//! loads serve the relaxed build under Deno only (`src/kernels/_gemm_a_loads.ts`); both give the same bits.
//! Interleaved A read by splat loads (one A pointer, constant offsets) measured like the rows in place. A
//! `3 × 12` relaxed tile (9 fused multiply-adds per 4 loads, 14 registers) is the next step, untried.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::{self, Act};
use crate::f32_gemm_a4::{ABlocks, ALayout};
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

/// Runs `$tile::<R, V>` for `R` = the tile's rows (1..=MR) and `V` = A read by vector loads.
macro_rules! run_tile {
    ($tile:ident, $rows:expr, $vector:expr, $($arg:expr),* $(,)?) => {
        match ($rows, $vector) {
            (1, true) => $tile::<1, true>($($arg),*),
            (2, true) => $tile::<2, true>($($arg),*),
            (3, true) => $tile::<3, true>($($arg),*),
            (_, true) => $tile::<MR, true>($($arg),*),
            (1, false) => $tile::<1, false>($($arg),*),
            (2, false) => $tile::<2, false>($($arg),*),
            (3, false) => $tile::<3, false>($($arg),*),
            (_, false) => $tile::<MR, false>($($arg),*),
        }
    };
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
    let mut blocks = ABlocks::new(a, ALayout::Rows(lda), k);
    let mut p0 = 0;
    while p0 < panels {
        let p1 = (p0 + block).min(panels);
        let mut i = 0;
        while i < m {
            let rows = (m - i).min(MR);
            let at = blocks.rows(i, rows);
            let rb = if row_bias.is_null() { row_bias } else { row_bias.add(i) };
            for_spans(p0, p1, n, c.add(i * ldc), rows, ldc, act, |p| {
                let cols = (n - p * NR).min(NR);
                let bp = packed.add(p * panel_len);
                let cp = c.add(i * ldc + p * NR);
                run_tile!(tile, rows, at.vector, k, at.a, at.rs, at.ks, bp, rb, cp, ldc, cols);
            });
            i += rows;
        }
        p0 = p1;
    }
}

/// Panels of one row tile stored before the activation pass runs over them: 4 rows × 128 floats, still
/// in L1. A pass per 8-column tile paid a call and a loop set-up per 32 values (PP-OCR cls's 1×1 convs
/// with 16-32 input channels, whose tiles are short, lost 20-45 % of their time to it under Deno).
const ACT_SPAN_PANELS: usize = 16;

/// Runs `tile(p)` for the panels `p0 .. p1` of the row tile at `c` (`rows` rows `ldc` apart), applying
/// `act` after every [`ACT_SPAN_PANELS`] panels (`n`: C's columns).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn for_spans(
    p0: usize,
    p1: usize,
    n: usize,
    c: *mut f32,
    rows: usize,
    ldc: usize,
    act: &Act,
    mut tile: impl FnMut(usize),
) {
    let mut s0 = p0;
    while s0 < p1 {
        let s1 = (s0 + ACT_SPAN_PANELS).min(p1);
        for p in s0..s1 {
            tile(p);
        }
        let (j0, j1) = (s0 * NR, (s1 * NR).min(n));
        activation::apply_rows(c.add(j0), rows, j1 - j0, ldc, act);
        s0 = s1;
    }
}

/// Eight zero column biases for B read in place (16-byte aligned for the vector loads).
#[cfg(target_feature = "simd128")]
#[repr(C, align(16))]
struct Aligned8([f32; NR]);
#[cfg(target_feature = "simd128")]
static ZERO_BIAS: Aligned8 = Aligned8([0.0; NR]);

/// `C = act(A·B + row_bias)` with A in `layout` and B read in place: `k × n`, row-major, rows `ldb` apart
/// (e.g. an NCHW image as `[channels][pixels]`, so a 1×1 convolution needs no im2col copy). Same tiles,
/// blocking and summation order as [`gemm`] on B packed with zero column bias, so the results are
/// bit-identical. `scratch` holds `(k + 1) · NR` floats: the last, partial panel (and, in the scalar
/// build, every panel) is packed there. One column (`n == 1`) of row-major A runs as [`f32_gemv::gemv`].
///
/// # Safety
/// Pointers cover their matrices; `row_bias` is null or holds `m` floats.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_strided(
    m: usize,
    n: usize,
    k: usize,
    a: *const f32,
    layout: ALayout,
    b: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    act: &Act,
    scratch: *mut f32,
) {
    if let (1, ALayout::Rows(lda)) = (n, layout) {
        // One column: a matrix-vector product (same bits), not one eighth of an 8-column tile.
        f32_gemv::gemv(m, k, a, lda, b, ldb, row_bias, c, ldc, act);
        return;
    }
    let panels = n.div_ceil(NR);
    let panel_len = (k + 1) * NR;
    let block = (PANEL_BLOCK_BYTES / (panel_len * 4)).max(1);
    let mut blocks = ABlocks::new(a, layout, k);
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
            let at = blocks.rows(i, rows);
            let rb = if row_bias.is_null() { row_bias } else { row_bias.add(i) };
            for_spans(p0, p1, n, c.add(i * ldc), rows, ldc, act, |p| {
                let cols = (n - p * NR).min(NR);
                let cp = c.add(i * ldc + p * NR);
                if cols < NR || cfg!(not(target_feature = "simd128")) {
                    // SIMD builds packed the tail above; the scalar build packs every panel here.
                    if cfg!(not(target_feature = "simd128")) {
                        pack(cols, k, b.add(p * NR), ldb, 1, core::ptr::null(), scratch);
                    }
                    run_tile!(tile, rows, at.vector, k, at.a, at.rs, at.ks, scratch, rb, cp, ldc, cols);
                    return;
                }
                #[cfg(target_feature = "simd128")]
                run_tile!(tile_strided, rows, at.vector, k, at.a, at.rs, at.ks, b.add(p * NR), ldb, rb, cp, ldc);
            });
            i += rows;
        }
        p0 = p1;
    }
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

/// Lane `r` of `v` in all four lanes.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn splat_lane(v: v128, r: usize) -> v128 {
    match r {
        0 => i32x4_shuffle::<0, 0, 0, 0>(v, v),
        1 => i32x4_shuffle::<1, 1, 1, 1>(v, v),
        2 => i32x4_shuffle::<2, 2, 2, 2>(v, v),
        _ => i32x4_shuffle::<3, 3, 3, 3>(v, v),
    }
}

#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const R: usize, const V: bool>(
    k: usize,
    a: *const f32,
    rs: usize,
    ks: usize,
    bp: *const f32,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
) {
    tile_body::<R, V>(k, a, rs, ks, bp, bp.add(NR), NR, row_bias, c, ldc, cols);
}

/// The register tile on B read in place: rows of 8 columns `ldb` floats apart, column bias zero.
#[cfg(target_feature = "simd128")]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_strided<const R: usize, const V: bool>(
    k: usize,
    a: *const f32,
    rs: usize,
    ks: usize,
    b: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
) {
    tile_body::<R, V>(k, a, rs, ks, ZERO_BIAS.0.as_ptr(), b, ldb, row_bias, c, ldc, NR);
}

/// `R × 8` tile: `colbias` (8 floats) plus the row bias, then `Σ_k A·B` in increasing `k`, with A's
/// element `(r, kk)` at `a[r·rs + kk·ks]` and B's rows of 8 columns `ldb` floats apart from `w`. `V`:
/// A is interleaved (`rs = 1, ks = MR`) and read with one vector load per `k`, lanes splatted by
/// shuffles; otherwise one splat load per row and `k` (see `f32_gemm_a4`).
#[cfg(target_feature = "simd128")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile_body<const R: usize, const V: bool>(
    k: usize,
    a: *const f32,
    rs: usize,
    ks: usize,
    colbias: *const f32,
    w: *const f32,
    ldb: usize,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
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
        let a4 = if V { v128_load(a.add(kk * MR) as *const v128) } else { w0 };
        for r in 0..R {
            let av = if V { splat_lane(a4, r) } else { v128_load32_splat(a.add(r * rs + kk * ks) as *const u32) };
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
}

#[cfg(not(target_feature = "simd128"))]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const R: usize, const V: bool>(
    k: usize,
    a: *const f32,
    rs: usize,
    ks: usize,
    bp: *const f32,
    row_bias: *const f32,
    c: *mut f32,
    ldc: usize,
    cols: usize,
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
            let av = *a.add(r * rs + kk * ks);
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
