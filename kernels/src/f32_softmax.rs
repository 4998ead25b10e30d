//! fp32 Softmax over contiguous rows with a table-driven double-precision exp: the same operations, in the
//! same order, as the TypeScript fast path (`src/runtime/fast/exp_f64.ts`, `f32_softmax_op.ts`), so every
//! build gives that path's bits exactly. Per row: the float64 max of the row (NaN never wins), the float64
//! exponentials `e[i] = exp(x[i] − max)` and their sum in index order, then `y[i] = f32(e[i] · (1 / sum))`.
//!
//! The exp (as in ARM's optimized-routines): `k = round(x · 64/ln 2)` by the `1.5·2^52` shift,
//! `r = x − k·ln2/64` in two parts (the first product exact), `exp(x) = 2^(k>>6) · 2^((k&63)/64) · exp(r)`
//! with `2^(j/64)` a double plus its relative tail and `exp(r) − 1` a degree-6 Taylor polynomial. Only IEEE
//! `+ − × ÷` on doubles and table lookups: wasm rounds each to nearest and never contracts `a·b + c` into a
//! fused multiply-add, and this file uses no relaxed instruction, so the scalar, SIMD128 and relaxed builds
//! agree with each other and with JavaScript (`kernels/dist` checked: no relaxed instruction in these
//! exports; a `pmax` became `relaxed_max` in the relaxed build, so the max is spelled compare-and-select).
//! The SIMD builds run the exp on two `f64x2` lanes (the same lane-wise operations), the sum still added
//! one element at a time in index order, and take the row max in four lanes.
//!
//! Speed: see `f32_softmax_op.ts` (SIMD builds 0.57–0.81× the TypeScript path's time with the copies; the
//! scalar build about 1.0×). The exp's vector constants are built once per row (`Splats`); the
//! sequential float64 sum, one dependent add per element, is a floor no build can go under.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

/// `2^(j/64)` rounded to double, j = 0…63.
#[rustfmt::skip]
const T: [f64; 64] = [
    1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
    1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
    1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
    1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
    1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
    1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
    1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
    1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
    1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
    1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
    1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
    1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
    1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
    1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
    1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
    1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
];
/// `(2^(j/64) − T[j]) / T[j]`: what the rounding of `T[j]` left out, relative.
#[rustfmt::skip]
const TAIL: [f64; 64] = [
    0.0, -1.507066976926039e-17, 4.9997448722726326e-17, 7.357846871247418e-18,
    8.189317638195515e-17, 1.6665881442326747e-18, -7.402825309426177e-17, -6.170654745608695e-17,
    -2.7939114859515733e-17, 4.776959425256223e-17, 9.341710609905046e-17, 4.585670326662351e-17,
    7.826573258636076e-17, 2.823784425951061e-17, 3.2904726646008416e-17, 4.721368121170128e-17,
    3.3484623336251524e-17, 5.527550048505249e-17, -6.346552106729483e-17, -1.5456342819397733e-17,
    3.750854201303127e-17, -5.346099009198751e-18, 2.1023049675215714e-18, 1.3357510088834541e-17,
    1.9572585293112036e-17, -5.478069123926778e-17, -2.1571477251208752e-17, 6.663804589232195e-17,
    5.68648095791174e-17, 7.007875046906994e-17, -4.8923067513522756e-17, -6.872303720902018e-17,
    -6.835808657661922e-17, -8.416011634717156e-18, -2.092304381843353e-17, -3.833464968654295e-17,
    -2.3591094770850053e-17, 9.50689710108796e-18, -6.735219232374683e-17, -7.226635472101257e-17,
    5.1548301170786783e-17, 2.4253985766689806e-17, -6.432131775424189e-18, -6.336161863401293e-17,
    1.5341410053603723e-17, -4.123367330661149e-17, -6.152602891550265e-17, 3.540948262646183e-17,
    4.875160526227062e-17, -4.719539664590972e-18, -1.0772487078934056e-17, 1.821405440362259e-17,
    1.685487290628973e-17, 3.621615935336894e-17, 1.01562190116415e-17, -5.495118966122005e-17,
    1.790126907604513e-17, 5.265370768556274e-17, -3.266924100901318e-17, 1.7963932659833022e-17,
    -5.545065618639427e-17, 5.336805878514151e-17, 4.5784915277060095e-17, 2.0414278897578303e-17,
];

/// `[T[j], TAIL[j]]` pairs, 16-byte aligned: the SIMD exp loads both values of a lane at once.
#[cfg(target_feature = "simd128")]
#[repr(C, align(16))]
struct Pairs([f64; 128]);
#[cfg(target_feature = "simd128")]
static TT_PAIRS: Pairs = {
    let mut p = [0.0; 128];
    let mut j = 0;
    while j < 64 {
        p[2 * j] = T[j];
        p[2 * j + 1] = TAIL[j];
        j += 1;
    }
    Pairs(p)
};
#[cfg(target_feature = "simd128")]
static TT: &[f64; 128] = &TT_PAIRS.0;

/// 64 / ln 2.
const INV_LN2_N: f64 = 92.33248261689366;
/// ln2/64, high part: fdlibm's ln2_hi (32 significant bits) / 64, so `k · LN2_N_HI` is exact for |k| < 2^21.
const LN2_N_HI: f64 = 0.01083042469326756;
/// ln2/64 − LN2_N_HI.
const LN2_N_LO: f64 = 2.9815858269852933e-12;
/// 1.5 · 2^52: adding and subtracting it rounds a double below 2^51 to the nearest integer (ties to even).
const SHIFT: f64 = 6755399441055744.0;
const C2: f64 = 1.0 / 2.0;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;
const C6: f64 = 1.0 / 720.0;
/// Largest x with exp(x) finite, and the x below which exp(x) rounds to 0 (fdlibm's thresholds).
const OVERFLOW: f64 = 709.782712893384;
const UNDERFLOW: f64 = -745.1332191019411;
const TWO_M1000: f64 = 9.332636185032189e-302;
const TWO_P1000: f64 = 1.0715086071862673e301;

/// `2^e` for a normal exponent `e` (−1022 ≤ e ≤ 1023), exactly.
#[inline(always)]
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// The shared part of both exp paths: `k` and the polynomial `tmp` (the value is `s + s·tmp`).
#[inline(always)]
fn reduce(x: f64) -> (i32, f64) {
    let kd = x * INV_LN2_N + SHIFT - SHIFT;
    let k = kd as i32;
    let r = x - kd * LN2_N_HI - kd * LN2_N_LO;
    let r2 = r * r;
    let j = (k & 63) as usize;
    (k, TAIL[j] + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5 + r2 * C6))
}

/// `e^x` in double precision, the bits of `expF64` in `exp_f64.ts`: within 0.51 ulp; NaN gives NaN,
/// arguments above 709.78 `+∞`, below −745.14 zero.
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    if !(-700.0..=709.0).contains(&x) {
        return exp_edge(x);
    }
    exp_fast(x)
}

/// [`exp_f64`] for −700 ≤ x ≤ 709. The same values as [`reduce`] and `T[j] · 2^(k>>6)`, read from the bits
/// instead of converted: `x · 64/ln 2 + SHIFT` holds `k` in its low mantissa bits (two's complement, as
/// `|k| < 2^51`), and `T[j] · 2^e` is exact here (normal), so adding `e` to the exponent field gives it.
#[inline(always)]
fn exp_fast(x: f64) -> f64 {
    let z = x * INV_LN2_N + SHIFT;
    let ki = z.to_bits();
    let kd = z - SHIFT;
    let r = x - kd * LN2_N_HI - kd * LN2_N_LO;
    let r2 = r * r;
    let j = (ki & 63) as usize;
    let tmp = TAIL[j] + r + r2 * (C2 + r * C3) + r2 * r2 * (C4 + r * C5 + r2 * C6);
    let s = f64::from_bits(T[j].to_bits().wrapping_add((ki >> 6) << 52));
    s + s * tmp
}

/// Arguments outside [−700, 709]: NaN, overflow, underflow, and results near the ends of the range (scaled
/// by a power of two inside the normal range first, then by 2^±1000, so the last product rounds once).
#[inline(never)]
fn exp_edge(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > OVERFLOW {
        return f64::INFINITY;
    }
    if x < UNDERFLOW {
        return 0.0;
    }
    let (k, tmp) = reduce(x);
    let j = (k & 63) as usize;
    let e = k >> 6;
    if e > 0 {
        let s = T[j] * pow2(e - 1000);
        return (s + s * tmp) * TWO_P1000;
    }
    let s = T[j] * pow2(e + 1000);
    (s + s * tmp) * TWO_M1000
}

/// The max of `n` floats as a double (NaN never wins; `−∞` for a row of NaN or `−∞`). Four independent
/// maxima (lanes), then the largest of them: the same value as one pass in order (a max does not round),
/// except that a row whose max is zero may get either sign of zero, which changes no output (`x − ±0` is
/// `x` but for `x = −0`, whose exponential is 1 either way, and `±0 + ln(sum)` is `ln(sum)` as `sum ≥ 1`).
#[inline(always)]
unsafe fn row_max(x: *const f32, n: usize) -> f64 {
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    let mut m = {
        // acc < v ? v : acc (a NaN v leaves acc), spelled as compare and select: no relaxed max may replace it.
        let mut acc = f32x4_splat(f32::NEG_INFINITY);
        while i + 4 <= n {
            let v = v128_load(x.add(i) as *const v128);
            acc = v128_bitselect(v, acc, f32x4_lt(acc, v));
            i += 4;
        }
        [
            f32x4_extract_lane::<0>(acc),
            f32x4_extract_lane::<1>(acc),
            f32x4_extract_lane::<2>(acc),
            f32x4_extract_lane::<3>(acc),
        ]
    };
    #[cfg(not(target_feature = "simd128"))]
    let mut m = [f32::NEG_INFINITY; 4];
    #[cfg(not(target_feature = "simd128"))]
    while i + 4 <= n {
        for l in 0..4 {
            let v = *x.add(i + l);
            if v > m[l] {
                m[l] = v;
            }
        }
        i += 4;
    }
    while i < n {
        let v = *x.add(i);
        if v > m[0] {
            m[0] = v;
        }
        i += 1;
    }
    let mut max = f64::NEG_INFINITY;
    for v in m {
        if v as f64 > max {
            max = v as f64;
        }
    }
    max
}

/// `e[i] = exp(x[i] − shift)` for `i < n`, returning their float64 sum in index order (`expSumF32`).
/// `shift` is the row's max ([`row_max`]), so no `x[i] − shift` is positive (the SIMD range test uses it).
///
/// # Safety
/// `x` holds `n` floats, `e` has room for `n` doubles (16-byte aligned in the SIMD builds).
#[inline(always)]
unsafe fn exp_sum(x: *const f32, n: usize, shift: f64, e: *mut f64) -> f64 {
    let mut sum = 0.0f64;
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    let k = Splats::load(shift);
    #[cfg(target_feature = "simd128")]
    while i + 4 <= n {
        let v = v128_load(x.add(i) as *const v128);
        let a0 = f64x2_sub(f64x2_promote_low_f32x4(v), k.shift);
        let a1 = f64x2_sub(f64x2_promote_low_f32x4(i64x2_shuffle::<1, 1>(v, v)), k.shift);
        let (v0, v1) = if in_range2(a0, a1, &k) {
            (exp2_lanes(a0, &k), exp2_lanes(a1, &k))
        } else {
            (exp2_edge(a0), exp2_edge(a1))
        };
        v128_store(e.add(i) as *mut v128, v0);
        v128_store(e.add(i + 2) as *mut v128, v1);
        sum += f64x2_extract_lane::<0>(v0);
        sum += f64x2_extract_lane::<1>(v0);
        sum += f64x2_extract_lane::<0>(v1);
        sum += f64x2_extract_lane::<1>(v1);
        i += 4;
    }
    while i < n {
        let v = exp_f64(*x.add(i) as f64 - shift);
        *e.add(i) = v;
        sum += v;
        i += 1;
    }
    sum
}

/// The constants of the SIMD exp as vectors, built once per row. The scalars are read through a volatile
/// load so that the compiler keeps the vectors in locals: as literals it writes a `v128.const` at every
/// use, which engines rematerialize inside the loop (measured: the whole kernel 1.2× slower under Deno).
#[cfg(target_feature = "simd128")]
struct Splats {
    shift: v128,
    inv_ln2_n: v128,
    round: v128,
    ln2_n_hi: v128,
    ln2_n_lo: v128,
    c2: v128,
    c3: v128,
    c4: v128,
    c5: v128,
    c6: v128,
    lo: v128,
}

/// The scalars behind [`Splats`], in its field order after `shift`.
#[cfg(target_feature = "simd128")]
static SPLAT_VALUES: [f64; 10] = [INV_LN2_N, SHIFT, LN2_N_HI, LN2_N_LO, C2, C3, C4, C5, C6, -700.0];

#[cfg(target_feature = "simd128")]
impl Splats {
    #[inline(always)]
    unsafe fn load(shift: f64) -> Splats {
        let c = core::ptr::read_volatile(&SPLAT_VALUES);
        Splats {
            shift: f64x2_splat(shift),
            inv_ln2_n: f64x2_splat(c[0]),
            round: f64x2_splat(c[1]),
            ln2_n_hi: f64x2_splat(c[2]),
            ln2_n_lo: f64x2_splat(c[3]),
            c2: f64x2_splat(c[4]),
            c3: f64x2_splat(c[5]),
            c4: f64x2_splat(c[6]),
            c5: f64x2_splat(c[7]),
            c6: f64x2_splat(c[8]),
            lo: f64x2_splat(c[9]),
        }
    }
}

/// All four lanes of `a0`, `a1` at least −700 (false for NaN): in [−700, 709] when they are `x − max` of
/// their row, which is never positive.
#[cfg(target_feature = "simd128")]
#[inline(always)]
fn in_range2(a0: v128, a1: v128, k: &Splats) -> bool {
    i64x2_all_true(v128_and(f64x2_ge(a0, k.lo), f64x2_ge(a1, k.lo)))
}

/// [`exp_f64`] lane by lane.
#[cfg(target_feature = "simd128")]
#[inline(never)]
fn exp2_edge(a: v128) -> v128 {
    f64x2(exp_f64(f64x2_extract_lane::<0>(a)), exp_f64(f64x2_extract_lane::<1>(a)))
}

/// [`exp_fast`] on two lanes: the same lane-wise IEEE operations and exponent-field addition; the table
/// pair `(T[j], TAIL[j])` of each lane is one 16-byte load.
#[cfg(target_feature = "simd128")]
#[inline(always)]
unsafe fn exp2_lanes(a: v128, k: &Splats) -> v128 {
    let z = f64x2_add(f64x2_mul(a, k.inv_ln2_n), k.round);
    let kd = f64x2_sub(z, k.round);
    let r = f64x2_sub(f64x2_sub(a, f64x2_mul(kd, k.ln2_n_hi)), f64x2_mul(kd, k.ln2_n_lo));
    let r2 = f64x2_mul(r, r);
    let j0 = i64x2_extract_lane::<0>(z) as usize & 63;
    let j1 = i64x2_extract_lane::<1>(z) as usize & 63;
    let p0 = v128_load(TT.as_ptr().add(2 * j0) as *const v128);
    let p1 = v128_load(TT.as_ptr().add(2 * j1) as *const v128);
    let t = i64x2_shuffle::<0, 2>(p0, p1);
    let tail = i64x2_shuffle::<1, 3>(p0, p1);
    let p3 = f64x2_mul(r2, f64x2_add(k.c2, f64x2_mul(r, k.c3)));
    let p6 = f64x2_add(f64x2_add(k.c4, f64x2_mul(r, k.c5)), f64x2_mul(r2, k.c6));
    let tmp = f64x2_add(f64x2_add(f64x2_add(tail, r), p3), f64x2_mul(f64x2_mul(r2, r2), p6));
    let s = i64x2_add(t, i64x2_shl(u64x2_shr(z, 6), 52));
    f64x2_add(s, f64x2_mul(s, tmp))
}

/// `y[i] = f32(e[i] · inv)` for `i < n`.
#[inline(always)]
unsafe fn scale_out(e: *const f64, n: usize, inv: f64, y: *mut f32) {
    let mut i = 0;
    #[cfg(target_feature = "simd128")]
    {
        let s = f64x2_splat(inv);
        while i + 2 <= n {
            let v = f32x4_demote_f64x2_zero(f64x2_mul(v128_load(e.add(i) as *const v128), s));
            v128_store64_lane::<0>(v, y.add(i) as *mut u64);
            i += 2;
        }
    }
    while i < n {
        *y.add(i) = (*e.add(i) * inv) as f32;
        i += 1;
    }
}

/// Softmax over `rows` contiguous rows of `n` floats: `y[i] = f32(e[i] · (1 / Σe))`. `y` may be `x` (in
/// place: each row is read whole before it is written).
///
/// # Safety
/// `x` and `y` hold `rows · n` floats, `e` has room for `n` doubles (16-byte aligned in the SIMD builds).
pub unsafe fn softmax_rows(x: *const f32, y: *mut f32, rows: usize, n: usize, e: *mut f64) {
    for row in 0..rows {
        let xr = x.add(row * n);
        let max = row_max(xr, n);
        let inv = 1.0 / exp_sum(xr, n, max, e);
        scale_out(e, n, inv, y.add(row * n));
    }
}

/// Each row's float64 max and sum of exponentials (`max_sum[2·row]`, `max_sum[2·row + 1]`): what LogSoftmax
/// needs before `x − (max + ln(sum))`, whose log JavaScript takes (`Math.log`, so the bits stay the engine's).
///
/// # Safety
/// `x` holds `rows · n` floats, `e` has room for `n` doubles, `max_sum` for `2 · rows`.
pub unsafe fn max_exp_sum_rows(x: *const f32, rows: usize, n: usize, e: *mut f64, max_sum: *mut f64) {
    for row in 0..rows {
        let xr = x.add(row * n);
        let max = row_max(xr, n);
        *max_sum.add(2 * row) = max;
        *max_sum.add(2 * row + 1) = exp_sum(xr, n, max, e);
    }
}
