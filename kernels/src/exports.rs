//! The raw `extern "C"` surface. JS owns every buffer: it allocates in this module's memory, passes byte
//! offsets (pointers), and frees afterwards. Every export validates its arguments and returns a
//! [`Status`] code (or a size, 0 meaning invalid); nothing here allocates, so memory never grows
//! during a call.

use crate::activation::Act;
use crate::status::Status;
use crate::{f32_gemm, qcw_pack, qd8_f32_qcw_gemm, qd8_quantize, VARIANT};

/// Bumped whenever the exports change (one added, a signature changed) or a packed layout changes.
const ABI_VERSION: u32 = 4;

macro_rules! check {
    ($e:expr) => {
        if let Err(s) = $e {
            return s.code();
        }
    };
}

/// `ptr .. ptr + bytes` lies inside memory, `ptr` is non-null and `align`-aligned.
pub(crate) fn region(ptr: usize, bytes: u64, align: usize) -> Result<(), Status> {
    let size = core::arch::wasm32::memory_size(0) as u64 * 65536;
    if ptr == 0 || ptr % align != 0 || ptr as u64 + bytes > size {
        return Err(Status::BadPointer);
    }
    Ok(())
}

/// Like [`region`] but a null pointer is allowed (an absent optional operand).
pub(crate) fn optional(ptr: usize, bytes: u64, align: usize) -> Result<(), Status> {
    if ptr == 0 {
        Ok(())
    } else {
        region(ptr, bytes, align)
    }
}

/// `planes` planes of `plane` floats at `x` and one float per plane at `per_plane`: both counts positive
/// (else `BadShape`), the planes within 32-bit addressing (else `Overflow`), both regions inside memory.
pub(crate) fn plane_regions(x: usize, planes: usize, plane: usize, per_plane: usize) -> Result<(), Status> {
    if planes == 0 || plane == 0 {
        return Err(Status::BadShape);
    }
    let bytes = planes as u64 * plane as u64 * 4;
    if bytes > u32::MAX as u64 {
        return Err(Status::Overflow);
    }
    region(x, bytes, 4)?;
    region(per_plane, planes as u64 * 4, 4)
}

/// Bytes of a row-major matrix of `rows` rows `ld` elements apart with `cols` used per row.
fn span(rows: usize, cols: usize, ld: usize, elem: u64) -> u64 {
    if rows == 0 {
        0
    } else {
        ((rows as u64 - 1) * ld as u64 + cols as u64) * elem
    }
}

pub(crate) fn activation(code: u32, p0: f32, p1: f32) -> Result<Act, Status> {
    Act::new(code, p0, p1).ok_or(Status::BadActivation)
}

fn shape(dims: &[usize]) -> Result<(), Status> {
    if dims.iter().any(|&d| d == 0 || d > (1 << 24)) {
        return Err(Status::BadShape);
    }
    Ok(())
}

/// The export ABI version.
#[no_mangle]
pub extern "C" fn bl_abi_version() -> u32 {
    ABI_VERSION
}

/// 0 = scalar, 1 = SIMD128, 2 = SIMD128 + relaxed SIMD.
#[no_mangle]
pub extern "C" fn bl_variant() -> u32 {
    VARIANT
}

/// Register tile of a kernel as `mr << 8 | nr`: 0 = f32 GEMM, 8/4/2 = qd8-f32-qc{8,4,2}w GEMM.
#[no_mangle]
pub extern "C" fn bl_tile(kernel: u32) -> u32 {
    match kernel {
        0 => ((f32_gemm::MR as u32) << 8) | f32_gemm::NR as u32,
        2 | 4 | 8 => ((qd8_f32_qcw_gemm::mr(kernel as usize) as u32) << 8) | qcw_pack::NR as u32,
        _ => 0,
    }
}

/// Bytes of packed fp32 B for an `n`-column, `k`-deep matrix (0 if the shape is invalid).
#[no_mangle]
pub extern "C" fn bl_f32_gemm_packed_bytes(n: usize, k: usize) -> u32 {
    if shape(&[n, k]).is_err() {
        return 0;
    }
    let bytes = f32_gemm::packed_len(n, k) as u64 * 4;
    if bytes > u32::MAX as u64 {
        0
    } else {
        bytes as u32
    }
}

/// Packs fp32 B (element `(kk, j)` at `b[kk·stride_k + j·stride_n]`) and optional column bias.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_gemm_pack(
    n: usize,
    k: usize,
    b: usize,
    stride_k: usize,
    stride_n: usize,
    bias: usize,
    out: usize,
) -> i32 {
    check!(shape(&[n, k]));
    let last = (k as u64 - 1) * stride_k as u64 + (n as u64 - 1) * stride_n as u64 + 1;
    check!(region(b, last * 4, 4));
    check!(optional(bias, n as u64 * 4, 4));
    check!(region(out, f32_gemm::packed_len(n, k) as u64 * 4, 16));
    f32_gemm::pack(n, k, b as *const f32, stride_k, stride_n, bias as *const f32, out as *mut f32);
    Status::Ok.code()
}

/// `C = act(A·B + colbias + rowbias)` with packed B.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_f32_gemm(
    m: usize,
    n: usize,
    k: usize,
    a: usize,
    lda: usize,
    packed: usize,
    row_bias: usize,
    c: usize,
    ldc: usize,
    act: u32,
    p0: f32,
    p1: f32,
) -> i32 {
    check!(shape(&[m, n, k]));
    if lda < k || ldc < n {
        return Status::BadStride.code();
    }
    let act = match activation(act, p0, p1) {
        Ok(a) => a,
        Err(s) => return s.code(),
    };
    check!(region(a, span(m, k, lda, 4), 4));
    check!(region(packed, f32_gemm::packed_len(n, k) as u64 * 4, 16));
    check!(optional(row_bias, m as u64 * 4, 4));
    check!(region(c, span(m, n, ldc, 4), 4));
    f32_gemm::gemm(m, n, k, a as *const f32, lda, packed as *const f32, row_bias as *const f32, c as *mut f32, ldc, &act);
    Status::Ok.code()
}

/// Quantizes `m` fp32 rows to int8 rows `ldq` apart (zero-padded past `k`) with per-row scale and zero point.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_qd8_quantize_rows(
    m: usize,
    k: usize,
    x: usize,
    ldx: usize,
    asymmetric: u32,
    q: usize,
    ldq: usize,
    scale: usize,
    zp: usize,
) -> i32 {
    check!(shape(&[m, k]));
    if ldx < k || ldq < k {
        return Status::BadStride.code();
    }
    check!(region(x, span(m, k, ldx, 4), 4));
    check!(region(q, span(m, ldq, ldq, 1), 1));
    check!(region(scale, m as u64 * 4, 4));
    check!(region(zp, m as u64 * 4, 4));
    qd8_quantize::quantize_rows(m, k, x as *const f32, ldx, asymmetric != 0, q as *mut i8, ldq, scale as *mut f32, zp as *mut i32);
    Status::Ok.code()
}

/// Bytes of packed 2/4/8-bit weights (0 if the arguments are invalid).
#[no_mangle]
pub extern "C" fn bl_qcw_packed_bytes(n: usize, k: usize, bits: usize, block_size: usize) -> u32 {
    match qcw_pack::Geometry::new(n, k, bits, block_size) {
        Ok(g) => g.packed_bytes() as u32,
        Err(_) => 0,
    }
}

/// Packs weight codes (`(j, kk)` at `codes[j·stride_n + kk·stride_k]`), `[n][blocks]` scales and
/// offsets (null: zero) and an optional bias for the qd8-f32-qcXw GEMM.
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_qcw_pack(
    n: usize,
    k: usize,
    bits: usize,
    block_size: usize,
    codes: usize,
    stride_n: usize,
    stride_k: usize,
    scales: usize,
    offsets: usize,
    bias: usize,
    out: usize,
) -> i32 {
    let g = match qcw_pack::Geometry::new(n, k, bits, block_size) {
        Ok(g) => g,
        Err(s) => return s.code(),
    };
    let last = (n as u64 - 1) * stride_n as u64 + (k as u64 - 1) * stride_k as u64 + 1;
    check!(region(codes, last, 1));
    check!(region(scales, (n * g.nb) as u64 * 4, 4));
    check!(optional(offsets, (n * g.nb) as u64 * 4, 4));
    check!(optional(bias, n as u64 * 4, 4));
    check!(region(out, g.packed_bytes() as u64, 16));
    let out_ptr = out as *mut u8;
    qcw_pack::pack(
        &g,
        codes as *const u8,
        stride_n,
        stride_k,
        scales as *const f32,
        offsets as *const f32,
        bias as *const f32,
        out_ptr,
    )
    .code()
}

/// `C = act(dequant(A_q)·W + bias)` for int8 rows `A_q` (`lda >= roundup(k, 8)`, zero past `k`) with
/// per-row scale/zero point, and packed weights; `scratch` holds `m·blocks` floats (4 bytes each).
///
/// # Safety
/// Pointers are offsets into this module's memory (checked against its size).
#[no_mangle]
pub unsafe extern "C" fn bl_qd8_f32_qcw_gemm(
    m: usize,
    n: usize,
    k: usize,
    bits: usize,
    block_size: usize,
    a: usize,
    lda: usize,
    a_scale: usize,
    a_zp: usize,
    packed: usize,
    c: usize,
    ldc: usize,
    act: u32,
    p0: f32,
    p1: f32,
    scratch: usize,
    scratch_bytes: usize,
) -> i32 {
    check!(shape(&[m]));
    let g = match qcw_pack::Geometry::new(n, k, bits, block_size) {
        Ok(g) => g,
        Err(s) => return s.code(),
    };
    if lda < g.kp || ldc < n {
        return Status::BadStride.code();
    }
    let act = match activation(act, p0, p1) {
        Ok(a) => a,
        Err(s) => return s.code(),
    };
    if (m as u64) * (g.nb as u64) * 4 > scratch_bytes as u64 {
        return Status::ScratchTooSmall.code();
    }
    check!(region(a, span(m, g.kp, lda, 1), 4));
    check!(region(a_scale, m as u64 * 4, 4));
    check!(region(a_zp, m as u64 * 4, 4));
    check!(region(packed, g.packed_bytes() as u64, 16));
    check!(region(c, span(m, n, ldc, 4), 4));
    check!(region(scratch, scratch_bytes as u64, 4));
    qd8_f32_qcw_gemm::gemm(
        &g,
        m,
        a as *const i8,
        lda,
        a_scale as *const f32,
        a_zp as *const i32,
        packed as *const u8,
        c as *mut f32,
        ldc,
        &act,
        scratch as *mut f32,
    );
    Status::Ok.code()
}
