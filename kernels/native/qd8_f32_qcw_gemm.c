// Native aarch64 qd8-f32-qcXw GEMM kernels for bitloop (see kernels/native/README.md and
// src/kernels/ref/qd8_f32_qcw_gemm_ref.ts, the spec). One .so holds every variant; each SIMD function
// carries its own target attribute, so the library loads on any aarch64 and the caller (the TypeScript
// dispatch table, from /proc/self/auxv) decides which one may run. Built with -ffp-contract=off so the
// float epilogue is the reference's float32 steps exactly.
//
// Operands (all row-major, k padded to kp = ceil8(k) with zeros):
//   a       m x kp int8 activation codes qa; sa (m floats) and za (m int32) their scales and zero points
//   w       n x kp int8 weight codes s = u - h (u the unsigned code, h = 2^(bits-1)), zero in the padding
//   wsum    n x nb int32: per column and block, sum of s
//   scales, offsets  n x nb floats;  bias  n floats (zeros when absent)
//   out     m x n floats;  rsum  m x nb int32 scratch (row block sums of qa)
// Per block of real length len:  D = sum qa*s,  Q = sum qa,
//   R = Q - za*len,  T = D + h*Q - za*wsum - za*h*len   (= sum (qa-za)*u, exact in int32)
//   acc = f32(acc + scale*f32(T));  acc = f32(acc + offset*f32(R));  out = f32(sa*acc) + bias.
#include <arm_neon.h>
#include <stdint.h>

#define BL_OK 0
#define BL_BAD_ARGUMENT 1

/** ABI version of these exports; the TypeScript side checks it. */
int32_t bl_native_abi_version(void) { return 1; }

typedef struct {
  int32_t m, n, kp, k, bl, nb, h;
} shape_t;

static int32_t check(const shape_t *s) {
  if (s->m <= 0 || s->n <= 0 || s->k <= 0 || s->kp % 8 != 0 || s->kp < s->k || s->kp - s->k >= 8) return BL_BAD_ARGUMENT;
  if (s->bl <= 0 || s->bl % 8 != 0 || s->nb <= 0 || (int64_t)(s->nb - 1) * s->bl >= s->k) return BL_BAD_ARGUMENT;
  if ((int64_t)s->nb * s->bl < s->k) return BL_BAD_ARGUMENT;
  if (s->h != 1 && s->h != 2 && s->h != 8 && s->h != 128) return BL_BAD_ARGUMENT;
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

/** Portable C variant (any aarch64): the same integer and float steps, no dot-product instructions. */
int32_t bl_native_qd8_f32_qcw_gemm_scalar(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb, int32_t h,
                                          const int8_t *a, const float *sa, const int32_t *za, const int8_t *w,
                                          const int32_t *wsum, const float *scales, const float *offsets,
                                          const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, h};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  for (int32_t i = 0; i < m; i++) {
    const int8_t *ar = a + (int64_t)i * kp;
    for (int32_t j = 0; j < n; j++) {
      const int8_t *wc = w + (int64_t)j * kp;
      float acc = 0.0f;
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp, d = 0;
        for (int32_t kk = k0; kk < k1; kk++) d += ar[kk] * wc[kk];
        int64_t cb = (int64_t)j * nb + b;
        acc = fold(acc, d, rsum[(int64_t)i * nb + b], za[i], wsum[cb], h, block_len(&s, b), scales[cb], offsets[cb]);
      }
      out[(int64_t)i * n + j] = sa[i] * acc + bias[j];
    }
  }
  return BL_OK;
}

/**
 * qd8-f32-qcXw-gemm-1x4c4-dotprod: one row against four columns per step, `sdot` on 16 (then 8) bytes.
 * Columns past n repeat the last one and are discarded.
 */
__attribute__((target("arch=armv8.2-a+dotprod")))
int32_t bl_native_qd8_f32_qcw_gemm_dotprod(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb,
                                           int32_t h, const int8_t *a, const float *sa, const int32_t *za,
                                           const int8_t *w, const int32_t *wsum, const float *scales,
                                           const float *offsets, const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, h};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  for (int32_t i = 0; i < m; i++) {
    const int8_t *ar = a + (int64_t)i * kp;
    for (int32_t j0 = 0; j0 < n; j0 += 4) {
      const int8_t *wc[4];
      int32_t jj[4];
      for (int c = 0; c < 4; c++) {
        jj[c] = j0 + c < n ? j0 + c : n - 1;
        wc[c] = w + (int64_t)jj[c] * kp;
      }
      float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp, kk = k0;
        int32x4_t v0 = vdupq_n_s32(0), v1 = v0, v2 = v0, v3 = v0;
        for (; kk + 16 <= k1; kk += 16) {
          int8x16_t x = vld1q_s8(ar + kk);
          v0 = vdotq_s32(v0, x, vld1q_s8(wc[0] + kk));
          v1 = vdotq_s32(v1, x, vld1q_s8(wc[1] + kk));
          v2 = vdotq_s32(v2, x, vld1q_s8(wc[2] + kk));
          v3 = vdotq_s32(v3, x, vld1q_s8(wc[3] + kk));
        }
        int32x2_t t0 = vadd_s32(vget_low_s32(v0), vget_high_s32(v0));
        int32x2_t t1 = vadd_s32(vget_low_s32(v1), vget_high_s32(v1));
        int32x2_t t2 = vadd_s32(vget_low_s32(v2), vget_high_s32(v2));
        int32x2_t t3 = vadd_s32(vget_low_s32(v3), vget_high_s32(v3));
        if (kk < k1) { // one 8-byte tail (k1 - k0 is a multiple of 8)
          int8x8_t x = vld1_s8(ar + kk);
          t0 = vdot_s32(t0, x, vld1_s8(wc[0] + kk));
          t1 = vdot_s32(t1, x, vld1_s8(wc[1] + kk));
          t2 = vdot_s32(t2, x, vld1_s8(wc[2] + kk));
          t3 = vdot_s32(t3, x, vld1_s8(wc[3] + kk));
        }
        int32_t d[4] = {vaddv_s32(t0), vaddv_s32(t1), vaddv_s32(t2), vaddv_s32(t3)};
        int32_t q = rsum[(int64_t)i * nb + b], len = block_len(&s, b);
        for (int c = 0; c < 4; c++) {
          int64_t cb = (int64_t)jj[c] * nb + b;
          acc[c] = fold(acc[c], d[c], q, za[i], wsum[cb], h, len, scales[cb], offsets[cb]);
        }
      }
      for (int c = 0; c < 4 && j0 + c < n; c++) out[(int64_t)i * n + j0 + c] = sa[i] * acc[c] + bias[j0 + c];
    }
  }
  return BL_OK;
}

/**
 * qd8-f32-qcXw-gemm-2x4c8-i8mm: two rows against four columns per step, `smmla` on 2x8 by 8x2 int8 tiles.
 * A row past m repeats the last one, columns past n the last column; both are discarded.
 */
__attribute__((target("arch=armv8.6-a+i8mm")))
int32_t bl_native_qd8_f32_qcw_gemm_i8mm(int32_t m, int32_t n, int32_t kp, int32_t k, int32_t bl, int32_t nb, int32_t h,
                                        const int8_t *a, const float *sa, const int32_t *za, const int8_t *w,
                                        const int32_t *wsum, const float *scales, const float *offsets,
                                        const float *bias, float *out, int32_t *rsum) {
  shape_t s = {m, n, kp, k, bl, nb, h};
  if (check(&s) != BL_OK) return BL_BAD_ARGUMENT;
  row_sums(&s, a, rsum);
  for (int32_t i0 = 0; i0 < m; i0 += 2) {
    int32_t ii[2] = {i0, i0 + 1 < m ? i0 + 1 : m - 1};
    const int8_t *ar0 = a + (int64_t)ii[0] * kp, *ar1 = a + (int64_t)ii[1] * kp;
    for (int32_t j0 = 0; j0 < n; j0 += 4) {
      const int8_t *wc[4];
      int32_t jj[4];
      for (int c = 0; c < 4; c++) {
        jj[c] = j0 + c < n ? j0 + c : n - 1;
        wc[c] = w + (int64_t)jj[c] * kp;
      }
      float acc[2][4] = {{0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f, 0.0f, 0.0f}};
      for (int32_t b = 0; b < nb; b++) {
        int32_t k0 = b * bl, k1 = k0 + bl < kp ? k0 + bl : kp;
        // v01 = [r0·c0, r0·c1, r1·c0, r1·c1], v23 likewise for columns 2 and 3.
        int32x4_t v01 = vdupq_n_s32(0), v23 = v01;
        for (int32_t kk = k0; kk < k1; kk += 8) {
          int8x16_t x = vcombine_s8(vld1_s8(ar0 + kk), vld1_s8(ar1 + kk));
          v01 = vmmlaq_s32(v01, x, vcombine_s8(vld1_s8(wc[0] + kk), vld1_s8(wc[1] + kk)));
          v23 = vmmlaq_s32(v23, x, vcombine_s8(vld1_s8(wc[2] + kk), vld1_s8(wc[3] + kk)));
        }
        int32_t d[2][4] = {
            {vgetq_lane_s32(v01, 0), vgetq_lane_s32(v01, 1), vgetq_lane_s32(v23, 0), vgetq_lane_s32(v23, 1)},
            {vgetq_lane_s32(v01, 2), vgetq_lane_s32(v01, 3), vgetq_lane_s32(v23, 2), vgetq_lane_s32(v23, 3)},
        };
        int32_t len = block_len(&s, b);
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
  return BL_OK;
}
