//! Packing of 2/4/8-bit quantized weights for the `qd8-f32-qcXw` GEMM.
//!
//! Weight `(j, kk)` of output column `j` is `u·scale[j][b] + offset[j][b]` for its unsigned code
//! `u` in `0..2^bits` and block `b = kk / bl` (one block per column when the block size is 0).
//! Symmetric weights `q·s` have `u = q + 2^(bits-1)` and `offset = -2^(bits-1)·s`; MNN-style
//! asymmetric weights `(q - aMin)·s + min` have `u = q - aMin` and `offset = min`.
//!
//! Layout, with `kp = roundup(k, 8)` and `bl = bs` (or `kp` when `bs = 0`):
//! ```text
//! packed  = panel[ceil(n/8)]                 8 output columns per panel, missing columns zero
//! panel   = bias: f32 × 8 (32 bytes)
//!           block[nb], nb = ceil(k / bl)
//! block   = scale: f32 × 8, offset: f32 × 8, colsum: i32 × 8 (Σ u over the block's real k; 96 bytes)
//!           words: 16 bytes each, bits·len bytes in all (len = min(bl, kp - b·bl), a multiple of 8)
//! ```
//! The codes of a block form vectors `V[g][q]` (g = k/4 group, q = column quad 0..1) of 16 bytes, byte
//! `4c + t` holding column `4q + c` at k `4g + t`, so one relaxed dot of a 4-byte A splat with `V[g][q]`
//! adds four k-steps into four columns. 8 bits: word `2g + q` is `V[g][q]`. 4 bits: word `g` holds
//! `V[g][0]` in the low and `V[g][1]` in the high nibbles. 2 bits: word `h` holds `V[2h][0]`,
//! `V[2h][1]`, `V[2h+1][0]`, `V[2h+1][1]` in bit pairs 0-1, 2-3, 4-5, 6-7. Codes past `k` are 0.

use crate::status::Status;

/// Columns per panel.
pub const NR: usize = 8;
/// Bytes of per-panel bias.
pub const BIAS_BYTES: usize = 32;
/// Bytes of per-block metadata (scale, offset, colsum for 8 columns).
pub const META_BYTES: usize = 96;
/// Largest block (k elements) the integer dot of one block may cover: 255 · 127 · 2^15 fits in i32.
pub const MAX_BLOCK: usize = 1 << 15;

/// Geometry shared by the packer and the GEMM.
#[derive(Clone, Copy)]
pub struct Geometry {
    pub n: usize,
    pub k: usize,
    pub kp: usize,
    pub bits: usize,
    pub bl: usize,
    pub nb: usize,
    pub panel_bytes: usize,
}

impl Geometry {
    /// Validates the shape, bit width and block size.
    pub fn new(n: usize, k: usize, bits: usize, bs: usize) -> Result<Geometry, Status> {
        if n == 0 || k == 0 || k > (1 << 24) || n > (1 << 24) {
            return Err(Status::BadShape);
        }
        if bits != 2 && bits != 4 && bits != 8 {
            return Err(Status::BadBits);
        }
        if bs % 8 != 0 {
            return Err(Status::BadBlockSize);
        }
        let kp = k.div_ceil(8) * 8;
        let bl = if bs == 0 || bs >= kp { kp } else { bs };
        // 255 · 127 · bl must stay inside i32 for the block's integer dot (with room for the zero terms).
        if bl > MAX_BLOCK {
            return Err(Status::Overflow);
        }
        let nb = k.div_ceil(bl);
        let panel_bytes = BIAS_BYTES + nb * META_BYTES + kp * bits;
        let total = (n.div_ceil(NR) as u64) * (panel_bytes as u64);
        if total > (u32::MAX as u64) {
            return Err(Status::Overflow);
        }
        Ok(Geometry { n, k, kp, bits, bl, nb, panel_bytes })
    }

    /// Total packed bytes.
    pub fn packed_bytes(&self) -> usize {
        self.n.div_ceil(NR) * self.panel_bytes
    }

    /// Real (unpadded) k length of block `b`.
    #[inline(always)]
    pub fn real_len(&self, b: usize) -> usize {
        ((b + 1) * self.bl).min(self.k) - b * self.bl
    }

    /// Stored (padded) k length of block `b`.
    #[inline(always)]
    pub fn stored_len(&self, b: usize) -> usize {
        self.bl.min(self.kp - b * self.bl)
    }
}

/// Packs codes (`(j, kk)` at `codes[j·stride_n + kk·stride_k]`), scales and offsets (`[n][nb]`) and bias.
///
/// # Safety
/// Every pointer covers what the geometry addresses; `offsets` and `bias` may be null (zeros);
/// `out` holds `g.packed_bytes()` bytes and is 16-byte aligned.
pub unsafe fn pack(
    g: &Geometry,
    codes: *const u8,
    stride_n: usize,
    stride_k: usize,
    scales: *const f32,
    offsets: *const f32,
    bias: *const f32,
    out: *mut u8,
) -> Status {
    let limit = 1u32 << g.bits;
    for p in 0..g.n.div_ceil(NR) {
        let panel = out.add(p * g.panel_bytes);
        let fb = panel as *mut f32;
        for c in 0..NR {
            let j = p * NR + c;
            *fb.add(c) = if j < g.n && !bias.is_null() { *bias.add(j) } else { 0.0 };
        }
        let mut blk = panel.add(BIAS_BYTES);
        for b in 0..g.nb {
            let meta_f = blk as *mut f32;
            let meta_i = blk as *mut i32;
            let k0 = b * g.bl;
            let real = g.real_len(b);
            let stored = g.stored_len(b);
            for c in 0..NR {
                let j = p * NR + c;
                let (s, o, mut sum) = if j < g.n {
                    let o = if offsets.is_null() { 0.0 } else { *offsets.add(j * g.nb + b) };
                    (*scales.add(j * g.nb + b), o, 0i32)
                } else {
                    (0.0, 0.0, 0)
                };
                if j < g.n {
                    for t in 0..real {
                        let u = *codes.add(j * stride_n + (k0 + t) * stride_k) as u32;
                        if u >= limit {
                            return Status::CodeOutOfRange;
                        }
                        sum += u as i32;
                    }
                }
                *meta_f.add(c) = s;
                *meta_f.add(NR + c) = o;
                *meta_i.add(2 * NR + c) = sum;
            }
            let words = blk.add(META_BYTES);
            let wbytes = stored * g.bits; // = 16 · number of words
            for t in 0..wbytes {
                *words.add(t) = 0;
            }
            for t in 0..real {
                let gi = t / 4;
                let tt = t % 4;
                for c in 0..NR {
                    let j = p * NR + c;
                    if j >= g.n {
                        continue;
                    }
                    let u = *codes.add(j * stride_n + (k0 + t) * stride_k);
                    let q = c / 4;
                    let byte = (c % 4) * 4 + tt;
                    match g.bits {
                        8 => *words.add((2 * gi + q) * 16 + byte) = u,
                        4 => *words.add(gi * 16 + byte) |= u << (4 * q),
                        _ => *words.add((gi / 2) * 16 + byte) |= u << (2 * (q + 2 * (gi % 2))),
                    }
                }
            }
            blk = words.add(wbytes);
        }
    }
    Status::Ok
}
