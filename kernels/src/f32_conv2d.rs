//! fp32 2-D convolution on NCHW images (one image): im2col straight into packed-B panels followed by the
//! fp32 GEMM (weights are A, so C comes out as NCHW without a transpose); a 1×1 stride-1 unpadded conv
//! takes the input plane as B, copied into packed panels per chunk (`f32_gemm::pack_rows`) or, for a
//! shallow input or a 1×1 image, read in place (`f32_gemm::gemm_strided`); all give the same bits. The
//! direct depthwise kernel is in `f32_dwconv2d`.
//!
//! Descriptor (15 × u32, written by JS): `c, h, w, oc, group, kh, kw, sh, sw, dh, dw, pad_top, pad_left,
//! oh, ow`. Bottom/right padding is implied by `oh`/`ow`; taps outside the image read zero.

#[cfg(target_feature = "simd128")]
use core::arch::wasm32::*;

use crate::activation::Act;
use crate::f32_gemm::{self, NR};
use crate::f32_gemm_a4::ALayout;
use crate::status::Status;

/// Deepest pointwise conv whose input the GEMM reads in place; deeper ones copy it into packed panels
/// per chunk first. In place, each tile walks `kdim` rows `h·w` floats apart: from about 100 rows on
/// that thrashed L1 and its TLB (PP-OCR rec's 128-480-channel 1×1 convs ran 0.82-0.92× the time
/// packed, under Deno and Bun), while for 32-64 rows the copy cost more than it saved (1.0-1.06×).
const PACK_MIN_KDIM: usize = 64;

/// Convolution geometry as laid out in memory by the caller.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ConvDesc {
    pub c: u32,
    pub h: u32,
    pub w: u32,
    pub oc: u32,
    pub group: u32,
    pub kh: u32,
    pub kw: u32,
    pub sh: u32,
    pub sw: u32,
    pub dh: u32,
    pub dw: u32,
    pub pt: u32,
    pub pl: u32,
    pub oh: u32,
    pub ow: u32,
}

impl ConvDesc {
    /// Checks the parameters and that every size fits 32-bit addressing.
    pub fn validate(&self) -> Status {
        let d = self;
        let positive = [d.c, d.h, d.w, d.oc, d.group, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.oh, d.ow];
        if positive.iter().any(|&v| v == 0) {
            return Status::BadConvParams;
        }
        if d.c % d.group != 0 || d.oc % d.group != 0 || d.pt >= (1 << 16) || d.pl >= (1 << 16) {
            return Status::BadConvParams;
        }
        let big = [d.c, d.h, d.w, d.oc, d.kh, d.kw, d.sh, d.sw, d.dh, d.dw, d.oh, d.ow];
        if big.iter().any(|&v| v >= (1 << 16)) {
            return Status::Overflow;
        }
        let limit = 1u64 << 30;
        let input = d.c as u64 * d.h as u64 * d.w as u64;
        let output = d.oc as u64 * d.oh as u64 * d.ow as u64;
        let weights = d.oc as u64 * (d.c / d.group) as u64 * d.kh as u64 * d.kw as u64;
        if input >= limit || output >= limit || weights >= limit {
            return Status::Overflow;
        }
        Status::Ok
    }

    /// Reduction length of one output channel.
    pub fn kdim(&self) -> usize {
        (self.c / self.group) as usize * self.kh as usize * self.kw as usize
    }

    /// True for a 1×1, stride-1, unpadded conv (output pixels are input pixels): run as a GEMM on the
    /// input plane read in place.
    pub fn pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.sh == 1 && self.sw == 1 && self.pt == 0 && self.pl == 0
            && self.oh == self.h && self.ow == self.w
    }

    /// Floats of scratch the GEMM-based conv needs at the least (one packed panel).
    pub fn gemm_scratch_min(&self) -> usize {
        (self.kdim() + 1) * NR
    }

    /// Floats of scratch the depthwise conv needs (one padded input plane plus slack).
    pub fn dw_scratch(&self) -> usize {
        let ph = (self.oh as usize - 1) * self.sh as usize + (self.kh as usize - 1) * self.dh as usize + 1;
        let pw = (self.ow as usize - 1) * self.sw as usize + (self.kw as usize - 1) * self.dw as usize + 1;
        ph * (pw + 8)
    }
}

/// Copies the 8 floats `sw` apart from `s` to `row`; `room` floats from `s` to its plane's end are
/// readable. Stride 2 on SIMD builds: four vector loads and two even-lane shuffles instead of eight
/// single loads and stores (the first conv of PP-OCR det/rec/cls is 3×3 stride 2 over 3 channels, where
/// building the patch panels cost more than the GEMM), when the 16 floats loaded stay inside the plane.
#[inline(always)]
unsafe fn copy_taps(s: *const f32, sw: usize, row: *mut f32, room: usize) {
    if sw == 1 {
        core::ptr::copy_nonoverlapping(s, row, NR);
        return;
    }
    #[cfg(target_feature = "simd128")]
    if sw == 2 && room >= 2 * NR {
        let v = |i: usize| v128_load(s.add(4 * i) as *const v128);
        v128_store(row as *mut v128, i32x4_shuffle::<0, 2, 4, 6>(v(0), v(1)));
        v128_store(row.add(4) as *mut v128, i32x4_shuffle::<0, 2, 4, 6>(v(2), v(3)));
        return;
    }
    #[cfg(not(target_feature = "simd128"))]
    let _ = room;
    for c in 0..NR {
        *row.add(c) = *s.add(c * sw);
    }
}

/// Writes one packed panel (bias zeros, then `kdim` rows of 8 pixels) for pixels `pix..pix+8`.
unsafe fn im2col_panel(d: &ConvDesc, x: *const f32, pix: usize, out: *mut f32) {
    let (h, w) = (d.h as isize, d.w as isize);
    let (ow, total) = (d.ow as usize, d.oh as usize * d.ow as usize);
    let cg = (d.c / d.group) as usize;
    let mut oy = [0isize; NR];
    let mut ox = [0isize; NR];
    let mut valid = [false; NR];
    for c in 0..NR {
        let p = pix + c;
        valid[c] = p < total;
        oy[c] = (p / ow) as isize;
        ox[c] = (p % ow) as isize;
    }
    let same_row = valid[NR - 1] && oy[0] == oy[NR - 1];
    let sw = d.sw as isize;
    for c in 0..NR {
        *out.add(c) = 0.0;
    }
    let mut row = out.add(NR);
    let iy0 = oy[0] * d.sh as isize - d.pt as isize;
    let ix0 = ox[0] * sw - d.pl as isize;
    let (kh, kw, dh, dw) = (d.kh as usize, d.kw as usize, d.dh as usize, d.dw as usize);
    let last_y = iy0 + ((kh - 1) * dh) as isize;
    let last_x = ix0 + (NR as isize - 1) * sw + ((kw - 1) * dw) as isize;
    if same_row && iy0 >= 0 && last_y < h && ix0 >= 0 && last_x < w {
        // Every tap of the 8 pixels is inside the image: plain row copies, no per-tap checks.
        let first = iy0 as usize * w as usize + ix0 as usize;
        let base = x.add(first);
        let plane_len = (d.h * d.w) as usize;
        for ic in 0..cg {
            let plane = base.add(ic * plane_len);
            for ky in 0..kh {
                let at = ky * dh * w as usize;
                for kx in 0..kw {
                    let room = plane_len - (first + at + kx * dw);
                    copy_taps(plane.add(at + kx * dw), sw as usize, row, room);
                    row = row.add(NR);
                }
            }
        }
        return;
    }
    for ic in 0..cg {
        let plane = x.add(ic * (d.h * d.w) as usize);
        for ky in 0..d.kh as isize {
            for kx in 0..d.kw as isize {
                let iy0 = oy[0] * d.sh as isize + ky * d.dh as isize - d.pt as isize;
                let ix0 = ox[0] * d.sw as isize + kx * d.dw as isize - d.pl as isize;
                if same_row && iy0 >= 0 && iy0 < h && ix0 >= 0 && ix0 + (NR as isize - 1) * sw < w {
                    // The 8 pixels read one input row at a fixed stride: no bounds checks.
                    let at = (iy0 * w + ix0) as usize;
                    copy_taps(plane.add(at), sw as usize, row, (h * w) as usize - at);
                } else {
                    for c in 0..NR {
                        let iy = oy[c] * d.sh as isize + ky * d.dh as isize - d.pt as isize;
                        let ix = ox[c] * d.sw as isize + kx * d.dw as isize - d.pl as isize;
                        *row.add(c) = if valid[c] && iy >= 0 && iy < h && ix >= 0 && ix < w {
                            *plane.add((iy * w + ix) as usize)
                        } else {
                            0.0
                        };
                    }
                }
                row = row.add(NR);
            }
        }
    }
}

/// `out = act(conv(x, weights) + bias)`; `weights` is `[oc][c/group][kh][kw]`, `bias` null or `[oc]`.
/// `scratch` holds `scratch_len` floats, at least [`ConvDesc::gemm_scratch_min`].
///
/// # Safety
/// Pointers cover the tensors the descriptor describes.
#[allow(clippy::too_many_arguments)]
pub unsafe fn conv2d(
    d: &ConvDesc,
    x: *const f32,
    weights: *const f32,
    bias: *const f32,
    out: *mut f32,
    act: &Act,
    scratch: *mut f32,
    scratch_len: usize,
) {
    let kdim = d.kdim();
    let panel_len = (kdim + 1) * NR;
    let total = d.oh as usize * d.ow as usize;
    let panels = total.div_ceil(NR);
    let chunk = (scratch_len / panel_len).max(1);
    let (cg, ocg) = ((d.c / d.group) as usize, (d.oc / d.group) as usize);
    for g in 0..d.group as usize {
        let xg = x.add(g * cg * (d.h * d.w) as usize);
        let wg = weights.add(g * ocg * kdim);
        let bg = if bias.is_null() { bias } else { bias.add(g * ocg) };
        let og = out.add(g * ocg * total);
        let pointwise = d.pointwise();
        if pointwise && (total < NR || kdim <= PACK_MIN_KDIM) {
            // The input plane `[cg][h·w]` read in place as the GEMM's B (one pixel: a matrix-vector product).
            f32_gemm::gemm_strided(ocg, total, kdim, wg, ALayout::Rows(kdim), xg, total, bg, og, total, act, scratch);
            continue;
        }
        let mut p0 = 0;
        while p0 < panels {
            let p1 = (p0 + chunk).min(panels);
            let pix0 = p0 * NR;
            let cols = (p1 * NR).min(total) - pix0;
            if pointwise {
                // The input plane `[cg][h·w]` is the GEMM's B, copied into contiguous panels per chunk.
                f32_gemm::pack_rows(cols, kdim, xg.add(pix0), total, scratch);
            } else {
                for p in p0..p1 {
                    im2col_panel(d, xg, p * NR, scratch.add((p - p0) * panel_len));
                }
            }
            f32_gemm::gemm(ocg, cols, kdim, wg, kdim, scratch, bg, og.add(pix0), total, act);
            p0 = p1;
        }
    }
}
