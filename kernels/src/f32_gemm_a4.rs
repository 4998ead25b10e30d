//! How the fp32 GEMM's register tile reads A (`f32_gemm`): an `MR × 8` tile needs, per `k`, the `MR` rows'
//! values of A, each splatted across a vector.
//!
//! - **Splat loads** (the default): one `v128.load32_splat` per row and `k` (`MR + 2` loads per `k` with B).
//! - **Vector loads** ([`set_vector_loads`]): the `MR` rows interleaved as `[k][MR]` (lane = row), one
//!   `v128.load` per `k` and one lane shuffle per row (3 loads per `k`). Every output is still `bias + Σ_k`
//!   in increasing `k` with the same multiply and add, so both modes give the same bits in every build.
//!
//! Which is faster depends on the engine and build (figures in `f32_gemm`): under Deno, whose V8 bounds-checks
//! every load, vector loads ran the relaxed build's convs, Winograd GEMMs and MatMuls in 0.84-0.93× the time,
//! but not the SIMD128 build's, nor either build under Bun. JS picks the mode (`src/kernels/_gemm_a_loads.ts`).
//!
//! A arrives either as rows (`lda` floats apart: MatMul activations, conv weights) — interleaved per tile
//! row block on the stack in vector mode — or already interleaved ([`ALayout::Interleaved`], written once
//! by [`interleave`]'s layout: the Winograd-domain weights), which splat loads read as well (`a[kk·MR + r]`).

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::f32_gemm::MR;

/// Deepest reduction whose row blocks vector mode interleaves on the stack (`16·k` bytes); deeper GEMMs on
/// row-major A use splat loads.
const STACK_MAX_K: usize = 4096;

static VECTOR_LOADS: AtomicBool = AtomicBool::new(false);

/// Chooses vector loads (`true`) or splat loads for A in the SIMD builds; returns the previous choice.
pub fn set_vector_loads(on: bool) -> bool {
    VECTOR_LOADS.swap(on, Ordering::Relaxed)
}

/// The memory layout of a GEMM's A (`m × k`).
#[derive(Clone, Copy)]
pub enum ALayout {
    /// Row-major, rows `lda` floats apart.
    Rows(usize),
    /// Blocks of `MR` rows, `MR·k` floats apart, each `[k][MR]` (rows past `m` zero): [`interleave`].
    Interleaved,
}

/// Floats of an interleaved `m × k` A.
pub fn interleaved_len(m: usize, k: usize) -> usize {
    m.div_ceil(MR) * k * MR
}

/// Where a tile on rows `i..i + rows` reads A: `a` with element `(r, kk)` at `a[r·rs + kk·ks]`; `vector`
/// when it is interleaved (`rs = 1, ks = MR`) and the tile should take one vector load per `k`.
#[derive(Clone, Copy)]
pub struct ATile {
    pub a: *const f32,
    pub rs: usize,
    pub ks: usize,
    pub vector: bool,
}

/// Row blocks of A for the tiles of one GEMM call, with the stack buffer vector mode interleaves into.
pub struct ABlocks {
    a: *const f32,
    layout: ALayout,
    k: usize,
    stack: bool,
    vector: bool,
    buf: Buf,
}

#[repr(C, align(16))]
struct Buf(core::mem::MaybeUninit<[f32; MR * STACK_MAX_K]>);

impl ABlocks {
    /// A of `k` columns at `a` in `layout`.
    pub fn new(a: *const f32, layout: ALayout, k: usize) -> Self {
        let vector = cfg!(target_feature = "simd128") && VECTOR_LOADS.load(Ordering::Relaxed);
        let stack = vector && k <= STACK_MAX_K && matches!(layout, ALayout::Rows(_));
        let vector = vector && (stack || matches!(layout, ALayout::Interleaved));
        ABlocks { a, layout, k, stack, vector, buf: Buf(core::mem::MaybeUninit::uninit()) }
    }

    /// A for the tiles on rows `i..i + rows` (`i` a multiple of `MR`); interleaves them first when needed.
    ///
    /// # Safety
    /// A covers those rows.
    pub unsafe fn rows(&mut self, i: usize, rows: usize) -> ATile {
        let k = self.k;
        match self.layout {
            ALayout::Interleaved => ATile { a: self.a.add(i * k), rs: 1, ks: MR, vector: self.vector },
            ALayout::Rows(lda) if self.stack => {
                let out = self.buf.0.as_mut_ptr() as *mut f32;
                interleave(rows, k, self.a.add(i * lda), lda, out);
                ATile { a: out, rs: 1, ks: MR, vector: true }
            }
            ALayout::Rows(lda) => ATile { a: self.a.add(i * lda), rs: lda, ks: 1, vector: false },
        }
    }
}

/// Writes `out[kk·MR + r] = A[r][kk]` for `r < rows ≤ MR` (zero for `rows ≤ r < MR`), A's rows `lda` apart.
///
/// # Safety
/// `a` covers `rows` rows of `k` floats, `out` holds `MR·k` floats.
pub unsafe fn interleave(rows: usize, k: usize, a: *const f32, lda: usize, out: *mut f32) {
    let mut kk = 0;
    #[cfg(target_feature = "simd128")]
    if rows == MR && MR == 4 {
        // 4×4 blocks transposed in registers.
        let (r0, r1, r2, r3) = (a, a.add(lda), a.add(2 * lda), a.add(3 * lda));
        while kk + 4 <= k {
            let (x0, x1) = (v128_load(r0.add(kk) as *const v128), v128_load(r1.add(kk) as *const v128));
            let (x2, x3) = (v128_load(r2.add(kk) as *const v128), v128_load(r3.add(kk) as *const v128));
            let (t0, t1) = (i32x4_shuffle::<0, 4, 1, 5>(x0, x1), i32x4_shuffle::<2, 6, 3, 7>(x0, x1));
            let (t2, t3) = (i32x4_shuffle::<0, 4, 1, 5>(x2, x3), i32x4_shuffle::<2, 6, 3, 7>(x2, x3));
            let o = out.add(kk * 4);
            v128_store(o as *mut v128, i32x4_shuffle::<0, 1, 4, 5>(t0, t2));
            v128_store(o.add(4) as *mut v128, i32x4_shuffle::<2, 3, 6, 7>(t0, t2));
            v128_store(o.add(8) as *mut v128, i32x4_shuffle::<0, 1, 4, 5>(t1, t3));
            v128_store(o.add(12) as *mut v128, i32x4_shuffle::<2, 3, 6, 7>(t1, t3));
            kk += 4;
        }
    }
    while kk < k {
        for r in 0..MR {
            *out.add(kk * MR + r) = if r < rows { *a.add(r * lda + kk) } else { 0.0 };
        }
        kk += 1;
    }
}
