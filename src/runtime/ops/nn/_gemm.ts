/**
 * The float32 GEMM behind Conv: `C[m][n] = bias[m] + Σ_k A[m][k]·B[n][k]`, with both operands laid out
 * so the reduction runs over contiguous memory (A = weights `[M, K]`, B = patches `[N, K]`). A 4×4
 * register tile keeps 16 float64 accumulators in locals (8 loads per 16 multiply-adds); columns are
 * processed in blocks whose patches stay in cache while every weight row streams past them.
 * @module
 */

/** Where one operand or result lives in its flat array. */
export interface GemmOperands {
  /** Weights `[M, K]`, row-major from `aOffset`. */
  a: Float32Array;
  aOffset: number;
  /** Patches `[N, K]`, row-major from `bOffset`. */
  b: Float32Array;
  bOffset: number;
  /** Result `[M, N]` from `cOffset`, rows `ldc` elements apart. */
  c: Float32Array;
  cOffset: number;
  ldc: number;
  /** Per-row bias, read from `biasOffset`; omitted means zero. */
  bias: Float32Array | undefined;
  biasOffset: number;
}

/** Computes `C = A·Bᵀ (+ bias)` for `M×K` A and `N×K` B, accumulating in float64. */
export function gemmNT(M: number, N: number, K: number, o: GemmOperands): void {
  const block = Math.max(4, Math.floor(16384 / Math.max(K, 1)) & ~3);
  for (let n0 = 0; n0 < N; n0 += block) {
    const n1 = Math.min(N, n0 + block);
    const n4 = n0 + ((n1 - n0) & ~3);
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      for (let n = n0; n < n4; n += 4) tile4x4(m, n, K, o);
      for (let n = n4; n < n1; n++) tile4x1(m, n, K, o);
    }
    for (; m < M; m++) {
      for (let n = n0; n < n4; n += 4) tile1x4(m, n, K, o);
      for (let n = n4; n < n1; n++) tile1x1(m, n, K, o);
    }
  }
}

function tile4x4(m: number, n: number, K: number, o: GemmOperands): void {
  const a = o.a, b = o.b;
  const a0 = o.aOffset + m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
  const b0 = o.bOffset + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < K; k++) {
    const x0 = b[b0 + k]!, x1 = b[b1 + k]!, x2 = b[b2 + k]!, x3 = b[b3 + k]!;
    let w = a[a0 + k]!;
    c00 += w * x0;
    c01 += w * x1;
    c02 += w * x2;
    c03 += w * x3;
    w = a[a1 + k]!;
    c10 += w * x0;
    c11 += w * x1;
    c12 += w * x2;
    c13 += w * x3;
    w = a[a2 + k]!;
    c20 += w * x0;
    c21 += w * x1;
    c22 += w * x2;
    c23 += w * x3;
    w = a[a3 + k]!;
    c30 += w * x0;
    c31 += w * x1;
    c32 += w * x2;
    c33 += w * x3;
  }
  const c = o.c, bias = o.bias;
  let bias0 = 0, bias1 = 0, bias2 = 0, bias3 = 0;
  if (bias) {
    const i = o.biasOffset + m;
    bias0 = bias[i]!;
    bias1 = bias[i + 1]!;
    bias2 = bias[i + 2]!;
    bias3 = bias[i + 3]!;
  }
  const r0 = o.cOffset + m * o.ldc + n, r1 = r0 + o.ldc, r2 = r1 + o.ldc, r3 = r2 + o.ldc;
  c[r0] = c00 + bias0;
  c[r0 + 1] = c01 + bias0;
  c[r0 + 2] = c02 + bias0;
  c[r0 + 3] = c03 + bias0;
  c[r1] = c10 + bias1;
  c[r1 + 1] = c11 + bias1;
  c[r1 + 2] = c12 + bias1;
  c[r1 + 3] = c13 + bias1;
  c[r2] = c20 + bias2;
  c[r2 + 1] = c21 + bias2;
  c[r2 + 2] = c22 + bias2;
  c[r2 + 3] = c23 + bias2;
  c[r3] = c30 + bias3;
  c[r3 + 1] = c31 + bias3;
  c[r3 + 2] = c32 + bias3;
  c[r3 + 3] = c33 + bias3;
}

function tile4x1(m: number, n: number, K: number, o: GemmOperands): void {
  const a = o.a, b = o.b;
  const a0 = o.aOffset + m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
  const b0 = o.bOffset + n * K;
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let k = 0; k < K; k++) {
    const x = b[b0 + k]!;
    c0 += a[a0 + k]! * x;
    c1 += a[a1 + k]! * x;
    c2 += a[a2 + k]! * x;
    c3 += a[a3 + k]! * x;
  }
  const c = o.c, bias = o.bias, i = o.biasOffset + m, r = o.cOffset + m * o.ldc + n;
  c[r] = c0 + (bias ? bias[i]! : 0);
  c[r + o.ldc] = c1 + (bias ? bias[i + 1]! : 0);
  c[r + 2 * o.ldc] = c2 + (bias ? bias[i + 2]! : 0);
  c[r + 3 * o.ldc] = c3 + (bias ? bias[i + 3]! : 0);
}

function tile1x4(m: number, n: number, K: number, o: GemmOperands): void {
  const a = o.a, b = o.b;
  const a0 = o.aOffset + m * K;
  const b0 = o.bOffset + n * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let k = 0; k < K; k++) {
    const w = a[a0 + k]!;
    c0 += w * b[b0 + k]!;
    c1 += w * b[b1 + k]!;
    c2 += w * b[b2 + k]!;
    c3 += w * b[b3 + k]!;
  }
  const c = o.c, bias = o.bias ? o.bias[o.biasOffset + m]! : 0, r = o.cOffset + m * o.ldc + n;
  c[r] = c0 + bias;
  c[r + 1] = c1 + bias;
  c[r + 2] = c2 + bias;
  c[r + 3] = c3 + bias;
}

function tile1x1(m: number, n: number, K: number, o: GemmOperands): void {
  const a = o.a, b = o.b, a0 = o.aOffset + m * K, b0 = o.bOffset + n * K;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += a[a0 + k]! * b[b0 + k]!;
  o.c[o.cOffset + m * o.ldc + n] = sum + (o.bias ? o.bias[o.biasOffset + m]! : 0);
}
