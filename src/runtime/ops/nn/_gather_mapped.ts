/**
 * Builds a tensor by mapping every output index, axis by axis, to an input index (or to a fill value):
 * the shared core of Pad (constant/edge/reflect/wrap) and nearest-neighbour Resize. Works on every
 * dtype; long runs of consecutive indices on the last axis are copied as blocks.
 * @module
 */
import { allocate } from "../../../graph/dtype.ts";
import { stridesOf, Tensor } from "../../../graph/tensor.ts";

/** A fill value of the tensor's element kind. */
export type FillValue = number | bigint | string;

type Writable = { [i: number]: FillValue; length: number };

/** A run on the last axis: `length` outputs from `outStart`, read from `inStart` on (-1 = fill). */
interface Run {
  outStart: number;
  length: number;
  inStart: number;
}

function runsOf(map: Int32Array): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < map.length;) {
    const start = i, first = map[i]!;
    i++;
    while (i < map.length && (first < 0 ? map[i]! < 0 : map[i] === first + (i - start))) i++;
    runs.push({ outStart: start, length: i - start, inStart: first < 0 ? -1 : first });
  }
  return runs;
}

/**
 * Gathers `x` into a tensor of shape `outDims`: output index `(i0, i1, …)` takes input index
 * `(maps[0][i0], maps[1][i1], …)`, or `fill` when any of them is negative.
 */
export function gatherMapped(
  x: Tensor,
  outDims: readonly number[],
  maps: readonly Int32Array[],
  fill: FillValue,
): Tensor {
  const rank = outDims.length;
  const size = outDims.reduce((a, b) => a * b, 1);
  const out = allocate(x.type, size);
  if (size === 0) return new Tensor(x.type, out, outDims);
  if (rank === 0) {
    (out as Writable)[0] = x.data[0]!;
    return new Tensor(x.type, out, outDims);
  }
  const strides = stridesOf(x.dims);
  const last = maps[rank - 1]!;
  const runs = runsOf(last);
  const blocks = runs.length * 8 <= last.length && !Array.isArray(out);
  const src = x.data as unknown as Writable & { subarray(a: number, b: number): ArrayLike<FillValue> };
  const dst = out as unknown as Writable & {
    set(a: ArrayLike<FillValue>, o: number): void;
    fill(v: FillValue, s: number, e: number): void;
  };
  let o = 0;
  const row = (base: number): void => {
    if (base < 0) {
      for (let i = 0; i < last.length; i++) dst[o + i] = fill;
    } else if (blocks) {
      for (const r of runs) {
        if (r.inStart < 0) dst.fill(fill, o + r.outStart, o + r.outStart + r.length);
        else dst.set(src.subarray(base + r.inStart, base + r.inStart + r.length), o + r.outStart);
      }
    } else {
      for (let i = 0; i < last.length; i++) {
        const m = last[i]!;
        dst[o + i] = m < 0 ? fill : src[base + m]!;
      }
    }
    o += last.length;
  };
  const walk = (axis: number, base: number): void => {
    if (axis === rank - 1) return row(base);
    const map = maps[axis]!, stride = strides[axis]!;
    for (let i = 0; i < map.length; i++) {
      const m = map[i]!;
      walk(axis + 1, base < 0 || m < 0 ? -1 : base + m * stride);
    }
  };
  walk(0, 0);
  return new Tensor(x.type, out, outDims);
}
