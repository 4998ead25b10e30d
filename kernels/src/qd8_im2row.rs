//! The low-memory conv's int8 patch rows built straight from the NCHW image: the codes, scales and zero
//! points of `f32_im2row::im2row` followed by `qd8_quantize::quantize_rows`, without a float patch matrix.
//!
//! SIMD builds take sixteen (else four) output pixels at a time whose taps all lie inside the image and
//! one float apart (stride-1 columns of one output row; any pixels of a pointwise stride-1 conv). A table
//! of the `kdim` tap offsets (channel, kernel row, kernel column) is built once per call; one vector load
//! at `x + offset + 4·i` holds that tap of four patches, so a first pass over the taps gives the rows'
//! minima and maxima lane by lane (lanes = pixels) and a second pass their codes, which are transposed to
//! rows in registers, sixteen taps at a time. Every other pixel (borders, other strides, the scalar build,
//! a row whose `1/scale` overflows) goes through im2row + quantize_rows, a few rows at a time in an
//! L1-sized tile. Minimum and maximum are exact, the row parameters come from the same function and
//! every code is the same integer `rne(x·inv) + zp` saturated to `qmin..127` (a NaN tap: `zp`), so the
//! rows are the same bit for bit whichever path a pixel takes. (NaN in a row's minimum and maximum stays
//! outside that: the relaxed build's min/max handle it as the engine defines.)

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::f32_conv2d::ConvDesc;
use crate::f32_im2row::im2row;
use crate::qd8_quantize::quantize_rows;

/// Quantized patch rows of pixels `first .. first + count` into `q` (rows `ldq >= kdim` apart, zero
/// past `kdim`), `scale` and `zp`. `scratch` holds `kdim` tap offsets, then `step` tile rows of `kdim`
/// floats and 4 spare floats (`step >= 1`).
///
/// # Safety
/// `d` is valid (group 1) and every pointer covers what it describes.
pub unsafe fn conv_rows_q8(
    d: &ConvDesc,
    x: *const f32,
    first: usize,
    count: usize,
    asymmetric: bool,
    scratch: *mut f32,
    step: usize,
    q: *mut i8,
    ldq: usize,
    scale: *mut f32,
    zp: *mut i32,
) {
    let kdim = d.kdim();
    let tile = scratch.add(kdim);
    let slow = |r0: usize, r1: usize| {
        let mut r = r0;
        while r < r1 {
            let n = step.min(r1 - r);
            im2row(d, x, first + r, n, tile, kdim, true);
            quantize_rows(n, kdim, tile, kdim, asymmetric, q.add(r * ldq), ldq, scale.add(r), zp.add(r));
            r += n;
        }
    };
    #[cfg(target_feature = "simd128")]
    {
        let (h, w) = (d.h as usize, d.w as usize);
        let (kh, kw, dh, dw) = (d.kh as usize, d.kw as usize, d.dh as usize, d.dw as usize);
        let (sh, pt, pl, ow) = (d.sh as usize, d.pt as usize, d.pl as usize, d.ow as usize);
        let pointwise = kh == 1 && kw == 1 && sh == 1 && d.sw == 1 && pt == 0 && pl == 0 && d.oh == d.h && d.ow == d.w;
        if d.sw == 1 {
            let off = scratch as *mut u32;
            let mut j = 0;
            for ch in 0..d.c as usize {
                for ky in 0..kh {
                    for kx in 0..kw {
                        *off.add(j) = (ch * h * w + ky * dh * w + kx * dw) as u32;
                        j += 1;
                    }
                }
            }
            // Offset of pixel `pix`'s first tap when pixels pix .. pix + n have every tap inside the image,
            // one float apart.
            let direct_base = |pix: usize, n: usize| {
                if pointwise {
                    return Some(pix);
                }
                let (oy, ox) = (pix / ow, pix % ow);
                let (y0, x0) = ((oy * sh) as isize - pt as isize, ox as isize - pl as isize);
                let inside = ox + n <= ow
                    && y0 >= 0
                    && y0 as usize + (kh - 1) * dh < h
                    && x0 >= 0
                    && x0 as usize + n - 1 + (kw - 1) * dw < w;
                if inside {
                    Some(y0 as usize * w + x0 as usize)
                } else {
                    None
                }
            };
            let (mut r, mut run) = (0, 0);
            while r + 4 <= count {
                // Sixteen pixels when they all qualify, else four, else this one through the tile.
                let mut took = None;
                for n in [16, 4] {
                    if took.is_none() && r + n <= count {
                        if let Some(b) = direct_base(first + r, n) {
                            let (qr, sr, zr) = (q.add(r * ldq), scale.add(r), zp.add(r));
                            let ok = if n == 16 {
                                quantize_quads::<4>(x.add(b), off, kdim, asymmetric, qr, ldq, sr, zr)
                            } else {
                                quantize_quads::<1>(x.add(b), off, kdim, asymmetric, qr, ldq, sr, zr)
                            };
                            took = Some((n, ok));
                        }
                    }
                }
                match took {
                    None => r += 1,
                    Some((n, false)) => r += n, // left to the tile path with the run
                    Some((n, true)) => {
                        slow(run, r);
                        r += n;
                        run = r;
                    }
                }
            }
            slow(run, count);
            return;
        }
    }
    slow(0, count);
}

/// The rows of `4·Q` pixels whose tap `j` is at `x + off[j] + lane` (lanes 0 .. 4·Q, rows `ldq` apart);
/// false (nothing written) when a row's `1/scale` overflows, which the vector conversion does not cover.
#[cfg(target_feature = "simd128")]
#[inline(never)]
unsafe fn quantize_quads<const Q: usize>(
    x: *const f32,
    off: *const u32,
    k: usize,
    asymmetric: bool,
    q: *mut i8,
    ldq: usize,
    scale: *mut f32,
    zp: *mut i32,
) -> bool {
    use crate::qd8_quantize::{row_params, RowParams, MAGIC};
    let tap = |j: usize, d: usize| v128_load(x.add(*off.add(j) as usize + 4 * d) as *const v128);
    // Pass 1: minima and maxima per lane, two independent chains per quad of pixels.
    let inf = f32x4_splat(f32::INFINITY);
    let ninf = f32x4_splat(f32::NEG_INFINITY);
    let (mut lo, mut hi) = ([[inf; Q]; 2], [[ninf; Q]; 2]);
    let mut j = 0;
    while j + 2 <= k {
        for s in 0..2 {
            for d in 0..Q {
                let v = tap(j + s, d);
                lo[s][d] = f32x4_pmin(lo[s][d], v);
                hi[s][d] = f32x4_pmax(hi[s][d], v);
            }
        }
        j += 2;
    }
    if j < k {
        for d in 0..Q {
            let v = tap(j, d);
            lo[0][d] = f32x4_pmin(lo[0][d], v);
            hi[0][d] = f32x4_pmax(hi[0][d], v);
        }
    }
    let mut p = [[RowParams { scale: 0.0, zp: 0, inv: 0.0, qmin: 0 }; 4]; Q];
    for d in 0..Q {
        let (l, h) = (f32x4_pmin(lo[0][d], lo[1][d]), f32x4_pmax(hi[0][d], hi[1][d]));
        p[d] = [
            row_params(f32x4_extract_lane::<0>(l), f32x4_extract_lane::<0>(h), asymmetric),
            row_params(f32x4_extract_lane::<1>(l), f32x4_extract_lane::<1>(h), asymmetric),
            row_params(f32x4_extract_lane::<2>(l), f32x4_extract_lane::<2>(h), asymmetric),
            row_params(f32x4_extract_lane::<3>(l), f32x4_extract_lane::<3>(h), asymmetric),
        ];
        if p[d].iter().any(|r| !(r.inv <= f32::MAX)) {
            return false;
        }
    }
    let (mut vinv, mut vzp) = ([inf; Q], [inf; Q]);
    for d in 0..Q {
        for l in 0..4 {
            *scale.add(4 * d + l) = p[d][l].scale;
            *zp.add(4 * d + l) = p[d][l].zp;
        }
        let r = &p[d];
        vinv[d] = f32x4(r[0].inv, r[1].inv, r[2].inv, r[3].inv);
        vzp[d] = f32x4(r[0].zp as f32, r[1].zp as f32, r[2].zp as f32, r[3].zp as f32);
    }
    // Pass 2: codes = rne(v·inv) + zp, saturated to qmin..127. |v·inv| <= 256 here, so adding 1.5·2^23
    // rounds to an integer (nearest even) and adding zp is exact: the float's low 16 bits are the code.
    let vmagic = f32x4_splat(MAGIC);
    let lowest = f32x4_splat(MAGIC + p[0][0].qmin as f32);
    let highest = f32x4_splat(MAGIC + 127.0);
    // 1.5·2^23 + code, clamped: the code is the float's low byte.
    let code = |j: usize, d: usize| {
        let t = f32x4_mul(tap(j, d), vinv[d]);
        let t = v128_and(t, f32x4_eq(t, t)); // NaN → 0, as the saturating conversion gives
        let f = f32x4_add(f32x4_add(t, vmagic), vzp[d]);
        f32x4_pmax(f32x4_pmin(f, highest), lowest)
    };
    // Four taps × four pixels → bytes [pixel l][tap t] at 4l + t: each tap's low bytes moved into place
    // (the other bytes zero), or-ed together.
    let quad = |c0: v128, c1: v128, c2: v128, c3: v128| {
        let z = 0x80u8;
        let m0 = u8x16(0, z, z, z, 4, z, z, z, 8, z, z, z, 12, z, z, z);
        let m1 = u8x16(z, 0, z, z, z, 4, z, z, z, 8, z, z, z, 12, z, z);
        let m2 = u8x16(z, z, 0, z, z, z, 4, z, z, z, 8, z, z, z, 12, z);
        let m3 = u8x16(z, z, z, 0, z, z, z, 4, z, z, z, 8, z, z, z, 12);
        v128_or(
            v128_or(i8x16_swizzle(c0, m0), i8x16_swizzle(c1, m1)),
            v128_or(i8x16_swizzle(c2, m2), i8x16_swizzle(c3, m3)),
        )
    };
    // Four quads (sixteen taps) → the four pixels' 16-byte rows.
    let rows = |b0: v128, b1: v128, b2: v128, b3: v128| {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(b0, b1);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(b0, b1);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(b2, b3);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(b2, b3);
        [
            i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
            i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
            i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
            i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
        ]
    };
    let mut j = 0;
    while j + 16 <= k {
        for d in 0..Q {
            let b0 = quad(code(j, d), code(j + 1, d), code(j + 2, d), code(j + 3, d));
            let b1 = quad(code(j + 4, d), code(j + 5, d), code(j + 6, d), code(j + 7, d));
            let b2 = quad(code(j + 8, d), code(j + 9, d), code(j + 10, d), code(j + 11, d));
            let b3 = quad(code(j + 12, d), code(j + 13, d), code(j + 14, d), code(j + 15, d));
            let r = rows(b0, b1, b2, b3);
            let qd = q.add(4 * d * ldq + j);
            for l in 0..4 {
                v128_store(qd.add(l * ldq) as *mut v128, r[l]);
            }
        }
        j += 16;
    }
    if j < k {
        // The last k - j < 16 taps (the others padding), each row's bytes copied out one by one.
        for d in 0..Q {
            let c = |t: usize| if j + t < k { code(j + t, d) } else { vmagic };
            let b0 = quad(c(0), c(1), c(2), c(3));
            let b1 = quad(c(4), c(5), c(6), c(7));
            let b2 = quad(c(8), c(9), c(10), c(11));
            let b3 = quad(c(12), c(13), c(14), c(15));
            let r = rows(b0, b1, b2, b3);
            let mut bytes = [0i8; 16];
            for l in 0..4 {
                v128_store(bytes.as_mut_ptr() as *mut v128, r[l]);
                for t in 0..k - j {
                    *q.add((4 * d + l) * ldq + j + t) = bytes[t];
                }
            }
        }
    }
    for r in 0..4 * Q {
        for j in k..ldq {
            *q.add(r * ldq + j) = 0;
        }
    }
    true
}
