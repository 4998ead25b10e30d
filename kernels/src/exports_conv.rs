//! The raw `extern "C"` surface of the convolution kernels (see `exports` for the conventions).

use crate::exports::{activation, optional, region};
use crate::f32_conv2d::{self, ConvDesc};
use crate::f32_dwconv2d;
use crate::status::Status;

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

unsafe fn conv_desc(desc: usize) -> Result<ConvDesc, Status> {
    region(desc, core::mem::size_of::<ConvDesc>() as u64, 4)?;
    let d = *(desc as *const ConvDesc);
    match d.validate() {
        Status::Ok => Ok(d),
        s => Err(s),
    }
}

unsafe fn conv_operands(d: &ConvDesc, x: usize, weights: usize, bias: usize, out: usize) -> Result<(), Status> {
    region(x, d.c as u64 * d.h as u64 * d.w as u64 * 4, 4)?;
    region(weights, d.oc as u64 * d.kdim() as u64 * 4, 4)?;
    optional(bias, d.oc as u64 * 4, 4)?;
    region(out, d.oc as u64 * d.oh as u64 * d.ow as u64 * 4, 4)
}

/// Smallest scratch (bytes) for [`bl_f32_conv2d`]; 0 if the descriptor is invalid. More scratch means
/// larger pixel chunks (up to the whole image).
///
/// # Safety
/// `desc` is an offset into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_conv2d_scratch_min(desc: usize) -> u32 {
    match conv_desc(desc) {
        Ok(d) => (d.gemm_scratch_min() * 4) as u32,
        Err(_) => 0,
    }
}

/// NCHW convolution of one image by im2col + GEMM with fused bias and activation.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_conv2d(
    desc: usize,
    x: usize,
    weights: usize,
    bias: usize,
    out: usize,
    act: u32,
    p0: f32,
    p1: f32,
    scratch: usize,
    scratch_bytes: usize,
) -> i32 {
    let d = match conv_desc(desc) {
        Ok(d) => d,
        Err(s) => return s.code(),
    };
    let act = match activation(act, p0, p1) {
        Ok(a) => a,
        Err(s) => return s.code(),
    };
    check!(conv_operands(&d, x, weights, bias, out));
    if scratch_bytes < d.gemm_scratch_min() * 4 {
        return Status::ScratchTooSmall.code();
    }
    check!(region(scratch, scratch_bytes as u64, 16));
    f32_conv2d::conv2d(
        &d,
        x as *const f32,
        weights as *const f32,
        bias as *const f32,
        out as *mut f32,
        &act,
        scratch as *mut f32,
        scratch_bytes / 4,
    );
    Status::Ok.code()
}

/// Scratch (bytes) for [`bl_f32_dwconv2d`]; 0 if the descriptor is invalid.
///
/// # Safety
/// `desc` is an offset into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_dwconv2d_scratch(desc: usize) -> u32 {
    match conv_desc(desc) {
        Ok(d) => (d.dw_scratch() * 4) as u32,
        Err(_) => 0,
    }
}

/// Depthwise NCHW convolution (`group == c == oc`) with fused bias and activation.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_dwconv2d(
    desc: usize,
    x: usize,
    weights: usize,
    bias: usize,
    out: usize,
    act: u32,
    p0: f32,
    p1: f32,
    scratch: usize,
    scratch_bytes: usize,
) -> i32 {
    let d = match conv_desc(desc) {
        Ok(d) => d,
        Err(s) => return s.code(),
    };
    if d.group != d.c || d.oc != d.c {
        return Status::BadConvParams.code();
    }
    let act = match activation(act, p0, p1) {
        Ok(a) => a,
        Err(s) => return s.code(),
    };
    check!(conv_operands(&d, x, weights, bias, out));
    if scratch_bytes < d.dw_scratch() * 4 {
        return Status::ScratchTooSmall.code();
    }
    check!(region(scratch, scratch_bytes as u64, 4));
    f32_dwconv2d::dwconv2d(&d, x as *const f32, weights as *const f32, bias as *const f32, out as *mut f32, &act, scratch as *mut f32);
    Status::Ok.code()
}

/// col2im of a ConvTranspose with disjoint windows (stride = kernel, no pads or dilation): `cols`
/// `[oc][kh][kw][ih][iw]` → `out` `[oc][ih·kh][iw·kw]`, a permutation.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_col2im_disjoint(cols: usize, out: usize, oc: u32, kh: u32, kw: u32, ih: u32, iw: u32) -> i32 {
    if [oc, kh, kw, ih, iw].iter().any(|&v| v == 0) {
        return Status::BadConvParams.code();
    }
    let n = oc as u64 * kh as u64 * kw as u64 * ih as u64 * iw as u64;
    if n >= 1 << 30 {
        return Status::Overflow.code();
    }
    check!(region(cols, n * 4, 4));
    check!(region(out, n * 4, 4));
    if cols.abs_diff(out) < (n * 4) as usize {
        return Status::BadPointer.code();
    }
    crate::f32_col2im::col2im_disjoint(cols as *const f32, out as *mut f32, oc as usize, kh as usize, kw as usize, ih as usize, iw as usize);
    Status::Ok.code()
}
