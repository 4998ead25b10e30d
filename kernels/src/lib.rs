//! bitloop compute kernels for wasm32: fp32 GEMM and convolution, int8 dynamic quantization of activations,
//! and the `qd8-f32-qc{8,4,2}w` GEMM over packed 2/4/8-bit weights. One source, three builds chosen by
//! target features: scalar, `+simd128`, `+simd128,+relaxed-simd`. No dependencies, no allocator: JS owns
//! memory (see `exports`).
#![no_std]
#![allow(clippy::missing_safety_doc, clippy::needless_range_loop, clippy::too_many_arguments)]

mod activation;
mod exports;
mod exports_add;
mod exports_conv;
mod exports_gemm_loads;
mod exports_im2row;
mod exports_pool;
mod exports_scale;
mod exports_softmax;
mod exports_winograd;
mod f32_add;
mod f32_col2im;
mod f32_conv2d;
mod f32_dw_rows;
mod f32_dwconv2d;
mod f32_gemm;
mod f32_gemm_a4;
mod f32_gemv;
mod f32_im2row;
mod f32_plane_means;
mod f32_pool;
mod f32_scale_planes;
mod f32_softmax;
mod f32_winograd;
mod qcw_pack;
mod qd8_f32_qcw_gemm;
mod qd8_im2row;
mod qd8_quantize;
mod qd8_za_fold;
mod status;

/// Which build this is: 0 = scalar, 1 = SIMD128, 2 = SIMD128 + relaxed SIMD.
#[cfg(target_feature = "relaxed-simd")]
pub const VARIANT: u32 = 2;
#[cfg(all(target_feature = "simd128", not(target_feature = "relaxed-simd")))]
pub const VARIANT: u32 = 1;
#[cfg(not(target_feature = "simd128"))]
pub const VARIANT: u32 = 0;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
