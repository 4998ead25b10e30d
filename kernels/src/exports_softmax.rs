//! The raw `extern "C"` surface of the fp32 Softmax rows (see `exports` for the conventions): whole rows
//! normalized in one call, or each row's max and sum of exponentials for LogSoftmax.

use crate::exports::region;
use crate::f32_softmax;
use crate::status::Status;

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// `rows · n` floats as bytes, or an error when a count is zero or the rows exceed 32-bit addressing.
fn row_bytes(rows: usize, n: usize) -> Result<u64, Status> {
    if rows == 0 || n == 0 {
        return Err(Status::BadShape);
    }
    let bytes = rows as u64 * n as u64 * 4;
    if bytes > u32::MAX as u64 {
        return Err(Status::Overflow);
    }
    Ok(bytes)
}

/// Softmax over `rows` contiguous rows of `n` floats at `x`, written to `y` (which may equal `x`), with the
/// bits of the TypeScript fast path (`f32_softmax.rs`). `scratch` holds `n` doubles (8-aligned).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_softmax_rows(rows: usize, n: usize, x: usize, y: usize, scratch: usize) -> i32 {
    let bytes = match row_bytes(rows, n) {
        Ok(b) => b,
        Err(s) => return s.code(),
    };
    check!(region(x, bytes, 4));
    check!(region(y, bytes, 4));
    check!(region(scratch, n as u64 * 8, 8));
    f32_softmax::softmax_rows(x as *const f32, y as *mut f32, rows, n, scratch as *mut f64);
    Status::Ok.code()
}

/// For each of `rows` contiguous rows of `n` floats at `x`: its float64 max into `max_sum[2·row]` and the
/// float64 sum of `exp(x − max)` in index order into `max_sum[2·row + 1]` (LogSoftmax takes the log in
/// JavaScript). `scratch` holds `n` doubles, `max_sum` `2 · rows` (both 8-aligned).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_max_exp_sum_rows(
    rows: usize,
    n: usize,
    x: usize,
    scratch: usize,
    max_sum: usize,
) -> i32 {
    let bytes = match row_bytes(rows, n) {
        Ok(b) => b,
        Err(s) => return s.code(),
    };
    check!(region(x, bytes, 4));
    check!(region(scratch, n as u64 * 8, 8));
    check!(region(max_sum, rows as u64 * 16, 8));
    f32_softmax::max_exp_sum_rows(x as *const f32, rows, n, scratch as *mut f64, max_sum as *mut f64);
    Status::Ok.code()
}
