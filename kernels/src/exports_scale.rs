//! The raw `extern "C"` surface of the per-plane scale (see `exports` for the conventions).

use crate::exports::region;
use crate::f32_scale_planes;
use crate::status::Status;

/// `x[p·plane + i] ·= s[p]` for `planes` planes of `plane` floats at `x` (in place), `s` holding `planes`
/// floats: the bits of a float32 `Mul(x, s)` with `s` one value per plane.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_scale_planes(x: usize, planes: usize, plane: usize, s: usize) -> i32 {
    if planes == 0 || plane == 0 {
        return Status::BadShape.code();
    }
    let bytes = planes as u64 * plane as u64 * 4;
    if bytes > u32::MAX as u64 {
        return Status::Overflow.code();
    }
    if let Err(e) = region(x, bytes, 4) {
        return e.code();
    }
    if let Err(e) = region(s, planes as u64 * 4, 4) {
        return e.code();
    }
    f32_scale_planes::scale_planes(x as *mut f32, planes, plane, s as *const f32);
    Status::Ok.code()
}
