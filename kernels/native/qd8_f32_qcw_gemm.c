// Native aarch64 qd8-f32-qcXw GEMM kernels for bitloop (see kernels/native/README.md and
// src/kernels/ref/qd8_f32_qcw_gemm_ref.ts, the spec). One .so holds every variant; each SIMD function
// carries its own target attribute, so the library loads on any aarch64 and the caller (the TypeScript
// dispatch table, from /proc/self/auxv) decides which one may run. Built with -ffp-contract=off so the
// float epilogue is the reference's float32 steps exactly.
//
// Operands (row-major, k padded to kp = ceil8(k); blocks of bl codes, bl a multiple of 8, the last one
// ending at kp):
//   a       m x kp int8 activation codes qa (zero padding); sa (m floats) and za (m int32) their scales and zero points
//   w       n columns of kp*bits/8 bytes each (the weight layout below)
//   wsum    n x nb int32: per column and block, the sum of the stored codes (8-bit: s; 2/4-bit: u)
//   scales, offsets  n x nb floats;  bias  n floats (zeros when absent)
//   out     m x n floats;  rsum  m x nb int32 scratch (row block sums of qa)
//
// Weight layout. 8-bit: one signed byte s = u - 128 per code. 2- and 4-bit: the unsigned codes u stay
// packed, 8/bits per byte. Inside each block the codes are cut into groups: groups of 32 first, then groups
// of 8 for the rest (the block length is a multiple of 8). A group of G codes starting at code position p
// occupies the G*bits/8 bytes from byte p*bits/8 of its column; with B = G*bits/8, code i of the group
// is in byte i % B at bit (i / B) * bits. So a 32-group of 4-bit codes is 16 bytes whose low nibbles are
// codes 0..15 and high nibbles codes 16..31 (vandq_u8 / vshrq_n_u8 give two int8x16), and a 32-group
// of 2-bit codes is 8 bytes holding codes i, 8+i, 16+i, 24+i at bits 0, 2, 4, 6 of byte i.
// (For 8-bit the rule gives the plain contiguous bytes.) Padding codes are 0 and meet zero activations.
//
// Per block of real length len, with D = sum qa*w (w the stored code), Q = sum qa, and h = 128 for 8-bit
// (stored s = u - h), h = 0 for 2/4-bit (stored u):
//   R = Q - za*len,  T = D + h*Q - za*wsum - za*h*len   (= sum (qa-za)*u, exact in int32)
//   acc = f32(acc + scale*f32(T));  acc = f32(acc + offset*f32(R));  out = f32(sa*acc) + bias.
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#define BL_OK 0
#define BL_BAD_ARGUMENT 1

/** ABI version of these exports; the TypeScript side checks it (2: packed 2/4-bit weights, `bits` argument). */
int32_t bl_native_abi_version(void) { return 2; }

typedef struct {
  int32_t m, n, kp, k, bl, nb, bits;
} shape_t;

static int32_t check(const shape_t *s) {
  if (s->m <= 0 || s->n <= 0 || s->k <= 0 || s->kp % 8 != 0 || s->kp < s->k || s->kp - s->k >= 8) return BL_BAD_ARGUMENT;
  if (s->bl <= 0 || s->bl % 8 != 0 || s->nb <= 0 || (int64_t)(s->nb - 1) * s->bl >= s->k) return BL_BAD_ARGUMENT;
  if ((int64_t)s->nb * s->bl < s->k) return BL_BAD_ARGUMENT;
  if (s->bits != 2 && s->bits != 4 && s->bits != 8) return BL_BAD_ARGUMENT;
  return BL_OK;
}

static void row_sums(const shape_t *s, const int8_t *a, int32_t *rsum) {
  for (int32_t i = 0; i < s->m; i++) {
    const int8_t *row = a + (int64_t)i * s->kp;
    for (int32_t b = 0; b < s->nb; b++) {
      int32_t k0 = b * s->bl, k1 = k0 + s->bl < s->kp ? k0 + s->bl : s->kp, q = 0;
      for (int32_t kk = k0; kk < k1; kk++) q += row[kk];
      rsum[(int64_t)i * s->nb + b] = q;
    }
  }
}

// Epilogue step of one (row, column, block): folds the integer dot d into acc.
static inline float fold(float acc, int32_t d, int32_t q, int32_t za, int32_t ws, int32_t h, int32_t len, float scale,
                         float offset) {
  int32_t r = q - za * len;
  int32_t t = d + h * q - za * ws - za * h * len;
  acc = acc + scale * (float)t;
  acc = acc + offset * (float)r;
  return acc;
}

static inline int32_t block_len(const shape_t *s, int32_t b) {
  int32_t k0 = b * s->bl, k1 = k0 + s->bl < s->k ? k0 + s->bl : s->k;
  return k1 - k0;
}

// The code at position kk of a column whose block spans [k0, k1) (the layout above, scalar).
static inline int32_t code_at(const uint8_t *col, int32_t bits, int32_t k0, int32_t k1, int32_t kk) {
  int32_t full = k0 + (k1 - k0) / 32 * 32, g = kk < full ? 32 : 8;
  int32_t p = kk < full ? k0 + (kk - k0) / 32 * 32 : full + (kk - full) / 8 * 8, i = kk - p;
  if (bits == 8) return ((const int8_t *)col)[kk];
  int32_t bytes = g * bits / 8;
  return (col[p * bits / 8 + i % bytes] >> (i / bytes * bits)) & ((1 << bits) - 1);
}

// A 32-group at p (32*bits/8 bytes): codes 0..15 into *lo, 16..31 into *hi.
static inline __attribute__((always_inline)) void unpack32(const uint8_t *p, int32_t bits, int8x16_t *lo,
                                                           int8x16_t *hi) {
  if (bits == 8) {
    *lo = vld1q_s8((const int8_t *)p);
    *hi = vld1q_s8((const int8_t *)p + 16);
  } else if (bits == 4) {
    uint8x16_t x = vld1q_u8(p);
    *lo = vreinterpretq_s8_u8(vandq_u8(x, vdupq_n_u8(15)));
    *hi = vreinterpretq_s8_u8(vshrq_n_u8(x, 4));
  } else {
    uint8x8_t x = vld1_u8(p);
    uint8x16_t v = vcombine_u8(x, vshr_n_u8(x, 2)), m3 = vdupq_n_u8(3);
    *lo = vreinterpretq_s8_u8(vandq_u8(v, m3));
    *hi = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), m3));
  }
}

// An 8-group at p (bits bytes): its 8 codes.
static inline __attribute__((always_inline)) int8x8_t unpack8(const uint8_t *p, int32_t bits) {
  if (bits == 8) return vld1_s8((const int8_t *)p);
  if (bits == 4) {
    uint32_t w;
    memcpy(&w, p, 4);
    const int8_t sh[8] = {0, 0, 0, 0, -4, -4, -4, -4};
    uint8x8_t x = vshl_u8(vreinterpret_u8_u32(vdup_n_u32(w)), vld1_s8(sh));
    return vreinterpret_s8_u8(vand_u8(x, vdup_n_u8(15)));
  }
  uint16_t w;
  memcpy(&w, p, 2);
  const int8_t sh[8] = {0, 0, -2, -2, -4, -4, -6, -6};
  uint8x8_t x = vshl_u8(vreinterpret_u8_u16(vdup_n_u16(w)), vld1_s8(sh));
  return vreinterpret_s8_u8(vand_u8(x, vdup_n_u8(3)));
}

/** Portable C variant (any aarch64): the same integer and float steps, no dot-product instructions. */
int32_t bl_native_qd8_f32_qcw_gemm_scalar(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb,
                                          int32_t bits, const int8_t *a, const float *sa, const int32_t *za,
                                          const uint8_t *w, const int32_t *wsum, const float *scales,
                                          const float *offsets, const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, bits};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  const int64_t cs = (int64_t)kp * bits / 8;
  const int32_t h = bits == 8 ? 128 : 0;
  for (int32_t i = 0; i < m; i++) {
    const int8_t *ar = a + (int64_t)i * kp;
    for (int32_t j = 0; j < n; j++) {
      const uint8_t *wc = w + j * cs;
      float acc = 0.0f;
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp, d = 0;
        for (int32_t kk = k0; kk < k1; kk++) d += ar[kk] * code_at(wc, bits, k0, k1, kk);
        int64_t cb = (int64_t)j * nb + b;
        acc = fold(acc, d, rsum[(int64_t)i * nb + b], za[i], wsum[cb], h, block_len(&s, b), scales[cb], offsets[cb]);
      }
      out[(int64_t)i * n + j] = sa[i] * acc + bias[j];
    }
  }
  return BL_OK;
}

// The dotprod kernel for one bit width (inlined per width, so the unpacking is straight-line).
__attribute__((target("arch=armv8.2-a+dotprod"))) static inline __attribute__((always_inline)) void
dotprod_body(const shape_t *s, const int32_t bits, const int8_t *a, const float *sa, const int32_t *za,
             const uint8_t *w, const int32_t *wsum, const float *scales, const float *offsets, const float *bias,
             float *out, const int32_t *rsum) {
  const int32_t m = s->m, n = s->n, kp = s->kp, bl = s->bl, nb = s->nb, h = bits == 8 ? 128 : 0;
  const int64_t cs = (int64_t)kp * bits / 8;
  for (int32_t i = 0; i < m; i++) {
    const int8_t *ar = a + (int64_t)i * kp;
    for (int32_t j0 = 0; j0 < n; j0 += 4) {
      const uint8_t *wc[4];
      int32_t jj[4];
      for (int c = 0; c < 4; c++) {
        jj[c] = j0 + c < n ? j0 + c : n - 1;
        wc[c] = w + jj[c] * cs;
      }
      float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp, kk = k0;
        int32x4_t v[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
        for (; kk + 32 <= k1; kk += 32) { // 32-groups
          int8x16_t x0 = vld1q_s8(ar + kk), x1 = vld1q_s8(ar + kk + 16);
          const int64_t off = (int64_t)kk * bits / 8;
          #pragma GCC unroll 4
          for (int c = 0; c < 4; c++) {
            int8x16_t lo, hi;
            unpack32(wc[c] + off, bits, &lo, &hi);
            v[c] = vdotq_s32(vdotq_s32(v[c], x0, lo), x1, hi);
          }
        }
        int32x2_t t[4];
        #pragma GCC unroll 4
        for (int c = 0; c < 4; c++) t[c] = vadd_s32(vget_low_s32(v[c]), vget_high_s32(v[c]));
        for (; kk < k1; kk += 8) { // 8-groups
          int8x8_t x = vld1_s8(ar + kk);
          const int64_t off = (int64_t)kk * bits / 8;
          #pragma GCC unroll 4
          for (int c = 0; c < 4; c++) t[c] = vdot_s32(t[c], x, unpack8(wc[c] + off, bits));
        }
        int32_t q = rsum[(int64_t)i * nb + b], len = block_len(s, b);
        for (int c = 0; c < 4; c++) {
          int64_t cb = (int64_t)jj[c] * nb + b;
          acc[c] = fold(acc[c], vaddv_s32(t[c]), q, za[i], wsum[cb], h, len, scales[cb], offsets[cb]);
        }
      }
      for (int c = 0; c < 4 && j0 + c < n; c++) out[(int64_t)i * n + j0 + c] = sa[i] * acc[c] + bias[j0 + c];
    }
  }
}

/**
 * qd8-f32-qcXw-gemm-1x4c4-dotprod: one row against four columns per step, `sdot` on 32-code groups
 * (two int8x16 per column, unpacked from the packed codes), then 8-code groups.
 * Columns past n repeat the last one and are discarded.
 */
__attribute__((target("arch=armv8.2-a+dotprod")))
int32_t bl_native_qd8_f32_qcw_gemm_dotprod(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb,
                                           int32_t bits, const int8_t *a, const float *sa, const int32_t *za,
                                           const uint8_t *w, const int32_t *wsum, const float *scales,
                                           const float *offsets, const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, bits};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  if (bits == 8) dotprod_body(&s, 8, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  else if (bits == 4) dotprod_body(&s, 4, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  else dotprod_body(&s, 2, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  return BL_OK;
}

// Two columns' 8-code slices side by side for smmla: the low (sel 0) or high (sel 1) 64 bits of each.
#define BL_PAIR(x, y, sel)                                                                                          \
  vreinterpretq_s8_s64((sel) == 0 ? vzip1q_s64(vreinterpretq_s64_s8(x), vreinterpretq_s64_s8(y))                  \
                                  : vzip2q_s64(vreinterpretq_s64_s8(x), vreinterpretq_s64_s8(y)))

// The i8mm kernel for one bit width (inlined per width).
__attribute__((target("arch=armv8.6-a+i8mm"))) static inline __attribute__((always_inline)) void
i8mm_body(const shape_t *s, const int32_t bits, const int8_t *a, const float *sa, const int32_t *za, const uint8_t *w,
          const int32_t *wsum, const float *scales, const float *offsets, const float *bias, float *out,
          const int32_t *rsum) {
  const int32_t m = s->m, n = s->n, kp = s->kp, bl = s->bl, nb = s->nb, h = bits == 8 ? 128 : 0;
  const int64_t cs = (int64_t)kp * bits / 8;
  for (int32_t i0 = 0; i0 < m; i0 += 2) {
    int32_t ii[2] = {i0, i0 + 1 < m ? i0 + 1 : m - 1};
    const int8_t *ar0 = a + (int64_t)ii[0] * kp, *ar1 = a + (int64_t)ii[1] * kp;
    for (int32_t j0 = 0; j0 < n; j0 += 4) {
      const uint8_t *wc[4];
      int32_t jj[4];
      for (int c = 0; c < 4; c++) {
        jj[c] = j0 + c < n ? j0 + c : n - 1;
        wc[c] = w + jj[c] * cs;
      }
      float acc[2][4] = {{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp, kk = k0;
        // v01 = [r0·c0, r0·c1, r1·c0, r1·c1], v23 likewise for columns 2 and 3.
        int32x4_t v01 = vdupq_n_s32(0), v23 = v01;
        for (; kk + 32 <= k1; kk += 32) { // 32-groups: four 8-code steps
          int8x16_t lo[4], hi[4], x[4];
          const int64_t off = (int64_t)kk * bits / 8;
          #pragma GCC unroll 4
          for (int c = 0; c < 4; c++) unpack32(wc[c] + off, bits, &lo[c], &hi[c]);
          #pragma GCC unroll 4
          for (int t = 0; t < 4; t++) x[t] = vcombine_s8(vld1_s8(ar0 + kk + 8 * t), vld1_s8(ar1 + kk + 8 * t));
          v01 = vmmlaq_s32(v01, x[0], BL_PAIR(lo[0], lo[1], 0));
          v01 = vmmlaq_s32(v01, x[1], BL_PAIR(lo[0], lo[1], 1));
          v01 = vmmlaq_s32(v01, x[2], BL_PAIR(hi[0], hi[1], 0));
          v01 = vmmlaq_s32(v01, x[3], BL_PAIR(hi[0], hi[1], 1));
          v23 = vmmlaq_s32(v23, x[0], BL_PAIR(lo[2], lo[3], 0));
          v23 = vmmlaq_s32(v23, x[1], BL_PAIR(lo[2], lo[3], 1));
          v23 = vmmlaq_s32(v23, x[2], BL_PAIR(hi[2], hi[3], 0));
          v23 = vmmlaq_s32(v23, x[3], BL_PAIR(hi[2], hi[3], 1));
        }
        for (; kk < k1; kk += 8) { // 8-groups
          int8x16_t x = vcombine_s8(vld1_s8(ar0 + kk), vld1_s8(ar1 + kk));
          const int64_t off = (int64_t)kk * bits / 8;
          v01 = vmmlaq_s32(v01, x, vcombine_s8(unpack8(wc[0] + off, bits), unpack8(wc[1] + off, bits)));
          v23 = vmmlaq_s32(v23, x, vcombine_s8(unpack8(wc[2] + off, bits), unpack8(wc[3] + off, bits)));
        }
        int32_t d[2][4] = {
            {vgetq_lane_s32(v01, 0), vgetq_lane_s32(v01, 1), vgetq_lane_s32(v23, 0), vgetq_lane_s32(v23, 1)},
            {vgetq_lane_s32(v01, 2), vgetq_lane_s32(v01, 3), vgetq_lane_s32(v23, 2), vgetq_lane_s32(v23, 3)},
        };
        int32_t len = block_len(s, b);
        for (int r = 0; r < 2; r++) {
          int32_t q = rsum[(int64_t)ii[r] * nb + b];
          for (int c = 0; c < 4; c++) {
            int64_t cb = (int64_t)jj[c] * nb + b;
            acc[r][c] = fold(acc[r][c], d[r][c], q, za[ii[r]], wsum[cb], h, len, scales[cb], offsets[cb]);
          }
        }
      }
      for (int r = 0; r < 2 && i0 + r < m; r++) {
        for (int c = 0; c < 4 && j0 + c < n; c++) {
          out[(int64_t)(i0 + r) * n + j0 + c] = sa[i0 + r] * acc[r][c] + bias[j0 + c];
        }
      }
    }
  }
}

/**
 * qd8-f32-qcXw-gemm-2x4c8-i8mm: two rows against four columns per step, `smmla` on 2x8 by 8x2 int8 tiles
 * (a 32-code group of four columns feeds eight of them), then 8-code groups.
 * A row past m repeats the last one, columns past n the last column; both are discarded.
 */
__attribute__((target("arch=armv8.6-a+i8mm")))
int32_t bl_native_qd8_f32_qcw_gemm_i8mm(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb,
                                        int32_t bits, const int8_t *a, const float *sa, const int32_t *za,
                                        const uint8_t *w, const int32_t *wsum, const float *scales,
                                        const float *offsets, const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, bits};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  if (bits == 8) i8mm_body(&s, 8, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  else if (bits == 4) i8mm_body(&s, 4, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  else i8mm_body(&s, 2, a, sa, za, w, wsum, scales, offsets, bias, out, rsum);
  return BL_OK;
}
