//! The raw `extern "C"` surface of the Winograd F(2×2, 3×3) convolution (see `exports` for the conventions).

use crate::exports::{activation, optional, region};
use crate::f32_conv2d::ConvDesc;
use crate::f32_winograd;
use crate::status::Status;

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// Largest scratch the kernel accepts (bytes): keeps every offset inside 32-bit addressing.
const SCRATCH_LIMIT: u64 = 1 << 31;

/// A valid descriptor of a conv this kernel runs (group 1, 3×3, stride 1, dilation 1).
unsafe fn winograd_desc(desc: usize) -> Result<ConvDesc, Status> {
    region(desc, core::mem::size_of::<ConvDesc>() as u64, 4)?;
    let d = *(desc as *const ConvDesc);
    match d.validate() {
        Status::Ok if f32_winograd::eligible(&d) => Ok(d),
        Status::Ok => Err(Status::BadConvParams),
        s => Err(s),
    }
}

/// Smallest scratch (bytes) for [`bl_f32_conv2d_winograd`]: one row of 2×2 tiles; 0 if the descriptor
/// is invalid or not a group-1, 3×3, stride-1, undilated conv. Multiples of it hold more tile rows.
///
/// # Safety
/// `desc` is an offset into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_conv2d_winograd_scratch_min(desc: usize) -> u32 {
    match winograd_desc(desc) {
        Ok(d) if f32_winograd::scratch_min(&d) * 4 < SCRATCH_LIMIT => (f32_winograd::scratch_min(&d) * 4) as u32,
        _ => 0,
    }
}

/// Bytes of the Winograd-domain weights [`bl_f32_winograd_transform_weights`] writes (0 if too large).
#[no_mangle]
pub extern "C" fn bl_f32_winograd_weights_bytes(oc: u32, ic: u32) -> u32 {
    let bytes = f32_winograd::weights_len(oc, ic) * 4;
    if oc == 0 || ic == 0 || bytes >= 1 << 30 {
        0
    } else {
        bytes as u32
    }
}

/// Transforms 3×3 weights `[oc][ic][3][3]` into the Winograd domain: 16 matrices `G g Gᵀ` of `oc × ic`,
/// rows interleaved in blocks of 4 (`f32_winograd::transform_weights`); `out` holds
/// [`bl_f32_winograd_weights_bytes`].
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_winograd_transform_weights(oc: u32, ic: u32, weights: usize, out: usize) -> i32 {
    if oc == 0 || ic == 0 {
        return Status::BadShape.code();
    }
    let count = oc as u64 * ic as u64;
    if bl_f32_winograd_weights_bytes(oc, ic) == 0 {
        return Status::Overflow.code();
    }
    check!(region(weights, count * 9 * 4, 4));
    check!(region(out, f32_winograd::weights_len(oc, ic) * 4, 4));
    f32_winograd::transform_weights(oc as usize, ic as usize, weights as *const f32, out as *mut f32);
    Status::Ok.code()
}

/// NCHW 3×3 stride-1 convolution of one image by Winograd F(2×2, 3×3) with fused bias and activation;
/// `weights` is the output of [`bl_f32_winograd_transform_weights`].
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_conv2d_winograd(
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
    let d = match winograd_desc(desc) {
        Ok(d) => d,
        Err(s) => return s.code(),
    };
    let act = match activation(act, p0, p1) {
        Ok(a) => a,
        Err(s) => return s.code(),
    };
    check!(region(x, d.c as u64 * d.h as u64 * d.w as u64 * 4, 4));
    check!(region(weights, f32_winograd::weights_len(d.oc, d.c) * 4, 4));
    check!(optional(bias, d.oc as u64 * 4, 4));
    check!(region(out, d.oc as u64 * d.oh as u64 * d.ow as u64 * 4, 4));
    let min = f32_winograd::scratch_min(&d) * 4;
    if min >= SCRATCH_LIMIT {
        return Status::Overflow.code();
    }
    if (scratch_bytes as u64) < min {
        return Status::ScratchTooSmall.code();
    }
    check!(region(scratch, scratch_bytes as u64, 16));
    f32_winograd::conv2d(
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
