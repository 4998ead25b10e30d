//! The raw `extern "C"` surface of 2-D fp32 pooling (see `exports` for the conventions): NCHW MaxPool and
//! AveragePool without dilation, and GlobalAveragePool, with the bits of the TypeScript fast path
//! (`f32_pool.rs`, `f32_plane_means.rs`).

use crate::exports::{plane_regions, region};
use crate::f32_plane_means;
use crate::f32_pool::{self, PoolGeometry};
use crate::status::Status;

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// Checks the geometry and both regions: every count positive (else `BadShape`), kernel and stride positive
/// (else `BadConvParams`), the tensors within 32-bit addressing (else `Overflow`) and inside memory.
fn checked(g: &PoolGeometry, x: usize, y: usize) -> Result<(), Status> {
    if g.planes == 0 || g.h == 0 || g.w == 0 || g.oh == 0 || g.ow == 0 {
        return Err(Status::BadShape);
    }
    if g.kh == 0 || g.kw == 0 || g.sh == 0 || g.sw == 0 {
        return Err(Status::BadConvParams);
    }
    let inputs = g.planes as u64 * g.h as u64 * g.w as u64 * 4;
    let outputs = g.planes as u64 * g.oh as u64 * g.ow as u64 * 4;
    let window = g.oh as u64 * g.sh as u64 + g.kh as u64 + g.ow as u64 * g.sw as u64 + g.kw as u64;
    let pads = g.ph as u64 + g.pw as u64 + g.peh as u64 + g.pew as u64;
    if inputs > u32::MAX as u64 || outputs > u32::MAX as u64 || window + pads > i32::MAX as u64 {
        return Err(Status::Overflow);
    }
    region(x, inputs, 4)?;
    region(y, outputs, 4)
}

/// MaxPool of `planes` NCHW planes of `h × w` floats at `x` into `oh × ow` planes at `y`: window `kh × kw`,
/// strides `sh`, `sw`, leading pads `ph`, `pw` (the caller computes `oh`, `ow` for its ceil mode and trailing
/// pads; taps outside the input are skipped, an empty window gives the lowest float32).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_maxpool2d(
    planes: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
    x: usize,
    y: usize,
) -> i32 {
    let g = PoolGeometry { planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, peh: 0, pew: 0 };
    check!(checked(&g, x, y));
    f32_pool::max_pool2d(x as *const f32, y as *mut f32, &g);
    Status::Ok.code()
}

/// AveragePool like [`bl_f32_maxpool2d`], the float64 sum of each window's taps divided by their count, or
/// with `include_pad` ≠ 0 by the window's taps over the input padded by `ph`, `pw` before and `peh`, `pew`
/// after; an empty window gives 0.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_avgpool2d(
    planes: usize,
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    kh: usize,
    kw: usize,
    sh: usize,
    sw: usize,
    ph: usize,
    pw: usize,
    peh: usize,
    pew: usize,
    include_pad: i32,
    x: usize,
    y: usize,
) -> i32 {
    let g = PoolGeometry { planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, peh, pew };
    check!(checked(&g, x, y));
    f32_pool::average_pool2d(x as *const f32, y as *mut f32, &g, include_pad != 0);
    Status::Ok.code()
}

/// GlobalAveragePool of `planes` planes of `plane` floats at `x` into `planes` floats at `y`: each the float64
/// sum of its plane in order over `plane`, rounded to float32 (the TypeScript fast path's bits).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_global_avgpool(planes: usize, plane: usize, x: usize, y: usize) -> i32 {
    check!(plane_regions(x, planes, plane, y));
    f32_plane_means::plane_means(x as *const f32, planes, plane, y as *mut f32);
    Status::Ok.code()
}
