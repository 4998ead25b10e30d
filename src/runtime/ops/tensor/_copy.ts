/**
 * Moving elements between arrays of one dtype, whatever that dtype is (typed arrays and string arrays).
 * @module
 */
import type { TensorData } from "../../../graph/dtype.ts";

/** Writable element slots of any tensor array, for dtype-generic moves between arrays of the same dtype. */
export type Slots = { [index: number]: unknown };

/** Copies `n` elements from `src[srcOffset..]` to `dst[dstOffset..]`; both arrays hold the same dtype. */
export function copyElements(dst: TensorData, dstOffset: number, src: TensorData, srcOffset: number, n: number): void {
  if (n < 16 || Array.isArray(src)) {
    const d = dst as Slots;
    const s = src as Slots;
    for (let i = 0; i < n; i++) d[dstOffset + i] = s[srcOffset + i];
    return;
  }
  (dst as Float32Array).set((src as Float32Array).subarray(srcOffset, srcOffset + n), dstOffset);
}

/**
 * Copies a strided view of `src` into `dst` densely (row-major over `dims`): element (i0, i1, …) of the
 * view is `src[offset + Σ ik·strides[k]]`. Transpose, Slice, Expand, Tile and DepthToSpace are all this
 * copy with different strides (0 for a broadcast axis). Axes of size 1 are dropped and axes that are
 * contiguous in `src` merged first, so the inner loop runs as long as it can.
 */
export function stridedCopy(
  src: TensorData,
  offset: number,
  dims: readonly number[],
  strides: readonly number[],
  dst: TensorData,
  dstOffset = 0,
): void {
  const d: number[] = [];
  const s: number[] = [];
  for (let i = 0; i < dims.length; i++) {
    const n = dims[i]!;
    if (n === 0) return;
    if (n === 1) continue;
    const stride = strides[i]!;
    const last = d.length - 1;
    if (last >= 0 && s[last] === stride * n) {
      d[last] = d[last]! * n;
      s[last] = stride;
    } else {
      d.push(n);
      s.push(stride);
    }
  }
  const out = dst as Slots;
  const inp = src as Slots;
  const rank = d.length;
  if (rank === 0) {
    out[dstOffset] = inp[offset];
    return;
  }
  const innerN = d[rank - 1]!;
  const innerS = s[rank - 1]!;
  let outer = 1;
  for (let k = 0; k < rank - 1; k++) outer *= d[k]!;
  const counter = new Int32Array(rank);
  let base = offset;
  let o = dstOffset;
  for (let b = 0; b < outer; b++) {
    if (innerS === 1) {
      copyElements(dst, o, src, base, innerN);
    } else if (innerS === 0) {
      (dst as unknown as { fill(v: unknown, start: number, end: number): void }).fill(inp[base], o, o + innerN);
    } else {
      for (let j = 0, p = base; j < innerN; j++, p += innerS) out[o + j] = inp[p];
    }
    o += innerN;
    for (let k = rank - 2; k >= 0; k--) {
      base += s[k]!;
      if (++counter[k]! < d[k]!) break;
      base -= s[k]! * d[k]!;
      counter[k] = 0;
    }
  }
}
