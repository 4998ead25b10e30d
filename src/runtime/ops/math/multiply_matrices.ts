/**
 * The scalar reference matrix multiply shared by MatMul, Gemm and Conv (weights times im2row patches):
 * `C = alpha · A · B (+ a bias per row)` for strided float32/float64 views (a transposed operand is just
 * swapped strides). B is packed, a block of columns at a time, into contiguous k×4 float64 panels that
 * stay in cache; every group of four rows of A is multiplied against each panel with sixteen local float64
 * accumulators — each loaded A and B value is used four times, and nothing but the final value is written.
 * @module
 */

/** Float64 elements of B packed per block of columns (128 KiB: stays in L2 while A streams past). */
const BLOCK_ELEMENTS = 16384;

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

/** Where the result rows go and what is added to them (Conv writes a block of a wider output plane). */
export interface ResultLayout {
  /** Distance between result rows. @default n */
  ldc?: number;
  /** A value added to every element of row `i`: `bias[biasOffset + i]`. @default none */
  bias?: FloatArray;
  /** Index of row 0's bias. @default 0 */
  biasOffset?: number;
}

/**
 * Writes `alpha · A · B` (A m×k, B k×n), plus a bias per row when `layout` gives one, into the m×n block
 * of `c` starting at `cOffset` with rows `layout.ldc` apart. `panel` is optional scratch of at least 4·k
 * elements (a larger buffer is made when it is too small). Sums run over k in order in float64, so results do
 * not depend on the blocking.
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
  panel?: Float64Array,
  layout: ResultLayout = {},
): void {
  const ad = a.data;
  const ldc = layout.ldc ?? n;
  const bias = layout.bias, bias0 = layout.biasOffset ?? 0;
  const rowBias = (i: number) => (bias ? bias[bias0 + i]! : 0);
  const ar = a.rowStride, ac = a.colStride, ar2 = 2 * ar, ar3 = 3 * ar;
  // Columns go in blocks whose packed panels stay in cache while every row of A streams past them.
  const block = blockColumns(k);
  const need = panelElements(n, k);
  const panels = panel && panel.length >= need ? panel : new Float64Array(need);
  for (let jb = 0; jb < n; jb += block) {
    const je = Math.min(n, jb + block);
    for (let j0 = jb, slot = 0; j0 < je; j0 += 4, slot += 4 * k) {
      packPanel(b, j0, Math.min(4, je - j0), k, panels, slot);
    }
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      for (let j0 = jb, slot = 0; j0 < je; j0 += 4, slot += 4 * k) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0, q = slot, x = a.offset + i * ar; p < k; p++, q += 4, x += ac) {
          const b0 = panels[q]!, b1 = panels[q + 1]!, b2 = panels[q + 2]!, b3 = panels[q + 3]!;
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
        const w = Math.min(4, je - j0);
        const o = cOffset + i * ldc + j0;
        store(c, o, w, alpha, rowBias(i), c00, c01, c02, c03);
        store(c, o + ldc, w, alpha, rowBias(i + 1), c10, c11, c12, c13);
        store(c, o + 2 * ldc, w, alpha, rowBias(i + 2), c20, c21, c22, c23);
        store(c, o + 3 * ldc, w, alpha, rowBias(i + 3), c30, c31, c32, c33);
      }
    }
    for (; i < m; i++) {
      for (let j0 = jb, slot = 0; j0 < je; j0 += 4, slot += 4 * k) {
        let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (let p = 0, q = slot, x = a.offset + i * ar; p < k; p++, q += 4, x += ac) {
          const av = ad[x]!;
          c0 += av * panels[q]!;
          c1 += av * panels[q + 1]!;
          c2 += av * panels[q + 2]!;
          c3 += av * panels[q + 3]!;
        }
        store(c, cOffset + i * ldc + j0, Math.min(4, je - j0), alpha, rowBias(i), c0, c1, c2, c3);
      }
    }
  }
}

function blockColumns(k: number): number {
  return Math.max(4, Math.floor(BLOCK_ELEMENTS / Math.max(k, 1)) & ~3);
}

/**
 * Elements of the panel scratch {@link multiplyMatrices} needs for an n-column B of k rows (pass one
 * buffer this large to calls of the same shape to allocate it once).
 */
export function panelElements(n: number, k: number): number {
  return Math.min(blockColumns(k), (n + 3) & ~3) * k;
}

/** Copies columns j0..j0+w of B into `panels[at..]` as k rows of 4 (missing columns are zero). */
function packPanel(b: MatrixView, j0: number, w: number, k: number, panels: Float64Array, at: number): void {
  const bd = b.data, br = b.rowStride, bc = b.colStride;
  if (w < 4) panels.fill(0, at, at + 4 * k);
  for (let p = 0, s = b.offset + j0 * bc, d = at; p < k; p++, s += br, d += 4) {
    for (let t = 0; t < w; t++) panels[d + t] = bd[s + t * bc]!;
  }
}

/** Stores the first `w` of four row values at `c[o..]`, scaled by alpha, plus the row's bias. */
function store(
  c: FloatArray,
  o: number,
  w: number,
  alpha: number,
  bias: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
) {
  if (alpha !== 1) {
    v0 *= alpha;
    v1 *= alpha;
    v2 *= alpha;
    v3 *= alpha;
  }
  if (bias !== 0) {
    v0 += bias;
    v1 += bias;
    v2 += bias;
    v3 += bias;
  }
  c[o] = v0;
  if (w > 1) c[o + 1] = v1;
  if (w > 2) c[o + 2] = v2;
  if (w > 3) c[o + 3] = v3;
}
