/**
 * The scalar reference matrix multiply shared by MatMul and Gemm: `C = alpha · A · B` for strided
 * float32/float64 views (a transposed operand is just swapped strides). B is packed four columns at
 * a time into a contiguous k×4 float64 panel (small enough to stay in L1), then every block of four
 * rows of A is multiplied against it with sixteen local float64 accumulators — each loaded A and B
 * value is used four times, and nothing but the final value is written to memory.
 * @module
 */

/** Float arrays the matrix kernels read and write. */
export type FloatArray = Float32Array | Float64Array;

/** A strided 2-D view into a flat array: element (r, c) is `data[offset + r·rowStride + c·colStride]`. */
export interface MatrixView {
  /** The flat elements. */
  data: FloatArray;
  /** Index of element (0, 0). */
  offset: number;
  /** Distance between rows. */
  rowStride: number;
  /** Distance between columns. */
  colStride: number;
}

/**
 * Writes `alpha · A · B` (A m×k, B k×n) into the row-major m×n block of `c` starting at `cOffset`.
 * `panel` is optional scratch of at least 4·k elements.
 *
 * @example
 * ```ts
 * const c = new Float32Array(4);
 * const view = (data: Float32Array) => ({ data, offset: 0, rowStride: 2, colStride: 1 });
 * multiplyMatrices(view(new Float32Array([1, 2, 3, 4])), view(new Float32Array([5, 6, 7, 8])), c, 0, 2, 2, 2);
 * if (c.join() !== "19,22,43,50") throw new Error("matmul");
 * ```
 */
export function multiplyMatrices(
  a: MatrixView,
  b: MatrixView,
  c: FloatArray,
  cOffset: number,
  m: number,
  n: number,
  k: number,
  alpha = 1,
  panel: Float64Array = new Float64Array(4 * k),
): void {
  const ad = a.data;
  const ar = a.rowStride, ac = a.colStride, ar2 = 2 * ar, ar3 = 3 * ar;
  for (let j0 = 0; j0 < n; j0 += 4) {
    const w = Math.min(4, n - j0);
    packPanel(b, j0, w, k, panel);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0, q = 0, x = a.offset + i * ar; p < k; p++, q += 4, x += ac) {
        const b0 = panel[q]!, b1 = panel[q + 1]!, b2 = panel[q + 2]!, b3 = panel[q + 3]!;
        const a0 = ad[x]!, a1 = ad[x + ar]!, a2 = ad[x + ar2]!, a3 = ad[x + ar3]!;
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const o = cOffset + i * n + j0;
      store(c, o, w, alpha, c00, c01, c02, c03);
      store(c, o + n, w, alpha, c10, c11, c12, c13);
      store(c, o + 2 * n, w, alpha, c20, c21, c22, c23);
      store(c, o + 3 * n, w, alpha, c30, c31, c32, c33);
    }
    for (; i < m; i++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, q = 0, x = a.offset + i * ar; p < k; p++, q += 4, x += ac) {
        const av = ad[x]!;
        c0 += av * panel[q]!;
        c1 += av * panel[q + 1]!;
        c2 += av * panel[q + 2]!;
        c3 += av * panel[q + 3]!;
      }
      store(c, cOffset + i * n + j0, w, alpha, c0, c1, c2, c3);
    }
  }
}

/** Copies columns j0..j0+w of B into `panel` as k rows of 4 (missing columns are zero). */
function packPanel(b: MatrixView, j0: number, w: number, k: number, panel: Float64Array): void {
  const bd = b.data, br = b.rowStride, bc = b.colStride;
  if (w < 4) panel.fill(0, 0, 4 * k);
  for (let p = 0, s = b.offset + j0 * bc, d = 0; p < k; p++, s += br, d += 4) {
    for (let t = 0; t < w; t++) panel[d + t] = bd[s + t * bc]!;
  }
}

/** Stores the first `w` of four row values at `c[o..]`, scaled by alpha. */
function store(c: FloatArray, o: number, w: number, alpha: number, v0: number, v1: number, v2: number, v3: number) {
  if (alpha !== 1) {
    v0 *= alpha;
    v1 *= alpha;
    v2 *= alpha;
    v3 *= alpha;
  }
  c[o] = v0;
  if (w > 1) c[o + 1] = v1;
  if (w > 2) c[o + 2] = v2;
  if (w > 3) c[o + 3] = v3;
}
