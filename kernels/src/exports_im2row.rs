//! The raw `extern "C"` surface of the low-memory conv's data movement (see `exports` for the
//! conventions): patch rows quantized to int8 in one call, and the transpose back to NCHW.

use crate::exports::region;
use crate::f32_conv2d::ConvDesc;
use crate::status::Status;
use crate::{f32_im2row, qd8_quantize};

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// The patch rows of pixels `first .. first + count` of one NCHW image (group-1 conv described by `desc`),
/// built in `rows` (`count·kdim` floats of scratch) and quantized to int8 rows `ldq` apart with a
/// scale and zero point per row (as `bl_qd8_quantize_rows`).
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
    rows: usize,
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
    check!(region(x, d.c as u64 * d.h as u64 * d.w as u64 * 4, 4));
    check!(region(rows, count as u64 * kdim as u64 * 4, 4));
    check!(region(q, count as u64 * ldq as u64, 1));
    check!(region(scale, count as u64 * 4, 4));
    check!(region(zp, count as u64 * 4, 4));
    f32_im2row::im2row(&d, x as *const f32, first, count, rows as *mut f32, kdim);
    qd8_quantize::quantize_rows(
        count,
        kdim,
        rows as *const f32,
        kdim,
        asymmetric != 0,
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
