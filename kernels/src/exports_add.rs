//! The raw `extern "C"` surface of the elementwise add in kernel memory (see `exports` for the conventions).

use crate::exports::region;
use crate::f32_add;
use crate::status::Status;

/// `dst[i] += src[i]` for `n` floats at `dst` and `src` (in place; the two regions may be the same): the
/// bits of a float32 `Add` of two equal-shape tensors. `n` must be positive (else `BadShape`) and within
/// 32-bit addressing (else `Overflow`).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_add_into(dst: usize, src: usize, n: usize) -> i32 {
    if n == 0 {
        return Status::BadShape.code();
    }
    let bytes = n as u64 * 4;
    if bytes > u32::MAX as u64 {
        return Status::Overflow.code();
    }
    if let Err(e) = region(dst, bytes, 4).and_then(|_| region(src, bytes, 4)) {
        return e.code();
    }
    f32_add::add_into(dst as *mut f32, src as *const f32, n);
    Status::Ok.code()
}
