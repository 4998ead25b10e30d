//! Patch rows for GEMM-based convolution with the activations as the left operand (the low-memory
//! qd8 conv: each output pixel's patch becomes one row to quantize), and the transpose that puts the
//! GEMM's pixel-major result back into NCHW planes.
//!
//! Row `r` of a chunk starting at pixel `first` is output pixel `first + r` (row-major over `oh × ow`);
//! its `kdim = c·kh·kw` entries run over input channel, then kernel row, then kernel column — the order of
//! the weights `[oc][c][kh][kw]`. Taps outside the image read zero. Geometry comes from [`ConvDesc`]
//! (group 1).

use crate::f32_conv2d::ConvDesc;

/// Writes the patch rows of pixels `first .. first + count` (rows `ldo` floats apart, `kdim` used).
///
/// # Safety
/// `x` covers the `c·h·w` input, `out` covers `count` rows of `ldo >= kdim` floats.
pub unsafe fn im2row(d: &ConvDesc, x: *const f32, first: usize, count: usize, out: *mut f32, ldo: usize) {
    let (h, w) = (d.h as usize, d.w as usize);
    let (kh, kw, sh, sw, dh, dw) =
        (d.kh as usize, d.kw as usize, d.sh as usize, d.sw as usize, d.dh as usize, d.dw as usize);
    let (pt, pl, ow) = (d.pt as usize, d.pl as usize, d.ow as usize);
    let c = d.c as usize;
    if kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && d.oh == d.h && d.ow == d.w {
        // Pointwise: the rows are the input transposed (pixels × channels), in cache-sized tiles.
        const TILE: usize = 32;
        let plane = h * w;
        let mut p0 = 0;
        while p0 < count {
            let p1 = (p0 + TILE).min(count);
            for ch in 0..c {
                let src = x.add(ch * plane + first);
                for p in p0..p1 {
                    *out.add(p * ldo + ch) = *src.add(p);
                }
            }
            p0 = p1;
        }
        return;
    }
    for r in 0..count {
        let pix = first + r;
        let (oy, ox) = (pix / ow, pix % ow);
        let row = out.add(r * ldo);
        let y0 = (oy * sh) as isize - pt as isize;
        let x0 = (ox * sw) as isize - pl as isize;
        let inside_x = x0 >= 0 && x0 as usize + (kw - 1) * dw < w;
        let mut o = 0;
        for ch in 0..c {
            let plane = x.add(ch * h * w);
            for ky in 0..kh {
                let iy = y0 + (ky * dh) as isize;
                if iy < 0 || iy as usize >= h {
                    for kx in 0..kw {
                        *row.add(o + kx) = 0.0;
                    }
                } else {
                    let src = plane.add(iy as usize * w);
                    if inside_x {
                        let s = src.add(x0 as usize);
                        for kx in 0..kw {
                            *row.add(o + kx) = *s.add(kx * dw);
                        }
                    } else {
                        for kx in 0..kw {
                            let ix = x0 + (kx * dw) as isize;
                            *row.add(o + kx) = if ix >= 0 && (ix as usize) < w { *src.add(ix as usize) } else { 0.0 };
                        }
                    }
                }
                o += kw;
            }
        }
    }
}

/// `out[j·ld + i] = y[i·cols + j]` for `i < rows`, `j < cols`: pixel-major GEMM rows into NCHW planes.
///
/// # Safety
/// `y` holds `rows·cols` floats; `out` covers `cols` planes of `ld >= rows` floats.
pub unsafe fn scatter_columns(y: *const f32, rows: usize, cols: usize, out: *mut f32, ld: usize) {
    const TILE: usize = 16;
    let mut i0 = 0;
    while i0 < rows {
        let i1 = (i0 + TILE).min(rows);
        for j in 0..cols {
            let dst = out.add(j * ld);
            for i in i0..i1 {
                *dst.add(i) = *y.add(i * cols + j);
            }
        }
        i0 = i1;
    }
}
