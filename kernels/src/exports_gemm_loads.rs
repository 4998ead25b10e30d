//! The raw `extern "C"` switch of how the fp32 GEMM tiles read A (see `f32_gemm_a4` and `exports` for the
//! conventions).

use crate::f32_gemm_a4;

/// 1: the fp32 GEMM tiles (GEMM, conv, Winograd) read A with one vector load per `k` (rows interleaved);
/// 0: one splat load per row and `k` (the default). Same results either way; returns the previous setting.
/// Ignored by the scalar build.
#[no_mangle]
pub extern "C" fn bl_f32_gemm_set_vector_loads(on: u32) -> u32 {
    f32_gemm_a4::set_vector_loads(on != 0) as u32
}
