/**
 * Reading and writing one quantization group of a weight tensor in its original layout. The group
 * layout itself (how a weight splits into output channels × blocks of reduction rows, the table of
 * operand kinds) is part of the quantized-tensor record and lives in `src/graph/group_layout.ts`;
 * it is re-exported here.
 * @module
 */
import { channelOffset, type GroupLayout } from "../graph/group_layout.ts";

export * from "../graph/group_layout.ts";

/**
 * Copies block `block` of channel `c` out of `src` (original layout) into `dst[0..length)`, in group
 * order. Returns the block's length.
 */
export function readGroup(g: GroupLayout, src: ArrayLike<number>, c: number, block: number, dst: Float64Array): number {
  const base = channelOffset(g, c) + block * g.blockRows * g.rowStride;
  const rows = Math.min(g.blockRows, g.rows - block * g.blockRows);
  const inner = g.inner;
  const stride = g.rowStride;
  let i = 0;
  for (let r = 0; r < rows; r++) {
    const start = base + r * stride;
    for (let k = 0; k < inner; k++) dst[i++] = src[start + k]!;
  }
  return i;
}

/** The inverse of {@link readGroup}: writes `values[0..length)` of one group back into `dst`. */
export function writeGroup(
  g: GroupLayout,
  dst: Float32Array,
  c: number,
  block: number,
  values: ArrayLike<number>,
): void {
  const base = channelOffset(g, c) + block * g.blockRows * g.rowStride;
  const rows = Math.min(g.blockRows, g.rows - block * g.blockRows);
  const inner = g.inner;
  const stride = g.rowStride;
  let i = 0;
  for (let r = 0; r < rows; r++) {
    const start = base + r * stride;
    for (let k = 0; k < inner; k++) dst[start + k] = values[i++]!;
  }
}
