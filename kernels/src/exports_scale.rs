//! The raw `extern "C"` surface of the per-plane scale (see `exports` for the conventions).

use crate::exports::plane_regions;
use crate::f32_scale_planes;
use crate::status::Status;

/// `x[p·plane + i] ·= s[p]` for `planes` planes of `plane` floats at `x` (in place), `s` holding `planes`
/// floats: the bits of a float32 `Mul(x, s)` with `s` one value per plane.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_scale_planes(x: usize, planes: usize, plane: usize, s: usize) -> i32 {
    if let Err(e) = plane_regions(x, planes, plane, s) {
        return e.code();
    }
    f32_scale_planes::scale_planes(x as *mut f32, planes, plane, s as *const f32);
    Status::Ok.code()
}
