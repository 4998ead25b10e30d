/**
 * Row plans for broadcasting kernels. Broadcasting several inputs to one output shape is reduced to
 * "rows": the output is walked row by row, where a row is the innermost run of dimensions that every
 * input either reads contiguously (stride 1) or repeats one element of (stride 0). Size-1 output
 * dimensions are dropped and neighbouring dimensions with the same broadcast pattern are merged, so
 * `[N,C,H,W] + [1,C,1,1]` becomes N·C rows of H·W elements, and equal shapes become a single row.
 * Kernels then run a tight loop per row with two or three offsets and no per-element index math.
 * @module
 */
import { broadcastShapes } from "../shape_util.ts";

/** How to walk a broadcast: `rows` rows of `inner` elements each, with per-input row offsets and strides. */
export interface RowPlan {
  /** The output shape. */
  dims: number[];
  /** Elements per row. */
  inner: number;
  /** Number of rows (output size / inner). */
  rows: number;
  /** For each input, the flat offset where each row starts (length `rows`). */
  offsets: Int32Array[];
  /** For each input, its stride along a row: 1 (contiguous) or 0 (one element repeated). */
  strides: number[];
}

/**
 * Plans the walk of `shapes` broadcast to `outDims` (by default their multidirectional broadcast shape).
 * Throws RangeError when the shapes do not broadcast.
 */
export function planRows(shapes: readonly (readonly number[])[], outDims?: readonly number[]): RowPlan {
  const dims = outDims ? [...outDims] : broadcastShapes(...shapes);
  const rank = dims.length;
  const k = shapes.length;
  let size = 1;
  for (const d of dims) size *= d;
  if (size === 0) {
    return { dims, inner: 0, rows: 0, offsets: shapes.map(() => new Int32Array(0)), strides: shapes.map(() => 0) };
  }
  // Merge output dimensions (skipping size-1 ones) that share the same "full or broadcast" pattern.
  const sizes: number[] = [];
  const patterns: boolean[][] = [];
  for (let d = 0; d < rank; d++) {
    const n = dims[d]!;
    if (n === 1) continue;
    const pattern = shapes.map((s) => {
      const e = s[d - (rank - s.length)] ?? 1;
      if (e !== n && e !== 1) {
        throw new RangeError(`Shape [${s.join(", ")}] cannot be broadcast to [${dims.join(", ")}]`);
      }
      return e === n;
    });
    const last = patterns[patterns.length - 1];
    if (last && last.every((full, i) => full === pattern[i])) sizes[sizes.length - 1]! *= n;
    else {
      sizes.push(n);
      patterns.push(pattern);
    }
  }
  const m = sizes.length;
  if (m === 0) {
    return {
      dims,
      inner: 1,
      rows: 1,
      offsets: shapes.map(() => new Int32Array(1)),
      strides: shapes.map(() => 0),
    };
  }
  const inner = sizes[m - 1]!;
  const rows = size / inner;
  // Element strides of each input along each merged dimension (0 where it is broadcast).
  const strides = patterns.map(() => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    let s = 1;
    for (let d = m - 1; d >= 0; d--) {
      if (patterns[d]![i]) {
        strides[d]![i] = s;
        s *= sizes[d]!;
      }
    }
  }
  const offsets = shapes.map(() => new Int32Array(rows));
  const counter = new Array<number>(m).fill(0);
  const flat = new Array<number>(k).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) offsets[i]![r] = flat[i]!;
    for (let d = m - 2; d >= 0; d--) {
      const st = strides[d]!;
      counter[d]!++;
      if (counter[d]! < sizes[d]!) {
        for (let i = 0; i < k; i++) flat[i]! += st[i]!;
        break;
      }
      for (let i = 0; i < k; i++) flat[i]! -= st[i]! * (sizes[d]! - 1);
      counter[d] = 0;
    }
  }
  return { dims, inner, rows, offsets, strides: patterns[m - 1]!.map((full) => (full ? 1 : 0)) };
}
