//! Fused activations for kernel epilogues. The scalar and the SIMD forms run the same float32 operations in
//! the same order (no fused multiply-add), so every variant gives bit-identical results; the TypeScript
//! reference (`src/kernels/ref/activation_ref.ts`) replays the piecewise-linear ones exactly.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// `y`
pub const ACT_NONE: u32 = 0;
/// `max(y, 0)`
pub const ACT_RELU: u32 = 1;
/// `min(max(y, 0), 6)`
pub const ACT_RELU6: u32 = 2;
/// `min(max(y, p0), p1)`
pub const ACT_CLIP: u32 = 3;
/// `min(max(p0·y + p1, 0), 1)` (ONNX HardSigmoid, alpha = p0, beta = p1)
pub const ACT_HARDSIGMOID: u32 = 4;
/// `y · min(max(y/6 + 1/2, 0), 1)` (ONNX HardSwish)
pub const ACT_HARDSWISH: u32 = 5;
/// `1 / (1 + exp(-y))`
pub const ACT_SIGMOID: u32 = 6;
/// `tanh(y)`
pub const ACT_TANH: u32 = 7;
/// `y < 0 ? p0·y : y` (ONNX LeakyRelu, alpha = p0)
pub const ACT_LEAKYRELU: u32 = 8;
/// `hardswish(y)·p0 + p1` (HardSwish followed by a scalar Mul and Add, as PP-LCNetV3's learnable
/// affine blocks export it)
pub const ACT_HARDSWISH_AFFINE: u32 = 9;
/// `y · sigmoid(y)` (Swish/SiLU, as Paddle exports it: `Sigmoid` then `Mul`; the sigmoid rounded first)
pub const ACT_SWISH: u32 = 10;

const SIXTH: f32 = 1.0 / 6.0;

/// A validated activation with its two parameters.
#[derive(Clone, Copy)]
pub struct Act {
    pub code: u32,
    pub p0: f32,
    pub p1: f32,
}

impl Act {
    /// Checks the code and parameters; `None` when they are invalid.
    pub fn new(code: u32, p0: f32, p1: f32) -> Option<Act> {
        let ok = match code {
            ACT_NONE | ACT_RELU | ACT_RELU6 | ACT_HARDSWISH | ACT_SIGMOID | ACT_TANH | ACT_SWISH => true,
            ACT_CLIP => p0 <= p1, // false for NaN too
            ACT_HARDSIGMOID | ACT_HARDSWISH_AFFINE => p0 == p0 && p1 == p1,
            ACT_LEAKYRELU => p0 == p0,
            _ => false,
        };
        if ok {
            Some(Act { code, p0, p1 })
        } else {
            None
        }
    }
}

/// `y < lo ? lo : y` then `y > hi ? hi : y`: the exact scalar twin of `f32x4_pmax` / `f32x4_pmin`.
#[inline(always)]
fn clamp(y: f32, lo: f32, hi: f32) -> f32 {
    let t = if y < lo { lo } else { y };
    if hi < t {
        hi
    } else {
        t
    }
}

/// Round half to even for |x| < 2^22 (the default float rounding does it).
#[inline(always)]
pub fn round_even(x: f32) -> f32 {
    const MAGIC: f32 = 12582912.0; // 1.5 · 2^23
    (x + MAGIC) - MAGIC
}

/// exp(x) for float32 (Cephes expf polynomial, about 1 ulp); input clamped to [-87, 88].
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    let x = clamp(x, -87.0, 88.0);
    let fx = round_even(x * core::f32::consts::LOG2_E);
    let r = x - fx * 0.693359375;
    let r = r - fx * -2.12194440e-4;
    let mut p = 1.9875691500e-4 * r + 1.3981999507e-3;
    p = p * r + 8.3334519073e-3;
    p = p * r + 4.1665795894e-2;
    p = p * r + 1.6666665459e-1;
    p = p * r + 5.0000001201e-1;
    let rr = r * r;
    let y = p * rr + r + 1.0;
    let bits = ((fx as i32 + 127) as u32) << 23;
    y * f32::from_bits(bits)
}

/// Applies `act` to one value.
#[inline(always)]
pub fn apply(y: f32, act: &Act) -> f32 {
    match act.code {
        ACT_RELU => {
            if y < 0.0 {
                0.0
            } else {
                y
            }
        }
        ACT_RELU6 => clamp(y, 0.0, 6.0),
        ACT_CLIP => clamp(y, act.p0, act.p1),
        ACT_HARDSIGMOID => clamp(act.p0 * y + act.p1, 0.0, 1.0),
        ACT_HARDSWISH => y * clamp(y * SIXTH + 0.5, 0.0, 1.0),
        ACT_HARDSWISH_AFFINE => y * clamp(y * SIXTH + 0.5, 0.0, 1.0) * act.p0 + act.p1,
        ACT_SIGMOID => 1.0 / (1.0 + exp_f32(-y)),
        ACT_SWISH => y * (1.0 / (1.0 + exp_f32(-y))),
        ACT_TANH => {
            let a = f32::from_bits(y.to_bits() & 0x7fff_ffff);
            let t = exp_f32(-2.0 * a);
            let r = (1.0 - t) / (1.0 + t);
            f32::from_bits(r.to_bits() | (y.to_bits() & 0x8000_0000))
        }
        ACT_LEAKYRELU => {
            if y < 0.0 {
                act.p0 * y
            } else {
                y
            }
        }
        _ => y,
    }
}

#[cfg(target_feature = "simd128")]
#[inline(always)]
fn vclamp(y: v128, lo: v128, hi: v128) -> v128 {
    f32x4_pmin(f32x4_pmax(y, lo), hi)
}

/// exp(x) on four lanes, the same operations as [`exp_f32`].
#[cfg(target_feature = "simd128")]
#[inline(always)]
pub fn exp_v(x: v128) -> v128 {
    let x = vclamp(x, f32x4_splat(-87.0), f32x4_splat(88.0));
    let magic = f32x4_splat(12582912.0);
    let fx = f32x4_sub(f32x4_add(f32x4_mul(x, f32x4_splat(core::f32::consts::LOG2_E)), magic), magic);
    let r = f32x4_sub(x, f32x4_mul(fx, f32x4_splat(0.693359375)));
    let r = f32x4_sub(r, f32x4_mul(fx, f32x4_splat(-2.12194440e-4)));
    let mut p = f32x4_add(f32x4_mul(f32x4_splat(1.9875691500e-4), r), f32x4_splat(1.3981999507e-3));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(8.3334519073e-3));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(4.1665795894e-2));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.6666665459e-1));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(5.0000001201e-1));
    let rr = f32x4_mul(r, r);
    let y = f32x4_add(f32x4_add(f32x4_mul(p, rr), r), f32x4_splat(1.0));
    let bits = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(fx), i32x4_splat(127)), 23);
    f32x4_mul(y, bits)
}

/// Applies `act` to four lanes, bit-identical to [`apply`] on each lane.
#[cfg(target_feature = "simd128")]
#[inline(always)]
pub fn apply_v(y: v128, act: &Act) -> v128 {
    let zero = f32x4_splat(0.0);
    let one = f32x4_splat(1.0);
    match act.code {
        ACT_RELU => f32x4_pmax(y, zero),
        ACT_RELU6 => vclamp(y, zero, f32x4_splat(6.0)),
        ACT_CLIP => vclamp(y, f32x4_splat(act.p0), f32x4_splat(act.p1)),
        ACT_HARDSIGMOID => vclamp(
            f32x4_add(f32x4_mul(f32x4_splat(act.p0), y), f32x4_splat(act.p1)),
            zero,
            one,
        ),
        ACT_HARDSWISH => f32x4_mul(
            y,
            vclamp(f32x4_add(f32x4_mul(y, f32x4_splat(SIXTH)), f32x4_splat(0.5)), zero, one),
        ),
        ACT_HARDSWISH_AFFINE => {
            let hs = f32x4_mul(y, vclamp(f32x4_add(f32x4_mul(y, f32x4_splat(SIXTH)), f32x4_splat(0.5)), zero, one));
            f32x4_add(f32x4_mul(hs, f32x4_splat(act.p0)), f32x4_splat(act.p1))
        }
        ACT_SIGMOID => f32x4_div(one, f32x4_add(one, exp_v(f32x4_neg(y)))),
        ACT_SWISH => f32x4_mul(y, f32x4_div(one, f32x4_add(one, exp_v(f32x4_neg(y))))),
        ACT_TANH => {
            let sign = v128_and(y, u32x4_splat(0x8000_0000));
            let a = v128_xor(y, sign);
            let t = exp_v(f32x4_mul(f32x4_splat(-2.0), a));
            let r = f32x4_div(f32x4_sub(one, t), f32x4_add(one, t));
            v128_or(r, sign)
        }
        ACT_LEAKYRELU => v128_bitselect(f32x4_mul(f32x4_splat(act.p0), y), y, f32x4_lt(y, zero)),
        _ => y,
    }
}

/// Applies `act` in place to `m` rows of `n` floats, rows `ld` apart, exactly [`apply`] per value. The
/// activation code is dispatched once per call, not once per vector: a `match` per vector made the GEMM's
/// epilogue cost as much as a 16-deep tile (PP-OCR cls's 104×16 1×1 conv on 3×96 ran 1.8× the time of the
/// same conv without an activation, under Deno).
///
/// # Safety
/// `c` covers the rows.
#[inline(never)]
pub unsafe fn apply_rows(c: *mut f32, m: usize, n: usize, ld: usize, act: &Act) {
    match act.code {
        ACT_NONE => {}
        ACT_RELU => rows_with::<ACT_RELU>(c, m, n, ld, act),
        ACT_RELU6 => rows_with::<ACT_RELU6>(c, m, n, ld, act),
        ACT_CLIP => rows_with::<ACT_CLIP>(c, m, n, ld, act),
        ACT_HARDSIGMOID => rows_with::<ACT_HARDSIGMOID>(c, m, n, ld, act),
        ACT_HARDSWISH => rows_with::<ACT_HARDSWISH>(c, m, n, ld, act),
        ACT_HARDSWISH_AFFINE => rows_with::<ACT_HARDSWISH_AFFINE>(c, m, n, ld, act),
        ACT_SIGMOID => rows_with::<ACT_SIGMOID>(c, m, n, ld, act),
        ACT_TANH => rows_with::<ACT_TANH>(c, m, n, ld, act),
        ACT_LEAKYRELU => rows_with::<ACT_LEAKYRELU>(c, m, n, ld, act),
        ACT_SWISH => rows_with::<ACT_SWISH>(c, m, n, ld, act),
        _ => {}
    }
}

/// [`apply_rows`] for one activation code known at compile time (the `match` in [`apply_v`] folds away).
#[inline(always)]
unsafe fn rows_with<const A: u32>(c: *mut f32, m: usize, n: usize, ld: usize, act: &Act) {
    let a = Act { code: A, p0: act.p0, p1: act.p1 };
    for i in 0..m {
        let row = c.add(i * ld);
        let mut j = 0;
        #[cfg(target_feature = "simd128")]
        while j + 4 <= n {
            let p = row.add(j) as *mut v128;
            v128_store(p, apply_v(v128_load(p), &a));
            j += 4;
        }
        while j < n {
            *row.add(j) = apply(*row.add(j), &a);
            j += 1;
        }
    }
}
