//! The raw `extern "C"` surface of the low-memory conv's data movement (see `exports` for the
//! conventions): patch rows built and quantized to int8 a few at a time, and the transpose back to NCHW.

use crate::exports::region;
use crate::f32_conv2d::ConvDesc;
use crate::status::Status;
use crate::{f32_im2row, qd8_im2row};

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// The patch rows of pixels `first .. first + count` of one NCHW image (group-1 conv described by `desc`),
/// quantized to int8 rows `ldq` apart with a scale and zero point per row (as `bl_qd8_quantize_rows`).
/// The codes are those of writing all the float patch rows and quantizing them (`qd8_im2row`), but no
/// such matrix is written: `scratch` (`scratch_bytes >= 4·(2·kdim + 4)`) holds the tap offsets and the
/// few float rows built at a time for pixels the direct path does not take (each `4·kdim` more bytes is
/// one more row per step: about 16 KiB keeps them in L1).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_qd8_conv_rows(
    desc: usize,
    x: usize,
    first: usize,
    count: usize,
    asymmetric: u32,
    scratch: usize,
    scratch_bytes: usize,
    q: usize,
    ldq: usize,
    scale: usize,
    zp: usize,
) -> i32 {
    check!(region(desc, core::mem::size_of::<ConvDesc>() as u64, 4));
    let d = *(desc as *const ConvDesc);
    match d.validate() {
        Status::Ok => {}
        s => return s.code(),
    }
    if d.group != 1 {
        return Status::BadConvParams.code();
    }
    let kdim = d.kdim();
    let pixels = d.oh as usize * d.ow as usize;
    if count == 0 || first >= pixels || count > pixels - first {
        return Status::BadShape.code();
    }
    if ldq < kdim {
        return Status::BadStride.code();
    }
    let step = (scratch_bytes / 4).saturating_sub(kdim + 4) / kdim;
    if step == 0 {
        return Status::ScratchTooSmall.code();
    }
    check!(region(x, d.c as u64 * d.h as u64 * d.w as u64 * 4, 4));
    check!(region(scratch, scratch_bytes as u64, 4));
    check!(region(q, count as u64 * ldq as u64, 1));
    check!(region(scale, count as u64 * 4, 4));
    check!(region(zp, count as u64 * 4, 4));
    qd8_im2row::conv_rows_q8(
        &d,
        x as *const f32,
        first,
        count,
        asymmetric != 0,
        scratch as *mut f32,
        step,
        q as *mut i8,
        ldq,
        scale as *mut f32,
        zp as *mut i32,
    );
    Status::Ok.code()
}

/// `out[j·ld + i] = y[i·cols + j]`: `rows × cols` pixel-major results into `cols` planes `ld` apart.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_scatter_columns(y: usize, rows: usize, cols: usize, out: usize, ld: usize) -> i32 {
    if rows == 0 || cols == 0 || rows > (1 << 24) || cols > (1 << 24) {
        return Status::BadShape.code();
    }
    if ld < rows {
        return Status::BadStride.code();
    }
    check!(region(y, rows as u64 * cols as u64 * 4, 4));
    check!(region(out, ((cols as u64 - 1) * ld as u64 + rows as u64) * 4, 4));
    f32_im2row::scatter_columns(y as *const f32, rows, cols, out as *mut f32, ld);
    Status::Ok.code()
}
